using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data;

/// <summary>
/// SQLite: copies the write-ahead log into the database file every <see cref="DatabaseOptions.SqliteCheckpointInterval"/>
/// (<c>PRAGMA wal_checkpoint(PASSIVE)</c>: it waits for no reader or writer and copies what no reader still needs), so
/// that commits do not. By default SQLite checkpoints inside the commit that takes the log past 1,000 pages: a request —
/// an import batch, an audited read — then pays for writing and syncing pages other requests dirtied. Commits still
/// checkpoint themselves past <see cref="DatabaseOptions.SqliteWalLimitPages"/>, which bounds the log if this falls
/// behind. Runs on the service's <see cref="TimeProvider"/> (tests drive it with a fake clock).
/// </summary>
public sealed class SqliteCheckpointer(IDbConnectionFactory database, DatabaseOptions options, TimeProvider clock, ILogger<SqliteCheckpointer> logger)
    : BackgroundService
{
    // Started with the service, not when ExecuteAsync first runs (on a thread of its own): no tick is missed before it.
    private readonly PeriodicTimer _timer = new(options.SqliteCheckpointInterval, clock);

    /// <summary>Raised after each checkpoint with the log's frames and the frames now in the database file (-1, -1: it failed).</summary>
    public event Action<long, long>? Checkpointed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _timer.WaitForNextTickAsync(stoppingToken))
            {
                var (log, copied) = await CheckpointAsync(stoppingToken);
                Checkpointed?.Invoke(log, copied);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
    }

    /// <summary>One passive checkpoint now: the log's frames and those copied into the database file (-1, -1 when it failed).</summary>
    public async Task<(long Log, long Copied)> CheckpointAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            // One row: busy (1: another checkpoint was running), frames in the log, frames copied into the database file.
            return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(1), reader.GetInt64(2)) : (-1, -1);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "SQLite checkpoint failed; retrying in {Interval}", options.SqliteCheckpointInterval);
            return (-1, -1);
        }
    }

    public override void Dispose()
    {
        _timer.Dispose();
        base.Dispose();
    }
}
