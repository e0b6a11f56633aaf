using System.Net.Sockets;
using ChongqingVet.Domain.Errors;
using ChongqingVet.TestKit.Databases;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ChongqingVet.Data.Tests;

/// <summary>Database readiness (journal versus this release's scripts, cached by the injected clock) and the dialects' transient-fault table.</summary>
public class ReliabilityTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Readiness_JournalBehindRelease_UnhealthyOnceTheCacheExpires(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero));
        using var host = BuildHost(database, clock);
        await host.StartAsync(); // migrates
        Assert.Equal(HealthStatus.Healthy, (await ReadinessAsync(host)).Status);

        await using (var connection = await database.Factory.OpenAsync(CancellationToken.None))
            Assert.True(await connection.ExecuteAsync("DELETE FROM schema_versions") > 0);

        // Within the cache window the last answer stands: probes do not reach the database.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HealthStatus.Healthy, (await ReadinessAsync(host)).Status);

        clock.Advance(TimeSpan.FromSeconds(2));
        var report = await ReadinessAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains("0001_idempotency_keys.sql", report.Entries["database"].Description, StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Fact]
    public async Task Readiness_DatabaseUnreachable_UnhealthyWithoutConnectionDetails()
    {
        var port = ClosedPort();
        var options = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Database"] = $"Host=127.0.0.1;Port={port};Username=postgres;Password=s3cret-value;Timeout=2",
            ["Database:MigrateOnStartup"] = "false",
        };
        using var host = BuildHost(options, new FakeTimeProvider());
        await host.StartAsync();

        var report = await ReadinessAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.DoesNotContain("s3cret-value", report.Entries["database"].Description ?? "", StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Fact]
    public async Task Classify_SqliteWriteLockHeld_UnavailableAfterTheConfiguredBusyTimeout()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        MigrationRunner.Run(database.Options, typeof(ReliabilityTests).Assembly, NullLogger.Instance);
        await using (await database.Factory.OpenAsync(CancellationToken.None)) { } // the file is in WAL mode from now on
        await using var holder = new SqliteConnection(database.ConnectionString);
        await holder.OpenAsync();
        await holder.ExecuteAsync("BEGIN IMMEDIATE");

        var impatient = new DbConnectionFactory(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = database.ConnectionString + ";Default Timeout=1" });
        await using var writer = await impatient.OpenAsync(CancellationToken.None);
        Assert.Equal(1000L, await writer.ExecuteScalarAsync<long>("PRAGMA busy_timeout"));
        var error = await Assert.ThrowsAsync<SqliteException>(async () => await writer.BeginTransactionAsync());

        Assert.Equal(5, error.SqliteErrorCode); // SQLITE_BUSY
        Assert.Equal(TransientFault.Unavailable, impatient.Dialect.Classify(error));
        Assert.Equal(TransientFault.Unavailable, impatient.Dialect.Classify(new InvalidOperationException("wrapped", error)));
    }

    [Fact]
    public async Task Classify_PostgresSerializationFailureAndDeadlock_Conflict()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await using (var setup = await database.Factory.OpenAsync(CancellationToken.None))
            await setup.ExecuteAsync("CREATE TABLE counters (id INT PRIMARY KEY, n INT NOT NULL); INSERT INTO counters VALUES (1, 0), (2, 0)");

        await using var first = await database.Factory.OpenAsync(CancellationToken.None);
        await using var second = await database.Factory.OpenAsync(CancellationToken.None);

        // Serialization failure: a REPEATABLE READ transaction updates a row another session changed after its snapshot.
        await using (var transaction = await first.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead))
        {
            await first.ExecuteScalarAsync<int>("SELECT n FROM counters WHERE id = 1", transaction: transaction);
            await second.ExecuteAsync("UPDATE counters SET n = n + 1 WHERE id = 1");
            var error = await Assert.ThrowsAsync<PostgresException>(() => first.ExecuteAsync("UPDATE counters SET n = n + 1 WHERE id = 1", transaction: transaction));
            Assert.Equal(PostgresErrorCodes.SerializationFailure, error.SqlState);
            Assert.Equal(TransientFault.Conflict, database.Factory.Dialect.Classify(error));
        }

        // Deadlock: each session holds one row and asks for the other's.
        await using var a = await first.BeginTransactionAsync();
        await using var b = await second.BeginTransactionAsync();
        await first.ExecuteAsync("UPDATE counters SET n = n + 1 WHERE id = 1", transaction: a);
        await second.ExecuteAsync("UPDATE counters SET n = n + 1 WHERE id = 2", transaction: b);
        var waiting = first.ExecuteAsync("UPDATE counters SET n = n + 1 WHERE id = 2", transaction: a);
        var crossing = second.ExecuteAsync("UPDATE counters SET n = n + 1 WHERE id = 1", transaction: b);
        var failures = (await Task.WhenAll(Outcome(waiting), Outcome(crossing))).OfType<PostgresException>().ToList();
        var victim = Assert.Single(failures);
        Assert.Equal(PostgresErrorCodes.DeadlockDetected, victim.SqlState);
        Assert.Equal(TransientFault.Conflict, database.Factory.Dialect.Classify(victim));
    }

    [Fact]
    public async Task Classify_PostgresRefusedConnection_Unavailable()
    {
        var factory = new DbConnectionFactory(new DatabaseOptions
        {
            Provider = DatabaseProvider.Postgres,
            ConnectionString = $"Host=127.0.0.1;Port={ClosedPort()};Username=postgres;Timeout=2",
        });
        await using (factory)
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(async () => await factory.OpenAsync(CancellationToken.None));
            Assert.Equal(TransientFault.Unavailable, factory.Dialect.Classify(error));
        }
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Classify_UniqueViolationAndSyntaxError_NotTransient(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync("CREATE TABLE names (id VARCHAR(10) PRIMARY KEY)");
        await connection.ExecuteAsync("INSERT INTO names (id) VALUES ('a')");

        var duplicate = await Assert.ThrowsAnyAsync<Exception>(() => connection.ExecuteAsync("INSERT INTO names (id) VALUES ('a')"));
        var syntax = await Assert.ThrowsAnyAsync<Exception>(() => connection.ExecuteAsync("SELEC 1"));

        Assert.Equal(TransientFault.None, database.Factory.Dialect.Classify(duplicate));
        Assert.Equal(TransientFault.None, database.Factory.Dialect.Classify(syntax));
        Assert.Equal(TransientFault.Unavailable, database.Factory.Dialect.Classify(new IOException("read", new SocketException((int)SocketError.ConnectionReset))));
    }

    [Theory]
    [InlineData(new[] { 1205 }, TransientFault.Conflict)]
    [InlineData(new[] { -2 }, TransientFault.Unavailable)]
    [InlineData(new[] { 40613 }, TransientFault.Unavailable)]
    [InlineData(new[] { 40197 }, TransientFault.Unavailable)]
    [InlineData(new[] { 40501 }, TransientFault.Unavailable)]
    [InlineData(new[] { 40501, 1205 }, TransientFault.Conflict)]
    [InlineData(new[] { 2627 }, TransientFault.None)]
    [InlineData(new[] { 547 }, TransientFault.None)]
    public void SqlServerFault_ErrorNumbers_MapAsDocumented(int[] numbers, TransientFault expected) =>
        Assert.Equal(expected, SqlDialect.SqlServerFault(numbers));

    private static async Task<Exception?> Outcome(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static IHost BuildHost(TestDatabase database, TimeProvider clock) => BuildHost(database.ToConfiguration(), clock);

    private static IHost BuildHost(Dictionary<string, string?> settings, TimeProvider clock)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration[DevelopmentKeys.AllowSetting] = "true";
        builder.Services.AddLogging();
        builder.Services.AddSingleton(clock);
        builder.AddDatabase(typeof(ReliabilityTests).Assembly);
        return builder.Build();
    }

    private static Task<HealthReport> ReadinessAsync(IHost host) =>
        host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(check => check.Tags.Contains(DatabaseHosting.ReadinessTag));
}
