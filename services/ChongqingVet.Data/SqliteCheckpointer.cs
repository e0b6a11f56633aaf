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
public sealed class SqliteCheckpointer : BackgroundService
{
    private readonly IDbConnectionFactory _database;
    private readonly DatabaseOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<SqliteCheckpointer> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task _nextTick;

    public SqliteCheckpointer(IDbConnectionFactory database, DatabaseOptions options, TimeProvider clock, ILogger<SqliteCheckpointer> logger)
    {
        (_database, _options, _clock, _logger) = (database, options, clock, logger);
        // The first wait starts with the service, not when ExecuteAsync first runs (on a thread of its own), so no tick
        // is missed. One delay at a time, not a periodic timer: a clock that jumps ahead (a test's fake clock, a resumed
        // virtual machine) brings one checkpoint, not one per interval skipped.
        _nextTick = Task.Delay(options.SqliteCheckpointInterval, clock, _stopping.Token);
    }

    /// <summary>Raised after each checkpoint with the log's frames and the frames now in the database file (-1, -1: it failed).</summary>
    public event Action<long, long>? Checkpointed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var stop = stoppingToken.Register(_stopping.Cancel);
        try
        {
            while (true)
            {
                await _nextTick;
                var (log, copied) = await CheckpointAsync(_stopping.Token);
                _nextTick = Task.Delay(_options.SqliteCheckpointInterval, _clock, _stopping.Token); // before anyone hears of this one
                Checkpointed?.Invoke(log, copied);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Host stopping.
        }
    }

    /// <summary>One passive checkpoint now: the log's frames and those copied into the database file (-1, -1 when it failed).</summary>
    private async Task<(long Log, long Copied)> CheckpointAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            // One row: busy (1: another checkpoint was running), frames in the log, frames copied into the database file.
            return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(1), reader.GetInt64(2)) : (-1, -1);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _logger.LogWarning(exception, "SQLite checkpoint failed; retrying in {Interval}", _options.SqliteCheckpointInterval);
            return (-1, -1);
        }
    }

    public override void Dispose()
    {
        _stopping.Cancel();
        base.Dispose();
        _stopping.Dispose();
    }
}
