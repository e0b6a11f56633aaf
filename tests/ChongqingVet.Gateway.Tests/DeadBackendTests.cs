using System.Net.Sockets;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.Profile.V1;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.Gateway.Tests;

/// <summary>
/// A dead backend costs nothing: a refused connection is retried once, at once; the breaker judges only its short
/// sampling window, opens at low traffic, and probes again after its break duration. Every clock is the harness's
/// <see cref="FakeTimeProvider"/> (the gateway's TimeProvider): time moves only when a test advances it.
/// </summary>
public sealed class DeadBackendTests
{
    private static GetLearnerProfileRequest Learner => new() { LearnerId = "L0001" };

    /// <summary>A real-time guard: a call that waited on the fake clock would never finish; fail instead of hanging.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    private static (GatewayHarness Gateway, FakeTimeProvider Clock) Start(FakeBackends fakes, IDictionary<string, string?> settings,
        IReadOnlyDictionary<string, HttpMessageHandler>? handlers = null)
    {
        var gateway = GatewayHarness.Start(handlers ?? fakes.Handlers, settings);
        return (gateway, gateway.Clock);
    }

    private static async Task<LearnerProfile> ProfileAsync(GatewayHarness gateway) =>
        await gateway.Client.GetLearnerProfileAsync(Learner).ResponseAsync.WaitAsync(Guard);

    [Theory]
    [InlineData(1000)]
    [InlineData(5000)]
    public async Task Breaker_FailingBackendAtLowTraffic_OpensForBreakDurationThenLetsOneTrialThroughAndClosesOnSuccess(int breakMilliseconds)
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Competitions.Fail = StatusCode.Unavailable;
        var (gateway, clock) = Start(fakes, new Dictionary<string, string?>
        {
            ["Resilience:competitions:MaxRetryAttempts"] = "0",
            ["Resilience:competitions:BreakerMinimumThroughput"] = "4",
            ["Resilience:competitions:BreakerSamplingDuration"] = "00:00:02",
            ["Resilience:competitions:BreakerBreakDuration"] = TimeSpan.FromMilliseconds(breakMilliseconds).ToString(),
        });
        await using var _ = gateway;

        for (var i = 0; i < 4; i++) Assert.Equal(["competitions"], (await ProfileAsync(gateway)).Unreachable);
        Assert.Equal(4, fakes.Competitions.RecordCalls);

        // Open: the section is reported unreachable without a call to the backend, until the break duration is over.
        Assert.Equal(["competitions"], (await ProfileAsync(gateway)).Unreachable);
        clock.Advance(TimeSpan.FromMilliseconds(breakMilliseconds - 1));
        Assert.Equal(["competitions"], (await ProfileAsync(gateway)).Unreachable);
        Assert.Equal(4, fakes.Competitions.RecordCalls);

        // Half-open: exactly one trial reaches the backend; it fails, so the breaker opens again for a full break.
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["competitions"], (await ProfileAsync(gateway)).Unreachable);
        Assert.Equal(5, fakes.Competitions.RecordCalls);
        Assert.Equal(["competitions"], (await ProfileAsync(gateway)).Unreachable);
        clock.Advance(TimeSpan.FromMilliseconds(breakMilliseconds - 1));
        Assert.Equal(["competitions"], (await ProfileAsync(gateway)).Unreachable);
        Assert.Equal(5, fakes.Competitions.RecordCalls);

        // The backend is back: the next trial succeeds, the breaker closes, and every call reaches the backend again.
        fakes.Competitions.Fail = null;
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Empty((await ProfileAsync(gateway)).Unreachable);
        for (var i = 0; i < 3; i++) Assert.Empty((await ProfileAsync(gateway)).Unreachable);
        Assert.Equal(9, fakes.Competitions.RecordCalls);
    }

    [Fact]
    public async Task Breaker_AfterLongHealthyTraffic_OpensOnFailuresWithinTheSamplingWindowAlone()
    {
        await using var fakes = await FakeBackends.StartAsync();
        var (gateway, clock) = Start(fakes, new Dictionary<string, string?>
        {
            ["Resilience:competitions:MaxRetryAttempts"] = "0",
            ["Resilience:competitions:BreakerMinimumThroughput"] = "4",
            ["Resilience:competitions:BreakerSamplingDuration"] = "00:00:02",
            ["Resilience:competitions:BreakerBreakDuration"] = "00:00:01",
        });
        await using var _ = gateway;

        // A busy healthy period: with a long window these successes would outvote the failures below for many seconds.
        for (var i = 0; i < 30; i++)
        {
            Assert.Empty((await ProfileAsync(gateway)).Unreachable);
            clock.Advance(TimeSpan.FromMilliseconds(100));
        }
        clock.Advance(TimeSpan.FromSeconds(3)); // the 2 s window has moved past them
        var healthyCalls = fakes.Competitions.RecordCalls;

        fakes.Competitions.Fail = StatusCode.Unavailable;
        for (var i = 0; i < 4; i++) Assert.Equal(["competitions"], (await ProfileAsync(gateway)).Unreachable);
        Assert.Equal(healthyCalls + 4, fakes.Competitions.RecordCalls);
        Assert.Equal(["competitions"], (await ProfileAsync(gateway)).Unreachable);
        Assert.Equal(healthyCalls + 4, fakes.Competitions.RecordCalls); // open after 4 failures, without waiting for anything
    }

    [Fact]
    public async Task Breaker_FailuresMixedWithRecentSuccesses_StaysClosedBelowTheRatio()
    {
        await using var fakes = await FakeBackends.StartAsync();
        var (gateway, clock) = Start(fakes, new Dictionary<string, string?>
        {
            ["Resilience:competitions:MaxRetryAttempts"] = "0",
            ["Resilience:competitions:BreakerMinimumThroughput"] = "4",
            ["Resilience:competitions:BreakerSamplingDuration"] = "00:00:02",
        });
        await using var _ = gateway;

        // Within one window: 6 successes, then 4 failures (4 of 10 < 0.5): every call still reaches the backend.
        for (var i = 0; i < 6; i++) Assert.Empty((await ProfileAsync(gateway)).Unreachable);
        fakes.Competitions.Fail = StatusCode.Unavailable;
        for (var i = 0; i < 4; i++) Assert.Equal(["competitions"], (await ProfileAsync(gateway)).Unreachable);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(["competitions"], (await ProfileAsync(gateway)).Unreachable);
        Assert.Equal(11, fakes.Competitions.RecordCalls);
    }

    [Fact]
    public async Task RefusedConnection_IsRetriedOnceAtOnceThenTheBreakerStopsTheCalls()
    {
        await using var fakes = await FakeBackends.StartAsync();
        var refusing = new RefusingHandler();
        var handlers = new Dictionary<string, HttpMessageHandler>(fakes.Handlers) { ["competitions"] = refusing };
        // MaxRetryAttempts 3 with a 10 s base delay: were a refusal treated like a backend's UNAVAILABLE, the call would
        // wait on the fake clock, which never moves here, and the guard would fail the test.
        var (gateway, _) = Start(fakes, new Dictionary<string, string?>
        {
            ["Resilience:competitions:MaxRetryAttempts"] = "3",
            ["Resilience:competitions:RetryBaseDelay"] = "00:00:10",
            ["Resilience:competitions:MaxConnectionFailureRetries"] = "1",
            ["Resilience:competitions:BreakerMinimumThroughput"] = "4",
        }, handlers);
        await using var __ = gateway;

        var first = await ProfileAsync(gateway);
        Assert.Equal(["competitions"], first.Unreachable);
        Assert.Equal(2, refusing.Attempts); // the first attempt and one immediate retry
        // The other three backends answered: a partial profile (without the competition's IR-PROG), not a failure.
        Assert.Equal(["IR-OPS", "PLC-PROG"], first.Skills.Select(s => s.SkillCode).Order());

        Assert.Equal(["competitions"], (await ProfileAsync(gateway)).Unreachable);
        Assert.Equal(4, refusing.Attempts);
        for (var i = 0; i < 5; i++) Assert.Equal(["competitions"], (await ProfileAsync(gateway)).Unreachable);
        Assert.Equal(4, refusing.Attempts); // four failed attempts opened the breaker: nothing more is dialled
    }

    [Fact]
    public async Task BackendsOwnUnavailable_IsStillRetriedWithBackoffOnTheInjectedClock()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Competitions.Fail = StatusCode.Unavailable;
        var (gateway, clock) = Start(fakes, new Dictionary<string, string?>
        {
            ["Resilience:competitions:MaxRetryAttempts"] = "1",
            ["Resilience:competitions:RetryBaseDelay"] = "00:00:05",
            // Advancing the clock below must not time out the other backends' attempts.
            ["Resilience:Defaults:AttemptTimeout"] = "01:00:00",
        });
        await using var _ = gateway;

        var call = gateway.Client.GetLearnerProfileAsync(Learner).ResponseAsync;
        await WaitUntilAsync(() => fakes.Competitions.RecordCalls == 1);
        Assert.False(call.IsCompleted); // waiting for its back-off, which only the clock can end
        Assert.Equal(1, fakes.Competitions.RecordCalls);

        // Beyond any jittered first delay. The failure reaches Polly a moment after the backend saw the call, and only
        // then is the back-off timer created on the fake clock: advance until the call ends (at most 10 × 5 min, below
        // the 1 h attempt timeout), so the test never depends on that moment.
        for (var step = 0; step < 10 && !call.IsCompleted; step++)
        {
            clock.Advance(TimeSpan.FromMinutes(5));
            await Task.WhenAny(call, Task.Delay(TimeSpan.FromMilliseconds(200)));
        }
        var profile = await call.WaitAsync(Guard);
        Assert.Equal(["competitions"], profile.Unreachable);
        Assert.Equal(2, fakes.Competitions.RecordCalls);
    }

    public static TheoryData<string, int, bool> Classifications => new()
    {
        // (origin, attempt number that failed, retried with MaxRetryAttempts 2 and MaxConnectionFailureRetries 1)
        { "refused", 0, true },
        { "refused", 1, false },
        { "subchannel", 0, true },
        { "subchannel", 1, false },
        { "backend", 0, true },
        { "backend", 1, true },
        { "backend", 2, false },
        { "invalid", 0, false },
    };

    [Theory, MemberData(nameof(Classifications))]
    public void ShouldRetry_TellsAConnectionFailureFromABackendsAnswer(string origin, int attemptNumber, bool retried)
    {
        var options = new BackendResilienceOptions { MaxRetryAttempts = 2, MaxConnectionFailureRetries = 1 };
        var exception = origin switch
        {
            "refused" => new RpcException(new Status(StatusCode.Unavailable, "Error starting gRPC call.", Refused())),
            "subchannel" => new RpcException(new Status(StatusCode.Unavailable, "Error connecting to subchannel.", new SocketException((int)SocketError.ConnectionRefused))),
            "backend" => new RpcException(new Status(StatusCode.Unavailable, "database busy")),
            _ => new RpcException(new Status(StatusCode.InvalidArgument, "bad")),
        };
        Assert.Equal(origin is "refused" or "subchannel", BackendResilience.IsConnectionFailure(exception));
        Assert.Equal(retried, BackendResilience.ShouldRetry(exception, attemptNumber, options));
    }

    private static HttpRequestException Refused() =>
        new(HttpRequestError.ConnectionError, "Connection refused (competitions:80)", new SocketException((int)SocketError.ConnectionRefused));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Guard);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>A backend whose port is closed: every request fails to connect, as SocketsHttpHandler reports it.</summary>
    private sealed class RefusingHandler : HttpMessageHandler
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            return Task.FromException<HttpResponseMessage>(Refused());
        }
    }
}
