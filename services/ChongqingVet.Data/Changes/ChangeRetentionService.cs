using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data.Changes;

/// <summary>
/// Deletes changes older than <see cref="ChangeFeedOptions.Retention"/> once at start and then every
/// <see cref="ChangeFeedOptions.CleanupInterval"/>, on the service's <see cref="TimeProvider"/> (tests drive it with a
/// fake clock). Every replica runs it; a second sweep deletes nothing. A failed sweep is logged and retried at the next tick.
/// </summary>
public sealed partial class ChangeRetentionService(ChangeFeedStore store, ChangeFeedOptions options, TimeProvider clock, ILogger<ChangeRetentionService> logger)
    : BackgroundService
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

    /// <summary>One sweep now; returns the rows deleted, -1 when it failed.</summary>
    public async Task<int> SweepAsync(CancellationToken stoppingToken)
    {
        try
        {
            var deleted = await store.PruneAsync(options.Retention, stoppingToken);
            if (deleted > 0) LogPruned(deleted, options.Retention);
            return deleted;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFailed(exception, options.CleanupInterval);
            return -1;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} change(s) older than {Retention} from the change feed")]
    private partial void LogPruned(int count, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change feed retention failed; retrying in {Interval}")]
    private partial void LogFailed(Exception exception, TimeSpan interval);
}
