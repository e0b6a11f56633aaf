using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Insights.Data;
using ChongqingVet.Insights.Feeds;
using ChongqingVet.Insights.Feeds.Grpc;
using ChongqingVet.Insights.V1;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Microsoft.Extensions.DependencyInjection;

namespace ChongqingVet.Insights.Tests.Feeds;

/// <summary>
/// The insights service following the real certificates service's WatchChanges (chongqingvet.common.v1.ChangeFeedService)
/// through <see cref="GrpcChangeSource"/>, both in memory. Compiled only when the change-feed contract is in the tree.
/// </summary>
public sealed class ChangeFeedEndToEndTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task Follow_CertificatesFeed_SampleCertificatesAppearInTheOutcomesWithinABoundedTime(DatabaseProvider provider)
    {
        // The certificates service's sample data is written through its repositories, so it is in its feed.
        await using var certificates = await ServiceHost<ChongqingVet.Certificates.Grpc.CertificateGrpcService>.StartAsync(provider,
            new Dictionary<string, string?> { ["SampleData:Enabled"] = "true" });
        var feed = new ChangeFeedService.ChangeFeedServiceClient(certificates.Factory.CreateChannel());
        var token = certificates.Factory.Authority.Issue("gov-system", "government", ["changes.read"]);
        var source = new GrpcChangeSource("certificates", feed, _ => Task.FromResult<string?>(token));

        await using var insights = await InsightsHarness.StartAsync(provider, sampleData: false, source);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // The feed starts with the certificate types; wait change by change until certificates are in the figures (a
        // feed that never brings one leaves the wait to the bound, and the test fails).
        var outcomes = new AchievementOutcomesReport();
        for (var sequence = 1L; outcomes.CertificatesIssued == 0; sequence++)
        {
            await insights.Progress.WaitForAsync("certificates", sequence, bound.Token);
            Assert.Null(insights.Progress.LastFailure("certificates"));
            outcomes = await insights.Reader.GetAchievementOutcomesAsync(new GetAchievementOutcomesRequest(), cancellationToken: bound.Token);
        }

        Assert.True(outcomes.CertificatesIssued > 0, outcomes.ToString());
        Assert.NotEmpty(outcomes.CertificatesByTypeLevelYear);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Follow_CertificatesFeed_ACertificateIssuedNow_AppearsInTheSkillSupplyWithinABoundedTime(DatabaseProvider provider)
    {
        await using var certificates = await ServiceHost<ChongqingVet.Certificates.Grpc.CertificateGrpcService>.StartAsync(provider,
            new Dictionary<string, string?> { ["SampleData:Enabled"] = "true" });
        var token = certificates.Factory.Authority.Issue("gov-system", "government", ["changes.read"]);
        var channel = certificates.Factory.CreateChannel(token);
        var source = new GrpcChangeSource("certificates", new ChangeFeedService.ChangeFeedServiceClient(channel), _ => Task.FromResult<string?>(token));
        await using var insights = await InsightsHarness.StartAsync(provider, sampleData: false, source);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var types = new WatchChangesRequest { ResourceTypes = { ReadModelMapper.TypesBySource["certificates"] } };

        // The sample certificates first: wait until the read model holds the last change the feed had (its types only).
        var (sample, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(channel, types);
        await insights.Progress.WaitForAsync("certificates", sample[^1].Sequence, bound.Token);
        Assert.Null(insights.Progress.LastFailure("certificates"));
        var supplyRequest = new GetSkillSupplyDemandRequest { Key = string.Empty };
        long BimSupply(SkillSupplyDemandReport report) => report.Gaps.SingleOrDefault(g => g.SkillCode == "BIM-MODEL")?.Supply ?? 0;
        var before = BimSupply(await insights.Reader.GetSkillSupplyDemandAsync(supplyRequest, cancellationToken: bound.Token));

        // A new learner's 1+X BIM (junior) certificate, issued through the certificates service: it attests BIM-MODEL (五级).
        // Issued by the type's own organisation (only the owner may issue it), with the institution's scopes.
        var owner = ChongqingVet.Certificates.Data.CertificateSampleData.Types.Single(t => t.Code == "1X-BIM").OrganisationCreditCode;
        var issuer = new ChongqingVet.Certificates.V1.CertificateService.CertificateServiceClient(certificates.Factory.CreateChannel(
            certificates.Factory.Authority.Issue("bim-assessor", "institution", ["certificates.read", "certificates.issue"], organisation: owner)));
        var issued = await issuer.IssueCertificateAsync(new ChongqingVet.Certificates.V1.IssueCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            TypeCode = "1X-BIM",
            Level = CertificateLevel.XJunior,
            LearnerId = "L9001",
            HolderName = "李四",
            HolderIdNumber = "11010519491231002X",
            IssuingOrganisation = "重庆工业职业技术学院考核站",
            IssueDate = new DateOnly(2025, 6, 30).ToProtoDate(),
        }, cancellationToken: bound.Token);

        // Wait (bounded) until the follower has applied the feed's change for it, then the supply counts one learner more.
        var (after, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(channel, new WatchChangesRequest { Cursor = sample[^1].Cursor, ResourceTypes = { types.ResourceTypes } });
        Assert.Contains(after, c => c.ResourceName.EndsWith(issued.CertificateNumber, StringComparison.Ordinal));
        await insights.Progress.WaitForAsync("certificates", after[^1].Sequence, bound.Token);
        Assert.Null(insights.Progress.LastFailure("certificates"));
        var supply = await insights.Reader.GetSkillSupplyDemandAsync(supplyRequest, cancellationToken: bound.Token);
        Assert.Equal(before + 1, BimSupply(supply));
        var outcomes = await insights.Reader.GetAchievementOutcomesAsync(new GetAchievementOutcomesRequest(), cancellationToken: bound.Token);
        Assert.Contains(outcomes.CertificatesByTypeLevelYear, r => r.Key == "1X-BIM/CERTIFICATE_LEVEL_X_JUNIOR/2025" && r.Count > 0);
    }
}
