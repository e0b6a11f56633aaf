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

    /// <summary>The insights service: not a profile section; the gateway only passes its calls through (when configured).</summary>
    public const string Insights = "insights";
}

/// <summary>
/// Resilience settings of one backend: <c>Resilience:Defaults</c>, overridden by <c>Resilience:&lt;backend&gt;</c>
/// (e.g. <c>Resilience__courses__AttemptTimeout</c>). The defaults make a dead backend cheap: a refused connection
/// fails in microseconds and is retried once at most, the breaker judges the last 2 s only (so hours of healthy
/// traffic cannot hide an outage) and probes again after 1 s, and the channel redials a returning backend within
/// about a second. docs/RELIABILITY.md ("A dead backend") explains each value.
/// </summary>
public sealed class BackendResilienceOptions
{
    /// <summary>Longest one attempt may take (default 2 s).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Retries after the first attempt for an UNAVAILABLE the backend itself answered (default 2, jittered exponential backoff).</summary>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>First retry delay for a backend's own UNAVAILABLE; doubles each retry, with jitter (default 100 ms).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Retries, without delay, after an UNAVAILABLE that never reached the backend: the connection was refused, reset or
    /// could not be made, or the channel already knows the endpoint is down (default 1; 0 disables). One immediate retry
    /// covers a stale pooled connection or another endpoint behind the same name; more would only hammer a dead one.
    /// </summary>
    public int MaxConnectionFailureRetries { get; set; } = 1;

    /// <summary>Share of failed attempts in the sampling window that opens the breaker (default 0.5).</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Attempts needed in the window before the breaker may open (default 4: low traffic still trips it).</summary>
    public int BreakerMinimumThroughput { get; set; } = 4;

    /// <summary>The breaker's sampling window (default 2 s; Polly's minimum is 0.5 s).</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the breaker stays open before letting one trial call through (default 1 s; minimum 0.5 s).</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>TCP connect timeout of the channel's <see cref="System.Net.Http.SocketsHttpHandler"/> (default 1 s): a blackholed endpoint costs this, not the attempt timeout.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The channel's first reconnect back-off after a failed connect (default 250 ms; grpc-dotnet's own default is 1 s).</summary>
    public TimeSpan InitialReconnectBackoff { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The channel's longest reconnect back-off (default 1 s; grpc-dotnet's own default is 120 s).</summary>
    public TimeSpan MaxReconnectBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>HTTP/2 keep-alive ping interval while calls are active (default 20 s): finds a peer that vanished without a reset.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a keep-alive ping may go unanswered before the connection is dropped (default 5 s).</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The options of <paramref name="backend"/>: defaults, then <c>Resilience:Defaults</c>, then <c>Resilience:&lt;backend&gt;</c>.</summary>
    public static BackendResilienceOptions For(IConfiguration configuration, string backend)
    {
        var options = new BackendResilienceOptions();
        configuration.GetSection("Resilience:Defaults").Bind(options);
        configuration.GetSection("Resilience:" + backend).Bind(options);
        return options;
    }
}

/// <summary>
/// One named Polly pipeline per backend: retry around a circuit breaker around a per-attempt timeout. It understands
/// gRPC status codes and where an UNAVAILABLE came from; there is no other retry layer (the channels have no retry
/// policy). Reads and writes carrying a request_id are safe to retry; the gateway only reads. Every clock is the
/// injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class BackendResilience
{
    private readonly Dictionary<string, ResiliencePipeline> _pipelines;

    public BackendResilience(IConfiguration configuration, TimeProvider clock)
    {
        _pipelines = Backends.All.Append(Backends.Insights).ToDictionary(name => name, name => Build(BackendResilienceOptions.For(configuration, name), clock));
    }

    public ResiliencePipeline For(string backend) => _pipelines[backend];

    public static bool IsRetryable(Exception exception) => exception is RpcException { StatusCode: StatusCode.Unavailable };

    /// <summary>
    /// An UNAVAILABLE the client raised itself, never an answer of the backend: connection refused or reset, connect
    /// timeout, the stream ended, or the channel's picker failed because its subchannel is in TRANSIENT_FAILURE. The
    /// client attaches the exception that caused it (<see cref="Status.DebugException"/>); a status the backend sent
    /// in its trailers has none.
    /// </summary>
    public static bool IsConnectionFailure(Exception? exception) =>
        exception is RpcException { StatusCode: StatusCode.Unavailable } rpc && rpc.Status.DebugException is not null;

    /// <summary>Failures that count against a backend's health (not the caller's own bad input).</summary>
    public static bool IsBackendFailure(Exception exception) => exception is TimeoutRejectedException
        or RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.ResourceExhausted };

    /// <summary>Whether the attempt numbered <paramref name="attemptNumber"/> (0 = the first) that failed with <paramref name="exception"/> is retried.</summary>
    public static bool ShouldRetry(Exception? exception, int attemptNumber, BackendResilienceOptions options) => exception switch
    {
        _ when IsConnectionFailure(exception) => attemptNumber < options.MaxConnectionFailureRetries,
        RpcException { StatusCode: StatusCode.Unavailable } => attemptNumber < options.MaxRetryAttempts,
        _ => false,
    };

    private static ResiliencePipeline Build(BackendResilienceOptions options, TimeProvider clock)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = clock };
        var retries = Math.Max(options.MaxRetryAttempts, options.MaxConnectionFailureRetries);
        if (retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome.Exception, args.AttemptNumber, options)),
                MaxRetryAttempts = retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                // A connection failure is retried at once (a new connection, or another endpoint); waiting would not help
                // a dead endpoint and only holds the caller. null: the exponential back-off above.
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(IsConnectionFailure(args.Outcome.Exception) ? TimeSpan.Zero : null),
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
