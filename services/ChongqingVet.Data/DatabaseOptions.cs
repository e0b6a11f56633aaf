namespace ChongqingVet.Data;

/// <summary>The database engines the services run on.</summary>
public enum DatabaseProvider
{
    /// <summary>Embedded default: a local file, no server.</summary>
    Sqlite,

    /// <summary>PostgreSQL and PostgreSQL-compatible 信创 databases.</summary>
    Postgres,

    /// <summary>Production: Microsoft SQL Server.</summary>
    SqlServer,
}

/// <summary>
/// Database settings, the same keys in every service: <c>Database:Provider</c>, <c>ConnectionStrings:Database</c>,
/// <c>Database:MigrateOnStartup</c> (environment: <c>Database__Provider</c>, <c>ConnectionStrings__Database</c> …).
/// </summary>
public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>A secret: never logged or shown in errors.</summary>
    public string ConnectionString { get; set; } = string.Empty;

    public bool MigrateOnStartup { get; set; }

    /// <summary>
    /// SQLite: how often <see cref="SqliteCheckpointer"/> copies the write-ahead log into the database file
    /// (<c>Database:SqliteCheckpointInterval</c>, default 200 ms). Zero turns it off: the committing connection then
    /// checkpoints whenever the log passes 1,000 pages, inside the request that committed (SQLite's default).
    /// </summary>
    public TimeSpan SqliteCheckpointInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// SQLite, with the background checkpointer: the log size in pages (of 4 KiB) at which a committing connection
    /// checkpoints anyway (<c>Database:SqliteWalLimitPages</c>, default 10,000 ≈ 40 MiB) — the log's bound when the
    /// checkpointer falls behind.
    /// </summary>
    public int SqliteWalLimitPages { get; set; } = 10_000;

    /// <summary>
    /// SQLite: open connections kept, with their compiled statements, for the next caller
    /// (<c>Database:SqliteCachedConnections</c>, default 8; zero: none, every query compiles its SQL again).
    /// </summary>
    public int SqliteCachedConnections { get; set; } = 8;

    /// <summary>SQLite: distinct statements (by SQL text) each cached connection keeps compiled (<c>Database:SqliteCachedStatements</c>, default 64).</summary>
    public int SqliteCachedStatements { get; set; } = 64;

    /// <summary>
    /// PostgreSQL: connections this process opens at most (<c>Database:PostgresMaxPoolSize</c>, default 16; Npgsql's
    /// <c>Maximum Pool Size</c>, which this setting replaces in the connection string). Callers beyond it wait for a
    /// connection in the process instead of adding server processes that compete for the same cores; replicas × this
    /// must stay below the server's <c>max_connections</c>.
    /// </summary>
    public int PostgresMaxPoolSize { get; set; } = 16;

    /// <summary>
    /// PostgreSQL: statements each connection keeps prepared on the server once used five times
    /// (<c>Database:PostgresMaxAutoPrepare</c>, default 64; Npgsql's <c>Max Auto Prepare</c>, which this setting replaces
    /// in the connection string; zero: none, every statement is parsed and planned again).
    /// </summary>
    public int PostgresMaxAutoPrepare { get; set; } = 64;
}
