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
    /// factory, page tokens, the idempotency store, a readiness health check, and a start-up step that migrates
    /// (Database:MigrateOnStartup) and seeds sample data (SampleData:Enabled) before the server listens.
    /// </summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder, Assembly migrationsAssembly)
    {
        var options = ReadOptions(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IDbConnectionFactory, DbConnectionFactory>();
        builder.Services.AddSingleton(provider => PageTokenCodec.FromConfiguration(
            builder.Configuration, provider.GetRequiredService<IHostEnvironment>(), provider.GetRequiredService<ILoggerFactory>().CreateLogger<PageTokenCodec>()));
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddSingleton(new MigrationsAssembly(migrationsAssembly));
        builder.Services.AddHostedService<DatabaseStartup>();
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

    private static DatabaseOptions ReadOptions(IConfiguration configuration)
    {
        var options = configuration.GetSection("Database").Get<DatabaseOptions>() ?? new DatabaseOptions();
        options.ConnectionString = configuration.GetConnectionString("Database") ?? string.Empty;
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
        ILogger<DatabaseStartup> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
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
