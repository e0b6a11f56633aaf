using System.Reflection;
using ChongqingVet.Domain.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data;

/// <summary>Fills a service's database with sample data. Must be idempotent: a second run adds nothing.</summary>
public interface ISampleDataSeeder
{
    Task SeedAsync(IDbConnectionFactory database, CancellationToken cancellationToken);
}

public static class DatabaseHosting
{
    public const string MigrateCommand = "--migrate";

    /// <summary>The health-check tag readiness probes select (ServiceDefaults' HealthTags.Ready).</summary>
    public const string ReadinessTag = "readiness";

    /// <summary>
    /// Registers the database of a service: options (failing fast on a missing connection string), the connection
    /// factory, page tokens, the idempotency store and its hourly cleanup, a readiness health check, and a start-up step that migrates
    /// (Database:MigrateOnStartup) and seeds sample data (SampleData:Enabled) before the server listens.
    /// </summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder, Assembly migrationsAssembly)
    {
        var options = ReadOptions(builder.Configuration);
        if (options.Provider == DatabaseProvider.Sqlite) SqliteLibrary.Configure();
        builder.Services.AddSingleton(options);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IDbConnectionFactory, DbConnectionFactory>();
        builder.Services.AddSingleton(provider => PageTokenCodec.FromConfiguration(
            provider.GetRequiredService<IConfiguration>(), provider.GetRequiredService<IHostEnvironment>(), provider.GetRequiredService<ILogger<PageTokenCodec>>()));
        builder.Services.AddSingleton(provider => IdempotencyOptions.FromConfiguration(
            provider.GetRequiredService<IConfiguration>(), provider.GetRequiredService<IHostEnvironment>(), provider.GetRequiredService<ILogger<IdempotencyStore>>()));
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddSingleton(new MigrationsAssembly(migrationsAssembly));
        builder.Services.AddHostedService<DatabaseStartup>();
        // The dialect knows which engine errors are transient; the gRPC error interceptor asks it (UNAVAILABLE/ABORTED).
        builder.Services.AddSingleton<ITransientFaultClassifier>(provider => provider.GetRequiredService<IDbConnectionFactory>().Dialect);
        builder.Services.AddSingleton<DatabaseReadiness>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [ReadinessTag]);
        builder.Services.AddHostedService<IdempotencyCleanupService>(); // after DatabaseStartup: the schema is migrated first
        if (options.Provider == DatabaseProvider.Sqlite && options.SqliteCheckpointInterval > TimeSpan.Zero)
            builder.Services.AddHostedService<SqliteCheckpointer>();
        return builder;
    }

    /// <summary>With <c>--migrate</c>: runs the migrations once and returns 0 without serving (Kubernetes Job). Otherwise serves.</summary>
    public static async Task<int> RunOrMigrateAsync(this WebApplication app, string[] args)
    {
        // --verify-audit: verifies the audit chain and exits 0 (intact), 1 (broken) or 2 (unreadable) without serving.
        if (args.Contains(Audit.AuditCommand.VerifyAuditCommand)) return await Audit.AuditCommand.RunAsync(app.Services, Console.Out, CancellationToken.None);
        if (!args.Contains(MigrateCommand))
        {
            await app.RunAsync();
            return 0;
        }
        var options = app.Services.GetRequiredService<DatabaseOptions>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ChongqingVet.Migrations");
        var ran = MigrationRunner.Run(options, app.Services.GetRequiredService<MigrationsAssembly>().Assembly, logger);
        logger.LogInformation("Migrations complete: {Count} script(s) ran", ran.Count);
        return 0;
    }

    /// <summary>Reads and checks the database settings; a missing or bad value stops start-up with the key's name.</summary>
    public static DatabaseOptions ReadOptions(IConfiguration configuration)
    {
        var providerText = configuration["Database:Provider"];
        DatabaseProvider? provider = string.IsNullOrWhiteSpace(providerText)
            ? DatabaseProvider.Sqlite
            : Enum.GetValues<DatabaseProvider>().Cast<DatabaseProvider?>()
                .FirstOrDefault(p => string.Equals(p.ToString(), providerText.Trim(), StringComparison.OrdinalIgnoreCase));
        if (provider is null)
            throw new InvalidOperationException("Database:Provider (environment Database__Provider) must be Sqlite, Postgres or SqlServer.");

        var options = new DatabaseOptions
        {
            Provider = provider.Value,
            MigrateOnStartup = Optional<bool>(configuration, "Database:MigrateOnStartup", bool.TryParse, _ => true, "true or false") ?? false,
            // The value is a secret: it appears in no message.
            ConnectionString = configuration.GetConnectionString("Database") ?? string.Empty,
        };
        options.SqliteCheckpointInterval = Optional<TimeSpan>(configuration, "Database:SqliteCheckpointInterval",
            (string text, out TimeSpan value) => TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out value),
            interval => interval >= TimeSpan.Zero, "a time span such as 00:00:00.2 (zero: off)") ?? options.SqliteCheckpointInterval;
        options.SqliteWalLimitPages = OptionalInt(configuration, "Database:SqliteWalLimitPages", 1, "a whole number of pages, at least 1") ?? options.SqliteWalLimitPages;
        options.SqliteCachedConnections = OptionalInt(configuration, "Database:SqliteCachedConnections", 0, "a whole number, at least 0") ?? options.SqliteCachedConnections;
        options.SqliteCachedStatements = OptionalInt(configuration, "Database:SqliteCachedStatements", 1, "a whole number, at least 1") ?? options.SqliteCachedStatements;
        options.PostgresMaxPoolSize = OptionalInt(configuration, "Database:PostgresMaxPoolSize", 1, "a whole number, at least 1") ?? options.PostgresMaxPoolSize;
        options.PostgresMaxAutoPrepare = OptionalInt(configuration, "Database:PostgresMaxAutoPrepare", 0, "a whole number, at least 0") ?? options.PostgresMaxAutoPrepare;
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            throw new InvalidOperationException("ConnectionStrings:Database (environment ConnectionStrings__Database) is required.");
        return options;
    }

    private delegate bool TryParse<T>(string text, out T value);

    /// <summary>An optional whole number of at least <paramref name="minimum"/> (see <see cref="Optional{T}"/>).</summary>
    private static int? OptionalInt(IConfiguration configuration, string key, int minimum, string expected) =>
        Optional<int>(configuration, key, (string text, out int value) => int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out value),
            value => value >= minimum, expected);

    /// <summary>An optional setting: null when absent; a value that does not parse or is refused stops start-up, naming the key.</summary>
    private static T? Optional<T>(IConfiguration configuration, string key, TryParse<T> parse, Func<T, bool> valid, string expected) where T : struct
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!parse(text.Trim(), out var value) || !valid(value))
            throw new InvalidOperationException($"{key} (environment {key.Replace(":", "__", StringComparison.Ordinal)}) must be {expected}.");
        return value;
    }

    internal sealed record MigrationsAssembly(Assembly Assembly);

    private sealed class DatabaseStartup(
        DatabaseOptions options,
        MigrationsAssembly migrations,
        IDbConnectionFactory database,
        IEnumerable<ISampleDataSeeder> seeders,
        IConfiguration configuration,
        IServiceProvider services,
        ILogger<DatabaseStartup> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            // Built now, not at the first List call, so a missing signing key in Production stops start-up.
            _ = services.GetRequiredService<PageTokenCodec>();
            if (options.Provider == DatabaseProvider.Sqlite && !SqliteLibrary.Configure())
                logger.LogInformation("SQLite had opened a connection in this process before the database was registered: its memory statistics stay on");
            if (options.MigrateOnStartup) MigrationRunner.Run(options, migrations.Assembly, logger);
            if (!configuration.GetValue<bool>("SampleData:Enabled")) return;
            foreach (var seeder in seeders) await seeder.SeedAsync(database, cancellationToken);
            logger.LogInformation("Sample data is in place ({Count} seeder(s))", seeders.Count());
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class DatabaseHealthCheck(DatabaseReadiness readiness) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            readiness.CheckAsync(cancellationToken);
    }

    /// <summary>
    /// Ready means the database answers and its DbUp journal lists every script embedded in this release (the Data
    /// assembly's and the service's): a pod of a new release must not take traffic before its migration Job ran. The
    /// result is kept for <see cref="CacheFor"/> (by the injected clock) and concurrent probes share one check, so
    /// probes from every replica cost the database one journal read per replica every few seconds.
    /// </summary>
    internal sealed class DatabaseReadiness(DatabaseOptions options, MigrationsAssembly migrations, TimeProvider time)
    {
        public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(3);

        private readonly SemaphoreSlim _gate = new(1, 1);
        private volatile Snapshot? _last;

        public async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
        {
            if (TryCached(out var cached)) return cached;
            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (TryCached(out cached)) return cached;
                // DbUp reads the journal synchronously; keep it off the request thread.
                var result = await Task.Run(Evaluate, CancellationToken.None);
                _last = new Snapshot(result, time.GetTimestamp());
                return result;
            }
            finally
            {
                _gate.Release();
            }
        }

        private bool TryCached(out HealthCheckResult result)
        {
            var last = _last;
            result = last?.Result ?? default;
            return last is not null && time.GetElapsedTime(last.CheckedAt) < CacheFor;
        }

        private sealed record Snapshot(HealthCheckResult Result, long CheckedAt);

        private HealthCheckResult Evaluate()
        {
            try
            {
                var pending = MigrationRunner.PendingScripts(options, migrations.Assembly);
                if (pending.Count == 0) return HealthCheckResult.Healthy("The schema is current.");
                // Script names are not secret and tell the operator which migration Job has not run.
                return HealthCheckResult.Unhealthy(
                    $"{pending.Count} migration script(s) of this release have not run: {string.Join(", ", pending.Select(ShortName))}.");
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // The description goes to probes; keep it free of connection details.
                return HealthCheckResult.Unhealthy("The database cannot be reached.");
            }
        }

        private static string ShortName(string resourceName)
        {
            var marker = resourceName.LastIndexOf(".Migrations.", StringComparison.Ordinal);
            return marker < 0 ? resourceName : resourceName[(marker + ".Migrations.".Length)..];
        }
    }
}
