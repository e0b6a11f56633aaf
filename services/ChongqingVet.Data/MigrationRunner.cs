using System.Reflection;
using DbUp;
using DbUp.Builder;
using DbUp.Engine;
using DbUp.Engine.Output;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data;

/// <summary>
/// Runs the embedded migration scripts with DbUp: this assembly's own scripts first (shared tables such as
/// idempotency_keys), then the service's. Scripts are resources named <c>*.Migrations.&lt;dialect&gt;.NNNN_name.sql</c>
/// with dialect folders sqlite, postgres and sqlserver. Scripts already journaled are skipped, so re-running is a no-op.
/// </summary>
public static class MigrationRunner
{
    public const string JournalTable = "schema_versions";

    public static string DialectFolder(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Postgres => "postgres",
        DatabaseProvider.SqlServer => "sqlserver",
        _ => "sqlite",
    };

    /// <summary>Runs every pending script; returns the names of the scripts it ran.</summary>
    public static IReadOnlyList<string> Run(DatabaseOptions options, Assembly serviceAssembly, ILogger logger)
    {
        if (options.Provider == DatabaseProvider.Postgres) EnsureDatabase.For.PostgresqlDatabase(options.ConnectionString, new NoOpUpgradeLog());
        if (options.Provider == DatabaseProvider.Sqlite) EnsureSqliteDirectory(options.ConnectionString);

        var upgrader = Build(options, serviceAssembly, new LoggerUpgradeLog(logger));
        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
        {
            // The script name says where it failed; the provider's message never holds the connection string.
            throw new InvalidOperationException(
                $"Database migration failed in script '{result.ErrorScript?.Name}': {result.Error?.Message}", result.Error);
        }
        return result.Scripts.Select(s => s.Name).ToArray();
    }

    /// <summary>
    /// The embedded scripts of this release that the database's journal does not list yet, in run order; empty when the
    /// schema is current. Reads only (the journal table is not created). Throws when the database cannot be reached.
    /// The same script set and journal as <see cref="Run"/>, so "pending" here means exactly "what --migrate would run".
    /// </summary>
    public static IReadOnlyList<string> PendingScripts(DatabaseOptions options, Assembly serviceAssembly) =>
        Build(options, serviceAssembly, new NoOpUpgradeLog()).GetScriptsToExecute().Select(s => s.Name).ToArray();

    /// <summary>The scripts of one dialect in an assembly, in name order, for tests (parsing, dialects in step).</summary>
    public static IReadOnlyList<(string Name, string Sql)> ReadScripts(Assembly assembly, DatabaseProvider provider)
    {
        var filter = IsScriptFor(provider);
        return assembly.GetManifestResourceNames()
            .Where(filter)
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return (name, reader.ReadToEnd());
            })
            .ToArray();
    }

    private static Func<string, bool> IsScriptFor(DatabaseProvider provider)
    {
        var marker = ".Migrations." + DialectFolder(provider) + ".";
        return name => name.Contains(marker, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal);
    }

    private static UpgradeEngine Build(DatabaseOptions options, Assembly serviceAssembly, IUpgradeLog log) =>
        Configure(options)
            .WithScriptsEmbeddedInAssembly(typeof(MigrationRunner).Assembly, IsScriptFor(options.Provider), new SqlScriptOptions { RunGroupOrder = 0 })
            .WithScriptsEmbeddedInAssembly(serviceAssembly, IsScriptFor(options.Provider), new SqlScriptOptions { RunGroupOrder = 1 })
            .WithTransactionPerScript()
            .WithExecutionTimeout(TimeSpan.FromMinutes(5))
            .LogTo(log)
            .Build();

    private static UpgradeEngineBuilder Configure(DatabaseOptions options) => options.Provider switch
    {
        DatabaseProvider.Postgres => DeployChanges.To.PostgresqlDatabase(options.ConnectionString).JournalToPostgresqlTable("public", JournalTable),
        DatabaseProvider.SqlServer => DeployChanges.To.SqlDatabase(options.ConnectionString).JournalToSqlTable("dbo", JournalTable),
        _ => DeployChanges.To.SqliteDatabase(options.ConnectionString).JournalToSqliteTable(JournalTable),
    };

    private static void EnsureSqliteDirectory(string connectionString)
    {
        var dataSource = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource;
        var directory = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(directory) && dataSource != ":memory:") Directory.CreateDirectory(directory);
    }

    private sealed class LoggerUpgradeLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => logger.LogTrace(format, args);
        public void LogDebug(string format, params object[] args) => logger.LogDebug(format, args);
        public void LogInformation(string format, params object[] args) => logger.LogInformation(format, args);
        public void LogWarning(string format, params object[] args) => logger.LogWarning(format, args);
        public void LogError(string format, params object[] args) => logger.LogError(format, args);
        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, format, args);
    }
}
