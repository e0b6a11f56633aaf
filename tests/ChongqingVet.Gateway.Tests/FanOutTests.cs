using ChongqingVet.Profile.V1;

namespace ChongqingVet.Gateway.Tests;

/// <summary>One request's downstream look-ups are bounded (FanOut:MaxConcurrentCalls).</summary>
public class FanOutTests
{
    [Fact]
    public async Task GetTranscript_ManyOutsideCourses_AtMostTheConfiguredLookUpsInFlight()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Courses.OutsideCourses = 12;
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?>
        {
            ["FanOut:MaxConcurrentCalls"] = "3",
            ["Resilience:Defaults:AttemptTimeout"] = "00:00:30",
        });

        var transcript = gateway.Client.GetTranscriptAsync(new GetTranscriptRequest { LearnerId = "L0001", MajorCode = "460301" }).ResponseAsync;
        await WaitUntilAsync(() => Volatile.Read(ref fakes.Courses.InFlight) == 3, transcript);
        Assert.Equal(3, Volatile.Read(ref fakes.Courses.MaxInFlight)); // the other nine wait their turn
        fakes.Courses.CourseGate.SetResult();
        var result = await transcript;

        Assert.Equal(3, fakes.Courses.MaxInFlight);
        Assert.Equal(13, result.Courses.Count);
    }

    /// <summary>Waits for the condition; fails at once if the call ended first (it would never come true).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, Task call)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (call.IsCompleted) await call;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Yield();
            await Task.Delay(5);
        }
    }
}
