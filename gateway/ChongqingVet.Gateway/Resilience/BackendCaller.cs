using Grpc.Core;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ChongqingVet.Gateway.Resilience;

/// <summary>The outcome of a call to one backend: its value, or the fact that the backend was unreachable.</summary>
public readonly record struct BackendResult<T>(T? Value, bool Reachable)
{
    public static BackendResult<T> Unreachable => new(default, false);
}

/// <summary>
/// Calls a backend through its pipeline. A backend that is down, slow past its attempt timeout, or behind an
/// open breaker is "unreachable" (the caller builds a partial answer); the caller's own cancellation and a
/// backend's answer about the request (INVALID_ARGUMENT, NOT_FOUND …) pass through unchanged.
/// </summary>
public sealed partial class BackendCaller(BackendResilience resilience, ILogger<BackendCaller> logger)
{
    public async Task<BackendResult<T>> TryAsync<T>(string backend, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            var value = await resilience.For(backend).ExecuteAsync(async token => await call(token), cancellationToken);
            return new BackendResult<T>(value, true);
        }
        catch (Exception exception) when (cancellationToken.IsCancellationRequested && exception is not OperationCanceledException)
        {
            // The caller gave up (deadline or cancellation): whatever the backend said last is moot.
            throw new OperationCanceledException("The caller cancelled the call or its deadline passed.", exception, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && IsUnreachable(exception))
        {
            LogUnreachable(backend, exception.GetType().Name, (exception as RpcException)?.StatusCode.ToString() ?? "-");
            return BackendResult<T>.Unreachable;
        }
    }

    /// <summary>Like <see cref="TryAsync{T}"/>, but an unreachable backend is UNAVAILABLE for the caller.</summary>
    public async Task<T> CallAsync<T>(string backend, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var result = await TryAsync(backend, call, cancellationToken);
        return result.Reachable ? result.Value! : throw new RpcException(new Status(StatusCode.Unavailable, $"The {backend} service is unavailable; try again later."));
    }

    private static bool IsUnreachable(Exception exception) =>
        exception is BrokenCircuitException or TimeoutRejectedException or OperationCanceledException
        || BackendResilience.IsBackendFailure(exception)
        || exception is RpcException { StatusCode: StatusCode.Cancelled };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Backend} unreachable ({Exception}, status {Status})")]
    private partial void LogUnreachable(string backend, string exception, string status);
}
