using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ChongqingVet.Data;

/// <summary>
/// Opens connections to the service's own database. One connection per operation.
/// Write transactions: call <c>BeginTransaction[Async]()</c> without arguments. On SQLite that starts
/// <c>BEGIN IMMEDIATE</c> (Microsoft.Data.Sqlite's default for the default, serializable isolation level), so the
/// writer lock is taken up front and concurrent writers queue on the busy timeout instead of failing when a
/// read lock cannot be upgraded. Never pass <c>deferred: true</c> or ReadUncommitted for a transaction that writes.
/// </summary>
public interface IDbConnectionFactory
{
    DatabaseProvider Provider { get; }

    SqlDialect Dialect { get; }

    Task<DbConnection> OpenAsync(CancellationToken cancellationToken);
}

public sealed class DbConnectionFactory : IDbConnectionFactory, IDisposable, IAsyncDisposable
{
    // Durability and concurrency settings for SQLite, applied on every connection: WAL lets readers run beside
    // the one writer, synchronous=FULL makes an acknowledged commit survive power loss, and the busy timeout
    // makes concurrent writers queue instead of failing. journal_mode is stored in the file, so repeating it is a no-op.
    // The busy timeout is the connection string's "Default Timeout" (seconds, 30 unless set), the same bound
    // Microsoft.Data.Sqlite's own busy retry uses; a writer still locked out after it fails with SQLITE_BUSY,
    // which the dialect reports as transient (UNAVAILABLE).
    // The settings belong to the native connection, which Microsoft.Data.Sqlite's pool keeps open between uses: they run
    // once per native connection (four statements on every open were a large share of a short read's CPU).
    private const string SqlitePragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=";

    private readonly DatabaseOptions _options;
    // Typed as the base class, and the drivers a process does not use are only named in methods it never runs: a
    // process on SQLite loads neither Npgsql nor Microsoft.Data.SqlClient, one on PostgreSQL not the latter (about 1 MiB
    // of RSS each; docs/PERFORMANCE.md, "Code a process never runs, not loaded").
    private readonly DbDataSource? _postgres;
    private readonly string _sqlitePragmas = string.Empty;
    private readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> _configuredSqliteHandles = new();
    private readonly SqliteConnectionCache? _sqliteCache;

    public DbConnectionFactory(DatabaseOptions options)
    {
        _options = options;
        Dialect = SqlDialect.For(options.Provider);
        if (options.Provider == DatabaseProvider.Postgres) _postgres = CreatePostgresSource(options);
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            var busyTimeout = TimeSpan.FromSeconds(new SqliteConnectionStringBuilder(options.ConnectionString).DefaultTimeout);
            _sqlitePragmas = SqlitePragmas + (long)busyTimeout.TotalMilliseconds + ";";
            // With the background checkpointer a commit checkpoints only past the log's limit, not every 1,000 pages.
            if (options.SqliteCheckpointInterval > TimeSpan.Zero) _sqlitePragmas += " PRAGMA wal_autocheckpoint=" + options.SqliteWalLimitPages + ";";
            if (options.SqliteCachedConnections > 0) _sqliteCache = new SqliteConnectionCache(options);
        }
    }

    /// <summary>
    /// The operator's PostgreSQL connection string with the pool's bound and the automatic preparation of
    /// <see cref="DatabaseOptions"/> (docs/PERFORMANCE.md, "PostgreSQL: a bounded pool and prepared statements").
    /// </summary>
    public static string PostgresConnectionString(DatabaseOptions options) => new NpgsqlConnectionStringBuilder(options.ConnectionString)
    {
        MaxPoolSize = options.PostgresMaxPoolSize,
        MaxAutoPrepare = options.PostgresMaxAutoPrepare,
    }.ConnectionString;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DbDataSource CreatePostgresSource(DatabaseOptions options) => NpgsqlDataSource.Create(PostgresConnectionString(options));

    public DatabaseProvider Provider => _options.Provider;

    public SqlDialect Dialect { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        switch (_options.Provider)
        {
            case DatabaseProvider.Postgres:
                return await _postgres!.OpenConnectionAsync(cancellationToken);
            case DatabaseProvider.SqlServer:
                return await OpenSqlServerAsync(_options.ConnectionString, cancellationToken);
            default:
                if (_sqliteCache?.Rent() is { } cached) return cached;
                var sqlite = _sqliteCache is null
                    ? new SqliteConnection(_options.ConnectionString)
                    : new CachingSqliteConnection(_options.ConnectionString, _sqliteCache, _options.SqliteCachedStatements);
                try
                {
                    await sqlite.OpenAsync(cancellationToken);
                    if (!_configuredSqliteHandles.TryGetValue(sqlite.Handle!, out _))
                    {
                        await using var pragma = sqlite.CreateCommand();
                        pragma.CommandText = _sqlitePragmas;
                        await pragma.ExecuteNonQueryAsync(cancellationToken);
                        _configuredSqliteHandles.AddOrUpdate(sqlite.Handle!, this);
                    }
                }
                catch
                {
                    await sqlite.DisposeAsync();
                    throw;
                }
                return sqlite;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<DbConnection> OpenSqlServerAsync(string connectionString, CancellationToken cancellationToken)
    {
        var sqlServer = new SqlConnection(connectionString);
        try
        {
            await sqlServer.OpenAsync(cancellationToken);
        }
        catch
        {
            await sqlServer.DisposeAsync();
            throw;
        }
        return sqlServer;
    }

    /// <summary>Closes the PostgreSQL connection pool and the cached SQLite connections (the DI container calls this when the host stops).</summary>
    public void Dispose()
    {
        _sqliteCache?.Dispose();
        _postgres?.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        _sqliteCache?.Dispose();
        return _postgres?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
