using ChongqingVet.Gateway.Catalog;
using ChongqingVet.Profile.V1;
using Microsoft.Extensions.DependencyInjection;

namespace ChongqingVet.Gateway.Tests;

/// <summary>
/// Skill names come from the gateway's copy of the catalog: loaded once, reloaded after SkillCatalog:RefreshInterval on
/// the gateway's clock, a code the copy lacks fetched once (and remembered, known or not) — never a catalog call per profile.
/// </summary>
public class SkillCatalogTests
{
    [Fact]
    public async Task GetLearnerProfile_ManyLearnersAfterWarmUp_NoCatalogCalls()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var warm = await gateway.Client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "L0000" });
        // Warm-up: one ListSkills page, one BatchGetSkills for PLC-PROG (which the catalog does not know).
        Assert.Equal(1, fakes.JobPostings.ListSkillsCalls);
        Assert.Equal([["PLC-PROG"]], fakes.JobPostings.BatchGetSkillsCodes);
        Assert.False(warm.Skills.Single(s => s.SkillCode == "PLC-PROG").KnownInCatalog);

        for (var i = 1; i <= 25; i++)
        {
            var profile = await gateway.Client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = $"L{i:D4}" });
            Assert.Equal("技能IR-OPS", profile.Skills.Single(s => s.SkillCode == "IR-OPS").SkillName);
            Assert.True(profile.Skills.Single(s => s.SkillCode == "IR-PROG").KnownInCatalog);
            Assert.False(profile.Skills.Single(s => s.SkillCode == "PLC-PROG").KnownInCatalog);
            Assert.Empty(profile.Unreachable);
        }

        Assert.Equal(1, fakes.JobPostings.ListSkillsCalls);
        Assert.Equal(1, fakes.JobPostings.BatchGetSkillsCalls);
    }

    [Fact]
    public async Task GetLearnerProfile_RefreshIntervalPassesOnTheClock_CatalogReloadedOnceAndNewSkillsNamed()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.JobPostings.CatalogCodes.Add("ZZ-PAD"); // a second page with page size 2
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?>
        {
            ["SkillCatalog:RefreshInterval"] = "00:01:00",
            ["SkillCatalog:PageSize"] = "2",
        });
        await gateway.Client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "L0001" });
        Assert.Equal(2, fakes.JobPostings.ListSkillsCalls); // both pages

        // The catalog learns PLC-PROG; within the interval the gateway still remembers it as unknown, without asking.
        fakes.JobPostings.CatalogCodes.Add("PLC-PROG");
        gateway.Clock.Advance(TimeSpan.FromSeconds(59));
        var before = await gateway.Client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "L0002" });
        Assert.False(before.Skills.Single(s => s.SkillCode == "PLC-PROG").KnownInCatalog);
        Assert.Equal(2, fakes.JobPostings.ListSkillsCalls);

        gateway.Clock.Advance(TimeSpan.FromSeconds(2));
        var after = await gateway.Client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "L0003" });
        Assert.True(after.Skills.Single(s => s.SkillCode == "PLC-PROG").KnownInCatalog);
        Assert.Equal("技能PLC-PROG", after.Skills.Single(s => s.SkillCode == "PLC-PROG").SkillName);
        Assert.Equal(4, fakes.JobPostings.ListSkillsCalls); // reloaded once (two pages) …
        await gateway.Client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "L0004" });
        Assert.Equal(4, fakes.JobPostings.ListSkillsCalls); // … and not again
        Assert.Equal(1, fakes.JobPostings.BatchGetSkillsCalls);
    }

    [Fact]
    public async Task GetLearnerProfile_CodeMissingFromCatalog_FetchedOnceUnderConcurrentProfiles()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.JobPostings.CatalogCodes.Remove("IR-PROG"); // created after the load: fetched on its own
        fakes.JobPostings.BatchGetSkillsGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?> { ["Resilience:Defaults:AttemptTimeout"] = "00:00:30" });
        var catalog = gateway.Factory.Services.GetRequiredService<SkillCatalog>();

        const int concurrent = 8;
        var profiles = Enumerable.Range(1, concurrent)
            .Select(i => gateway.Client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = $"L{i:D4}" }).ResponseAsync)
            .ToArray();
        // One request fetches (held at the gate); every other one waits for that fetch instead of making its own.
        await WaitUntilAsync(() => catalog.WaitingForOthersFetches == concurrent - 1, profiles);
        fakes.JobPostings.BatchGetSkillsGate.SetResult();
        var answered = await Task.WhenAll(profiles);

        Assert.Equal(1, fakes.JobPostings.BatchGetSkillsCalls);
        Assert.Equal(["IR-PROG", "PLC-PROG"], Assert.Single(fakes.JobPostings.BatchGetSkillsCodes).Order());
        Assert.Equal(1, fakes.JobPostings.ListSkillsCalls);
        Assert.All(answered, p =>
        {
            Assert.Equal("技能IR-PROG", p.Skills.Single(s => s.SkillCode == "IR-PROG").SkillName);
            Assert.False(p.Skills.Single(s => s.SkillCode == "PLC-PROG").KnownInCatalog);
        });
    }

    [Fact]
    public async Task GetLearnerProfile_CatalogDownBeforeFirstLoad_JobPostingsUnreachableThenNamedOnceItIsBack()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?> { ["SkillCatalog:RetryAfterFailure"] = "00:00:10" });
        fakes.JobPostings.Fail = global::Grpc.Core.StatusCode.Unavailable;

        var down = await gateway.Client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "L0001" });
        Assert.Contains("jobpostings", down.Unreachable);
        Assert.All(down.Skills, s => Assert.False(s.KnownInCatalog));

        fakes.JobPostings.Fail = null;
        gateway.Clock.Advance(TimeSpan.FromSeconds(11)); // past RetryAfterFailure (and the breaker's break)
        var back = await gateway.Client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "L0001" });
        Assert.Empty(back.Unreachable);
        Assert.True(back.Skills.Single(s => s.SkillCode == "IR-OPS").KnownInCatalog);
    }

    /// <summary>Waits for the condition; fails at once if a call ended first (it would never come true).</summary>
    internal static async Task WaitUntilAsync(Func<bool> condition, IEnumerable<Task> calls)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            foreach (var call in calls) if (call.IsCompleted) await call;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(5);
        }
    }
}
