using ChongqingVet.Audit.V1;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Dapper;
using Grpc.Core;

namespace ChongqingVet.Certificates.Tests;

/// <summary>Writes and personal-data reads leave hash-chained audit records; only auditors read them.</summary>
public class CertificateAuditTests
{
    private static readonly TestAuthority Authority = TestAuthority.Shared;

    private static string Auditor => Authority.Issue("auditor-console", "auditor", ["audit.read"]);

    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task WritesReadsAndRefusals_AreAudited_WithTheCallerAndOutcome(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var issued = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001"));
        var learner = new CertificateService.CertificateServiceClient(harness.Factory.CreateChannel(Authority.Learner("L0001")));
        await learner.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0001" });
        var stranger = new CertificateService.CertificateServiceClient(harness.Factory.CreateChannel(
            Authority.Issue("institution-b", "institution", ["certificates.issue"], organisation: "91110108MA01ABCD1X")));
        await Assert.ThrowsAsync<RpcException>(() => stranger.IssueCertificateAsync(CertificateServiceHarness.Issue("L0002")).ResponseAsync);

        var audit = new AuditService.AuditServiceClient(harness.Factory.CreateChannel(Auditor));
        var records = (await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { PageSize = 200 })).AuditRecords;

        var issue = Assert.Single(records, r => r.Method.EndsWith("/IssueCertificate", StringComparison.Ordinal) && r.Outcome == "OK");
        Assert.Equal("test-all", issue.ClientId);
        Assert.Equal("learner_id/L0001", issue.Resource);
        var read = Assert.Single(records, r => r.Method.EndsWith("/ListLearnerSkillEvidence", StringComparison.Ordinal));
        Assert.Equal("L0001", read.Subject);
        Assert.Single(records, r => r.Method.EndsWith("/IssueCertificate", StringComparison.Ordinal) && r.Outcome == nameof(StatusCode.PermissionDenied) && r.ClientId == "institution-b");
        Assert.DoesNotContain(records, r => r.Resource.Contains("11010519491231002X", StringComparison.Ordinal));
        Assert.True((await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest())).Ok);
        Assert.NotEmpty(issued.CertificateNumber);
    }

    [Fact]
    public async Task AWriteThatRollsBack_LeavesNoRowAndAFailedRecord()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        var request = CertificateServiceHarness.Issue("L0003");
        await harness.Client.IssueCertificateAsync(request);
        var again = CertificateServiceHarness.Issue("L0003"); // same holder, type and level: the one-active rule refuses it
        await Assert.ThrowsAsync<RpcException>(() => harness.Client.IssueCertificateAsync(again).ResponseAsync);

        var audit = new AuditService.AuditServiceClient(harness.Factory.CreateChannel(Auditor));
        var records = (await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { PageSize = 200 })).AuditRecords
            .Where(r => r.Method.EndsWith("/IssueCertificate", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, records.Count);
        Assert.Single(records, r => r.Outcome == "OK");
        Assert.Single(records, r => r.Outcome != "OK");
        Assert.True((await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest())).Ok);
    }

    [Fact]
    public async Task AuditLog_IsForAuditorsOnly()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        var administrator = new AuditService.AuditServiceClient(harness.Factory.CreateChannel(
            Authority.Issue("admin-console", "administrator", ["catalog.read", "catalog.write"])));

        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => administrator.ListAuditRecordsAsync(new ListAuditRecordsRequest()).ResponseAsync);
        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => administrator.VerifyAuditChainAsync(new VerifyAuditChainRequest()).ResponseAsync);
    }

    [Fact]
    public async Task AnEditedAuditRow_IsDetected()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0004"));
        var audit = new AuditService.AuditServiceClient(harness.Factory.CreateChannel(Auditor));
        Assert.True((await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest())).Ok);

        await using (var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None))
            await connection.ExecuteAsync("UPDATE audit_log SET subject = 'someone-else' WHERE sequence = 1");

        var verification = await audit.VerifyAuditChainAsync(new VerifyAuditChainRequest());
        Assert.False(verification.Ok);
        Assert.Equal(1, verification.FirstBrokenSequence);
        Assert.Equal(AuditChainBreak.Edited, verification.Reason);
    }
}
