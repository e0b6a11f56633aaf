using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data;

/// <summary>
/// A retention sweep once at start and then every <c>interval</c>, on the service's <see cref="TimeProvider"/> (tests
/// drive it with a fake clock). Every replica runs it; a sweep must be idempotent. A failed sweep (database briefly
/// away, schema not migrated yet) is logged and retried at the next tick.
/// </summary>
public abstract class PeriodicSweepService(TimeSpan interval, TimeProvider clock, ILogger logger, string what) : BackgroundService
{
    /// <summary>Raised after each sweep with the number of rows it deleted (-1 when it failed).</summary>
    public event Action<int>? Swept;

    /// <summary>Deletes what has expired; returns the rows deleted.</summary>
    protected abstract Task<int> DeleteExpiredAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Created before the first sweep, so a tick is never missed between the sweep and the wait.
        using var timer = new PeriodicTimer(interval, clock);
        try
        {
            do
            {
                Swept?.Invoke(await SweepAsync(stoppingToken));
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
    }

    /// <summary>One sweep now; returns the rows deleted, -1 when it failed.</summary>
    public async Task<int> SweepAsync(CancellationToken stoppingToken)
    {
        try
        {
            var deleted = await DeleteExpiredAsync(stoppingToken);
            if (deleted > 0) logger.LogInformation("Deleted {Count} expired {What}", deleted, what);
            return deleted;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Sweep of expired {What} failed; retrying in {Interval}", what, interval);
            return -1;
        }
    }
}
