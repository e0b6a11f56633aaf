using System.Data.Common;
using System.Reflection;
using Dapper;
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

    /// <summary>
    /// Registers the database of a service: options (failing fast on a missing connection string), the connection
    /// factory, page tokens, the idempotency store and its hourly cleanup, a readiness health check, and a start-up step that migrates
    /// (Database:MigrateOnStartup) and seeds sample data (SampleData:Enabled) before the server listens.
    /// </summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder, Assembly migrationsAssembly)
    {
        var options = ReadOptions(builder.Configuration);
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
        builder.Services.AddHostedService<IdempotencyCleanupService>(); // after DatabaseStartup: the schema is migrated first
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["readiness"]);
        return builder;
    }

    /// <summary>With <c>--migrate</c>: runs the migrations once and returns 0 without serving (Kubernetes Job). Otherwise serves.</summary>
    public static async Task<int> RunOrMigrateAsync(this WebApplication app, string[] args)
    {
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
        var migrateText = configuration["Database:MigrateOnStartup"];
        var migrate = false;
        if (!string.IsNullOrWhiteSpace(migrateText) && !bool.TryParse(migrateText, out migrate))
            throw new InvalidOperationException("Database:MigrateOnStartup (environment Database__MigrateOnStartup) must be true or false.");

        var options = new DatabaseOptions
        {
            Provider = provider.Value,
            MigrateOnStartup = migrate,
            // The value is a secret: it appears in no message.
            ConnectionString = configuration.GetConnectionString("Database") ?? string.Empty,
        };
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            throw new InvalidOperationException("ConnectionStrings:Database (environment ConnectionStrings__Database) is required.");
        return options;
    }

    private sealed record MigrationsAssembly(Assembly Assembly);

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
            if (options.MigrateOnStartup) MigrationRunner.Run(options, migrations.Assembly, logger);
            if (!configuration.GetValue<bool>("SampleData:Enabled")) return;
            foreach (var seeder in seeders) await seeder.SeedAsync(database, cancellationToken);
            logger.LogInformation("Sample data is in place ({Count} seeder(s))", seeders.Count());
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class DatabaseHealthCheck(IDbConnectionFactory database) : IHealthCheck
    {
        private const string ProbeSql = "SELECT COUNT(*) FROM schema_versions";

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using DbConnection connection = await database.OpenAsync(cancellationToken);
                var scripts = await connection.ExecuteScalarAsync<long>(new CommandDefinition(ProbeSql, cancellationToken: cancellationToken));
                return scripts > 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The database has no schema yet.");
            }
            catch (Exception exception) when (exception is DbException or InvalidOperationException or TimeoutException)
            {
                // The description goes to probes; keep it free of connection details.
                return HealthCheckResult.Unhealthy("The database cannot be reached or has no schema.");
            }
        }
    }
}
