using ChongqingVet.Common.V1;
using ChongqingVet.Profile.V1;
using Grpc.Core;

namespace ChongqingVet.Gateway.Tests;

/// <summary>
/// The profile reads every backend through the one learner-record contract: one ListLearnerRecords call per backend
/// and page, all four in parallel, and never the backends' own record lists or a second call for the records.
/// </summary>
public class LearnerRecordContractTests
{
    private static GetLearnerProfileRequest Learner => new() { LearnerId = "L0001" };

    [Fact]
    public async Task GetLearnerProfile_OnePageEach_MakesOneCallPerBackend()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var profile = await gateway.Client.GetLearnerProfileAsync(Learner);

        foreach (var script in new[] { fakes.Certificates, fakes.Competitions, fakes.Courses, fakes.JobPostings })
        {
            Assert.Equal(1, script.RecordCalls);
            Assert.Equal(0, script.ListCalls); // no second, per-resource record call
        }
        Assert.Single(profile.Certificates);
        Assert.Single(profile.Awards);
        Assert.Single(profile.Courses);
        Assert.Single(profile.Placements);
        Assert.Equal("91500000MA5U000000", profile.Placements[0].EmployerCreditCode);
        Assert.Equal(["IR-PROG", "IR-OPS", "PLC-PROG"], profile.Skills.Select(s => s.SkillCode));
    }

    [Fact]
    public async Task GetLearnerProfile_AllFourCallsAreInFlightTogether()
    {
        await using var fakes = await FakeBackends.StartAsync();
        var scripts = new[] { fakes.Certificates, fakes.Competitions, fakes.Courses, fakes.JobPostings };
        foreach (var script in scripts) script.Hangs = true;
        await using var gateway = GatewayHarness.Start(fakes.Handlers);
        using var cancel = new CancellationTokenSource();

        var call = gateway.Client.GetLearnerProfileAsync(Learner, cancellationToken: cancel.Token).ResponseAsync;
        // Every backend holds its first call open: all four were asked before any answered (a sequential read would
        // wait on the first one forever).
        await WaitUntilAsync(() => scripts.All(s => Volatile.Read(ref s.RecordCalls) == 1), call);
        cancel.Cancel();

        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.DeadlineExceeded)]
    public async Task GetLearnerProfile_OneBackendFails_OthersStillFillTheirSections(StatusCode failure)
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Courses.Fail = failure;
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?> { ["Resilience:courses:MaxRetryAttempts"] = "0" });

        var profile = await gateway.Client.GetLearnerProfileAsync(Learner);

        Assert.Equal(["courses"], profile.Unreachable);
        Assert.Empty(profile.Courses);
        Assert.Single(profile.Certificates);
        Assert.Single(profile.Awards);
        Assert.Single(profile.Placements);
        var irOps = profile.Skills.Single(s => s.SkillCode == "IR-OPS");
        Assert.Equal(EvidenceSourceKind.Certificate, Assert.Single(irOps.Evidence).SourceKind); // the course's evidence is gone with its section
        Assert.Equal(1, fakes.Certificates.RecordCalls);
    }

    /// <summary>Polls the condition (never a fixed sleep); the guard only bounds a broken run.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, Task call)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (call.IsCompleted) await call; // surfaces an unexpected early end
            await Task.Delay(10, guard.Token);
        }
    }
}
