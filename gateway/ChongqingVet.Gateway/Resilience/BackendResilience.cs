using Grpc.Core;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace ChongqingVet.Gateway.Resilience;

/// <summary>The four backends the gateway composes; their names are the profile's section names.</summary>
public static class Backends
{
    public const string Certificates = "certificates";
    public const string Competitions = "competitions";
    public const string Courses = "courses";
    public const string JobPostings = "jobpostings";

    public static readonly string[] All = [Certificates, Competitions, Courses, JobPostings];
}

/// <summary>
/// Resilience settings of one backend, from <c>Resilience:&lt;backend&gt;</c> (e.g. <c>Resilience__courses__AttemptTimeout</c>).
/// Defaults are sized for low traffic: the breaker opens after 4 calls in 30 s of which half failed.
/// </summary>
public sealed class BackendResilienceOptions
{
    /// <summary>Longest one attempt may take (default 2 s).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Retries after the first attempt, for UNAVAILABLE only (default 2).</summary>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>First retry delay; doubles each retry, with jitter (default 100 ms).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Share of failed calls in the sampling window that opens the breaker (default 0.5).</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls needed in the window before the breaker may open (default 4: low traffic still trips it).</summary>
    public int BreakerMinimumThroughput { get; set; } = 4;

    /// <summary>The breaker's sampling window (default 30 s).</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the breaker stays open before letting a trial call through (default 15 s).</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// One named Polly pipeline per backend: retry (UNAVAILABLE only, jittered exponential backoff) around a circuit
/// breaker around a per-attempt timeout. It understands gRPC status codes; there is no other retry layer (the
/// channels have no retry policy). Reads and writes carrying a request_id are safe to retry; the gateway only reads.
/// </summary>
public sealed class BackendResilience
{
    private readonly Dictionary<string, ResiliencePipeline> _pipelines;

    public BackendResilience(IConfiguration configuration, TimeProvider clock)
    {
        _pipelines = Backends.All.ToDictionary(name => name, name =>
        {
            var options = new BackendResilienceOptions();
            configuration.GetSection("Resilience:Defaults").Bind(options);
            configuration.GetSection("Resilience:" + name).Bind(options);
            return Build(options, clock);
        });
    }

    public ResiliencePipeline For(string backend) => _pipelines[backend];

    public static bool IsRetryable(Exception exception) => exception is RpcException { StatusCode: StatusCode.Unavailable };

    /// <summary>Failures that count against a backend's health (not the caller's own bad input).</summary>
    public static bool IsBackendFailure(Exception exception) => exception is TimeoutRejectedException
        or RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.ResourceExhausted };

    private static ResiliencePipeline Build(BackendResilienceOptions options, TimeProvider clock)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = clock };
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(IsRetryable),
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
            });
        }
        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsBackendFailure),
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakerBreakDuration,
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }
}
