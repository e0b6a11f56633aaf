using ChongqingVet.Audit.V1;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Grpc.Core;

namespace ChongqingVet.Certificates.Tests;

/// <summary>ListLearnerRecords (the common learner-record contract): certificates and the evidence they give, paged together.</summary>
public class CertificateLearnerRecordsTests
{
    private static readonly TestAuthority Authority = TestAuthority.Shared;

    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    private static CertificateService.CertificateServiceClient ClientFor(CertificateServiceHarness harness, string? token) => new(harness.Factory.CreateChannel(token));

    /// <summary>Three certificates of L0003 (三级 and 四级 of one type, 三级 of another), the 四级 one revoked.</summary>
    private static async Task<Certificate> IssueThreeAsync(CertificateServiceHarness harness)
    {
        await harness.CreateTypeAsync();
        await harness.CreateTypeAsync(CertificateServiceHarness.RobotOperatorType("MOHRSS-IR-MNT"));
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0003"));
        var lower = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0003", level: CertificateLevel.National4));
        var other = CertificateServiceHarness.Issue("L0003");
        other.TypeCode = "MOHRSS-IR-MNT";
        await harness.Client.IssueCertificateAsync(other);
        return await harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = lower.CertificateNumber, Reason = "r", Etag = lower.Etag,
        });
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListLearnerRecords_PagedOneByOne_EveryPageCarriesTheEvidenceOfItsOwnRecords(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        var revoked = await IssueThreeAsync(harness);

        var (records, evidence, pages) = await LearnerRecordPages.ReadAllAsync(
            request => harness.Client.ListLearnerRecordsAsync(request).ResponseAsync, "L0003", pageSize: 1);

        Assert.Equal(3, pages);
        // The records are every certificate of the learner, revoked included, as ListCertificates lists them.
        var listed = await harness.Client.ListCertificatesAsync(new ListCertificatesRequest { LearnerId = "L0003" });
        Assert.Equal(listed.Certificates, records.Select(r => r.Record.Unpack<Certificate>()));
        Assert.All(records, r => Assert.Equal(EvidenceSourceKind.Certificate, r.Kind));
        Assert.Equal(CertificateStatus.Revoked, records.Single(r => r.Name == "certificates/" + revoked.CertificateNumber).Record.Unpack<Certificate>().Status);
        // The evidence is exactly what ListLearnerSkillEvidence gives: the active certificates' attested skills.
        var superseded = await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0003" });
        Assert.Equal(superseded.Evidence, evidence);
        Assert.Equal(4, evidence.Count); // two 三级 certificates × (IR-OPS, IR-PROG); the revoked 四级 gives none
        Assert.DoesNotContain(evidence, e => e.SourceName.EndsWith(revoked.CertificateNumber, StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListLearnerRecords_OnePage_HoldsEverythingAndATokenForAnotherLearnerIsRefused(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await IssueThreeAsync(harness);

        var all = await harness.Client.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0003" });
        Assert.Equal(3, all.Records.Count);
        Assert.Equal(4, all.Evidence.Count);
        Assert.Empty(all.NextPageToken);

        var first = await harness.Client.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0003", PageSize = 2 });
        Assert.NotEmpty(first.NextPageToken);
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListLearnerRecordsAsync(
            new ListLearnerRecordsRequest { LearnerId = "L0004", PageToken = first.NextPageToken }).ResponseAsync, "page_token");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "not a learner" }).ResponseAsync, "learner_id");
    }

    [Fact]
    public async Task ListLearnerRecords_Learner_ReadsOwnRecordsWithHolderFieldsButNotAnothers()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001"));
        var learner = ClientFor(harness, Authority.Learner("L0001"));

        var own = await learner.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0001" });
        var certificate = Assert.Single(own.Records).Record.Unpack<Certificate>();
        Assert.Equal("张三", certificate.HolderName);
        Assert.NotEmpty(own.Evidence);

        var other = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => learner.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0002" }).ResponseAsync);
        Assert.Equal("NOT_THIS_LEARNER_OR_SCOPE", RpcAssert.Reason(other));
    }

    [Fact]
    public async Task ListLearnerRecords_HolderFields_OnlyWithTheHolderScope()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001"));
        var profiles = ClientFor(harness, Authority.Issue("profile-reader", "government", ["profiles.read"]));
        var holderReader = ClientFor(harness, Authority.Issue("gov", "government", ["profiles.read", "certificates.holder.read"]));

        var plain = Assert.Single((await profiles.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0001" })).Records).Record.Unpack<Certificate>();
        Assert.Equal(string.Empty, plain.HolderName);
        Assert.Equal(string.Empty, plain.HolderIdNumberMasked);
        Assert.NotEmpty(plain.CertificateNumber);

        var full = Assert.Single((await holderReader.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0001" })).Records).Record.Unpack<Certificate>();
        Assert.Equal("张三", full.HolderName);
        Assert.Equal("1101**************", full.HolderIdNumberMasked);

        var reader = ClientFor(harness, Authority.Issue("reader", "government", ["certificates.read"]));
        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => reader.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0001" }).ResponseAsync);
    }

    [Fact]
    public async Task ListLearnerRecords_IsAuditedAsAPersonalDataRead()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001"));
        await ClientFor(harness, Authority.Learner("L0001")).ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0001" });

        var audit = new AuditService.AuditServiceClient(harness.Factory.CreateChannel(Authority.Issue("auditor-console", "auditor", ["audit.read"])));
        var records = (await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { PageSize = 200 })).AuditRecords;
        var read = Assert.Single(records, r => r.Method.EndsWith("/ListLearnerRecords", StringComparison.Ordinal));
        Assert.Equal("L0001", read.Subject);
        Assert.Equal("OK", read.Outcome);
    }
}
