using System.Diagnostics.Metrics;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ChongqingVet.Certificates.Tests;

/// <summary>The certificates meter's counters move once per committed outcome, over real calls.</summary>
public class CertificateMetricsTests
{
    private static MetricCollector<long> Collect(CertificateServiceHarness harness, string instrument) =>
        new(harness.Factory.Services.GetRequiredService<IMeterFactory>(), CertificateMetrics.MeterName, instrument);

    [Fact]
    public async Task IssueAndRevoke_CountOncePerCommittedWrite_NotForReplays()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        using var issued = Collect(harness, CertificateMetrics.IssuedName);
        using var revoked = Collect(harness, CertificateMetrics.RevokedName);
        await harness.CreateTypeAsync();
        var request = CertificateServiceHarness.Issue();

        var certificate = await harness.Client.IssueCertificateAsync(request);
        await harness.Client.IssueCertificateAsync(request); // replay: same request id, same answer, nothing new
        var revoke = new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = certificate.CertificateNumber, Reason = "考核舞弊", Etag = certificate.Etag,
        };
        await harness.Client.RevokeCertificateAsync(revoke);
        await harness.Client.RevokeCertificateAsync(revoke); // replay

        Assert.Equal([1L], issued.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.Equal([1L], revoked.GetMeasurementSnapshot().Select(m => m.Value));
    }

    [Fact]
    public async Task Import_CountsCreatedCertificatesOnly()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        using var imported = Collect(harness, CertificateMetrics.ImportedName);
        await harness.CreateTypeAsync();
        var first = Item("row-1", "11010519491231002X");
        var second = Item("row-2", "440524188001010014");

        using (var call = harness.Client.ImportCertificates())
        {
            await call.RequestStream.WriteAsync(first);
            await call.RequestStream.WriteAsync(second);
            await call.RequestStream.WriteAsync(Item("row-3", "not-an-id")); // invalid
            await call.RequestStream.CompleteAsync();
            Assert.Equal(2, (await call).CreatedCount);
        }
        using (var again = harness.Client.ImportCertificates())
        {
            await again.RequestStream.WriteAsync(first); // re-sent item: a duplicate
            await again.RequestStream.CompleteAsync();
            Assert.Equal(1, (await again).DuplicateCount);
        }

        Assert.Equal(2L, imported.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task Verify_CountsByResult()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        using var verifications = Collect(harness, CertificateMetrics.VerificationsName);
        await harness.CreateTypeAsync();
        var certificate = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());

        await harness.Client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = certificate.CertificateNumber, HolderName = "张三" });
        await harness.Client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = certificate.CertificateNumber, HolderName = "李四" });

        Assert.Equal([("valid", 1L), ("not_found", 1L)],
            verifications.GetMeasurementSnapshot().Select(m => ((string)m.Tags["result"]!, m.Value)));
    }

    private static ImportCertificatesRequest Item(string reference, string idNumber)
    {
        var issue = CertificateServiceHarness.Issue(idNumber: idNumber);
        return new ImportCertificatesRequest
        {
            ClientReference = reference, RequestId = issue.RequestId, TypeCode = issue.TypeCode, Level = issue.Level, LearnerId = issue.LearnerId,
            HolderName = issue.HolderName, HolderIdNumber = issue.HolderIdNumber, IssuingOrganisation = issue.IssuingOrganisation, IssueDate = issue.IssueDate,
        };
    }
}
