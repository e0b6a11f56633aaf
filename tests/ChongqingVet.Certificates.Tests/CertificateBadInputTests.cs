using ChongqingVet.Audit.V1;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;
using Google.Protobuf;
using Xunit.Abstractions;

namespace ChongqingVet.Certificates.Tests;

/// <summary>The bad-input battery (generated from the protos) over every unary and import method of the service and its audit service.</summary>
public class CertificateBadInputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryBadInput_IsAClearStatus_AndLogsNoStackTrace()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["RateLimits:PerClientBurst"] = "1000000",
            ["RateLimits:PerClientPerSecond"] = "1000000",
        });
        await harness.CreateTypeAsync();
        var issued = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());
        var baselines = new Dictionary<string, IMessage>
        {
            ["CreateCertificateType"] = new CreateCertificateTypeRequest { RequestId = Guid.NewGuid().ToString(), CertificateType = CertificateServiceHarness.RobotOperatorType("MOHRSS-BASE") },
            ["IssueCertificate"] = CertificateServiceHarness.Issue(learnerId: "L0002", idNumber: "11010519491231002X"),
            ["GetCertificate"] = new GetCertificateRequest { CertificateNumber = issued.CertificateNumber },
            ["RevokeCertificate"] = new RevokeCertificateRequest { RequestId = Guid.NewGuid().ToString(), CertificateNumber = issued.CertificateNumber, Reason = "battery" },
        };

        var report = await BadInputBattery.RunAsync(harness.Factory.CreateChannel().CreateCallInvoker(),
            [CertificateService.Descriptor, AuditService.Descriptor], harness.Factory.Logs, baselines);

        output.WriteLine(report.Summary("certificates"));
        Assert.True(report.MethodCount >= 13, $"only {report.MethodCount} methods");
        Assert.False(report.Failures.Any(), report.FailureMessage());
    }
}
