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
}
