using System.Diagnostics.Metrics;
using ChongqingVet.Profile.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ChongqingVet.Gateway.Tests;

public class GatewayMetricsTests
{
    [Fact]
    public async Task ProfileWithUnreachableBackend_CountsTheSectionByBackend()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Courses.Fail = StatusCode.Unavailable;
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?> { ["Resilience:courses:MaxRetryAttempts"] = "1" });
        using var unreachable = new MetricCollector<long>(gateway.Factory.Services.GetRequiredService<IMeterFactory>(),
            GatewayMetrics.MeterName, GatewayMetrics.SectionsUnreachableName);

        var profile = await gateway.Client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "L0001" });

        Assert.Equal(["courses"], profile.Unreachable);
        Assert.Equal([("courses", 1L)], unreachable.GetMeasurementSnapshot().Select(m => ((string)m.Tags["backend"]!, m.Value)));
    }
}
