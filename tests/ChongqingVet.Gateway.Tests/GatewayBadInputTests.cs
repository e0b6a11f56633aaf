using ChongqingVet.Profile.V1;
using ChongqingVet.TestKit.Grpc;
using Xunit.Abstractions;

namespace ChongqingVet.Gateway.Tests;

/// <summary>The bad-input battery (generated from the protos) over every unary method of the gateway, its backends answering normally.</summary>
public class GatewayBadInputTests(ITestOutputHelper output)
{
    // MatchJobs has no valid baseline here: the fake job postings backend does not implement matching (UNIMPLEMENTED),
    // so only the gateway's own validation of MatchJobs is exercised (from the empty baseline).
    [Fact]
    public async Task EveryBadInput_IsAClearStatus_AndLogsNoStackTrace()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?>
        {
            ["RateLimits:PerClientBurst"] = "1000000",
            ["RateLimits:PerClientPerSecond"] = "1000000",
        });

        var report = await BadInputBattery.RunAsync(gateway.Factory.CreateChannel().CreateCallInvoker(),
            [LearnerProfileService.Descriptor], gateway.Factory.Logs,
            new Dictionary<string, Google.Protobuf.IMessage>
            {
                ["GetLearnerProfile"] = new GetLearnerProfileRequest { LearnerId = "L0001" },
                ["GetTranscript"] = new GetTranscriptRequest { LearnerId = "L0001" },
            });

        output.WriteLine(report.Summary("gateway"));
        Assert.True(report.MethodCount >= 4, $"only {report.MethodCount} methods");
        Assert.False(report.Failures.Any(), report.FailureMessage());
    }
}
