using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data;

/// <summary>
/// Deletes idempotency rows older than <see cref="IdempotencyOptions.Retention"/> (default 7 days) once at start and
/// then every <see cref="IdempotencyOptions.CleanupInterval"/> (default 1 hour), on the service's
/// <see cref="TimeProvider"/> (tests drive it with a fake clock). Every replica runs it; the DELETE is idempotent.
/// A failed sweep (database briefly away, schema not migrated yet) is logged and retried at the next tick.
/// </summary>
public sealed class IdempotencyCleanupService(
    IdempotencyStore store,
    IdempotencyOptions options,
    TimeProvider clock,
    ILogger<IdempotencyCleanupService> logger) : BackgroundService
{
    /// <summary>Raised after each sweep with the number of rows it deleted (-1 when it failed).</summary>
    public event Action<int>? Swept;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Created before the first sweep, so a tick is never missed between the sweep and the wait.
        using var timer = new PeriodicTimer(options.CleanupInterval, clock);
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

    private async Task<int> SweepAsync(CancellationToken stoppingToken)
    {
        try
        {
            var deleted = await store.DeleteOlderThanAsync(options.Retention, stoppingToken);
            if (deleted > 0) logger.LogInformation("Deleted {Count} idempotency row(s) older than {Retention}", deleted, options.Retention);
            return deleted;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Idempotency cleanup failed; retrying in {Interval}", options.CleanupInterval);
            return -1;
        }
    }
}
