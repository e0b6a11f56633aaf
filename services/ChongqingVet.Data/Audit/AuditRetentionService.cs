using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data.Audit;

/// <summary>
/// Runs <see cref="AuditLog.DeleteExpiredAsync"/> on the injected clock: first one minute after start-up (or after
/// one interval if that is shorter), then every <see cref="AuditOptions.CleanupInterval"/>. A failed run is logged
/// and retried at the next tick; it never stops the service. Replicas may all run it: cleanups serialise on the
/// chain head, and the later one finds nothing left to delete.
/// </summary>
public sealed partial class AuditRetentionService(AuditLog log, AuditOptions options, TimeProvider clock, ILogger<AuditRetentionService> logger)
    : IHostedService, IAsyncDisposable
{
    public static readonly TimeSpan FirstRunDelay = TimeSpan.FromMinutes(1);

    // At most one pending tick: ticks that fall due during a run (or a big clock jump) coalesce into one more run.
    private readonly SemaphoreSlim _ticks = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _timer;
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    /// <summary>Raised after every run (tests wait on it instead of sleeping).</summary>
    public event Action<AuditCleanup>? Cleaned;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The timer exists when StartAsync returns, so advancing a fake clock right after start fires it.
        var first = options.CleanupInterval < FirstRunDelay ? options.CleanupInterval : FirstRunDelay;
        _timer = clock.CreateTimer(_ => Tick(), null, first, options.CleanupInterval);
        _loop = RunAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    // Stop and dispose may run at the same time: under a test host the program's own RunAsync stops and disposes the
    // host while the test's factory stops it too. Neither disposes the token source or the semaphore for that reason
    // (like BackgroundService): without a timer or wait handle they hold nothing to release.
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void Tick()
    {
        try
        {
            _ticks.Release();
        }
        catch (SemaphoreFullException)
        {
            // A run is already pending.
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _ticks.WaitAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                var result = await log.DeleteExpiredAsync(stopping);
                if (result.Deleted > 0) LogCleaned(logger, result.Deleted, result.AnchorSequence);
                Cleaned?.Invoke(result);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is DbException or InvalidOperationException or TimeoutException)
            {
                LogFailed(logger, exception);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container may dispose it twice (as itself and as the hosted service).
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (_timer is not null) await _timer.DisposeAsync();
        await _stopping.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit retention deleted {Count} expired record(s); the kept chain starts at sequence {Anchor}")]
    private static partial void LogCleaned(ILogger logger, int count, long anchor);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit retention run failed; retrying at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
