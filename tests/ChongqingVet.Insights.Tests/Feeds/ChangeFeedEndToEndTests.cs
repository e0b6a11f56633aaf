using ChongqingVet.Common.V1;
using ChongqingVet.Data;
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
}
