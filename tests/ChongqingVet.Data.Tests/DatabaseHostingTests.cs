using System.Reflection;
using System.Text;
using ChongqingVet.TestKit.Databases;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChongqingVet.Data.Tests;

public class DatabaseHostingTests
{
    private const string NotesScript = "CREATE TABLE notes (id VARCHAR(36) NOT NULL PRIMARY KEY, text VARCHAR(200) NOT NULL)";

    /// <summary>A service assembly with one migration per dialect, for the start-up tests.</summary>
    private static readonly ScriptAssembly Service = new(new Dictionary<string, string>
    {
        ["Fake.Service.Migrations.sqlite.0001_notes.sql"] = NotesScript,
        ["Fake.Service.Migrations.postgres.0001_notes.sql"] = NotesScript,
        ["Fake.Service.Migrations.sqlserver.0001_notes.sql"] = NotesScript,
    });

    [Fact]
    public void ReadOptions_MissingConnectionString_NamesTheKey()
    {
        var error = Assert.Throws<InvalidOperationException>(() => DatabaseHosting.ReadOptions(Configuration(new() { ["Database:Provider"] = "Postgres" })));
        Assert.Contains("ConnectionStrings:Database", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Database:Provider", "Oracle")]
    [InlineData("Database:Provider", "1")]
    [InlineData("Database:MigrateOnStartup", "yes")]
    [InlineData("Database:SqliteCheckpointInterval", "soon")]
    [InlineData("Database:SqliteCheckpointInterval", "-00:00:01")]
    [InlineData("Database:SqliteWalLimitPages", "0")]
    [InlineData("Database:SqliteCachedConnections", "-1")]
    [InlineData("Database:SqliteCachedConnections", "many")]
    [InlineData("Database:SqliteCachedStatements", "0")]
    [InlineData("Database:PostgresMaxPoolSize", "0")]
    [InlineData("Database:PostgresMaxAutoPrepare", "-1")]
    public void ReadOptions_BadValue_NamesTheKeyNotTheConnectionString(string key, string value)
    {
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Database"] = "Host=db;Password=hunter2", [key] = value };
        var error = Assert.Throws<InvalidOperationException>(() => DatabaseHosting.ReadOptions(Configuration(settings)));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadOptions_OnlyConnectionString_DefaultsToSqliteWithoutMigrations()
    {
        var options = DatabaseHosting.ReadOptions(Configuration(new() { ["ConnectionStrings:Database"] = "Data Source=data/x.db" }));
        Assert.Equal(DatabaseProvider.Sqlite, options.Provider);
        Assert.False(options.MigrateOnStartup);
        Assert.Equal("Data Source=data/x.db", options.ConnectionString);

        var postgres = DatabaseHosting.ReadOptions(Configuration(new()
        {
            ["ConnectionStrings:Database"] = "Host=db", ["Database:Provider"] = "postgres", ["Database:MigrateOnStartup"] = "True",
        }));
        Assert.Equal(DatabaseProvider.Postgres, postgres.Provider);
        Assert.True(postgres.MigrateOnStartup);
        Assert.Equal(16, postgres.PostgresMaxPoolSize);
        Assert.Equal(64, postgres.PostgresMaxAutoPrepare);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task StartAsync_MigrateAndSampleData_MigratesSeedsOnceAndIsReady(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var settings = database.ToConfiguration();
        settings["SampleData:Enabled"] = "true";
        settings[DevelopmentKeys.AllowSetting] = "true";

        for (var run = 1; run <= 2; run++)
        {
            using var host = BuildHost(settings, "Testing");
            await host.StartAsync();
            Assert.Equal(HealthStatus.Healthy, (await ReadinessAsync(host)).Status);
            await host.StopAsync();
            Assert.Equal(1, host.Services.GetRequiredService<NoteSeeder>().Runs);
        }

        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM notes"));
        Assert.Equal(DataScriptCount(provider) + 1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_versions"));
    }

    [Fact]
    public async Task Readiness_NoSchemaYet_IsUnhealthyWithoutConnectionDetails()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        settings["Database:MigrateOnStartup"] = "false";
        settings[DevelopmentKeys.AllowSetting] = "true";
        using var host = BuildHost(settings, "Testing");
        await host.StartAsync();

        var report = await ReadinessAsync(host);
        await host.StopAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.DoesNotContain(database.ConnectionString, report.Entries["database"].Description ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ProductionWithoutSigningKey_FailsFast()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        settings["Idempotency:HashKey"] = Convert.ToBase64String(new byte[32]);
        using var host = BuildHost(settings, Environments.Production);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("PageTokens:SigningKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ProductionWithoutIdempotencyHashKey_FailsFast()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        settings["PageTokens:SigningKey"] = Convert.ToBase64String(new byte[32]);
        using var host = BuildHost(settings, Environments.Production);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("Idempotency:HashKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("Production", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ProductionWithBothKeys_StartsWithTheCleanupAndDefaults()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        settings["PageTokens:SigningKey"] = Convert.ToBase64String(new byte[32]);
        settings["Idempotency:HashKey"] = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        using var host = BuildHost(settings, Environments.Production);

        await host.StartAsync();
        Assert.Single(host.Services.GetServices<IHostedService>().OfType<IdempotencyCleanupService>());
        var options = host.Services.GetRequiredService<IdempotencyOptions>();
        await host.StopAsync();

        Assert.Equal(TimeSpan.FromDays(7), options.Retention);
        Assert.Equal(TimeSpan.FromHours(1), options.CleanupInterval);
    }

    [Theory]
    [InlineData("Idempotency:HashKey", "not base64!")]
    [InlineData("Idempotency:HashKey", "c2hvcnQ=")] // "short": fewer than 32 bytes
    [InlineData("Idempotency:Retention", "forever")]
    [InlineData("Idempotency:Retention", "-1.00:00:00")]
    [InlineData("Idempotency:CleanupInterval", "-00:30:00")]
    public void IdempotencyOptions_BadValue_NamesTheKeyWithoutEchoingIt(string key, string value)
    {
        var configuration = Configuration(new() { [key] = value });
        var error = Assert.Throws<InvalidOperationException>(() =>
            IdempotencyOptions.FromConfiguration(configuration, new FakeEnvironment(Environments.Development), NullLogger.Instance));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IdempotencyOptions_Configured_ReadsRetentionAndInterval_DevelopmentWithoutKeyGetsTheFixedOne()
    {
        var configured = IdempotencyOptions.FromConfiguration(Configuration(new()
        {
            ["Idempotency:HashKey"] = Convert.ToBase64String(new byte[40]),
            ["Idempotency:Retention"] = "2.00:00:00",
            ["Idempotency:CleanupInterval"] = "00:15:00",
        }), new FakeEnvironment(Environments.Production), NullLogger.Instance);
        Assert.Equal(TimeSpan.FromDays(2), configured.Retention);
        Assert.Equal(TimeSpan.FromMinutes(15), configured.CleanupInterval);

        var development = IdempotencyOptions.FromConfiguration(Configuration(new() { [DevelopmentKeys.AllowSetting] = "true" }),
            new FakeEnvironment(Environments.Development), NullLogger.Instance);
        Assert.Equal(IdempotencyOptions.DefaultRetention, development.Retention);
        Assert.Equal(IdempotencyOptions.DefaultCleanupInterval, development.CleanupInterval);
    }

    /// <summary>
    /// The development stand-ins are fixed, not random per process: a restarted local service still replays a retried
    /// write (its stored fingerprint matches) and honours the page tokens it handed out before the restart.
    /// </summary>
    [Fact]
    public async Task DevelopmentKeys_ARestartedDevelopmentProcess_ReplaysRetriesAndHonoursItsPageTokens()
    {
        var settings = Configuration(new() { [DevelopmentKeys.AllowSetting] = "true" });
        var development = new FakeEnvironment(Environments.Development);
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        MigrationRunner.Run(database.Options, typeof(DatabaseHostingTests).Assembly, NullLogger.Instance);
        var request = new Google.Protobuf.WellKnownTypes.StringValue { Value = "issue n1" };
        var requestId = Guid.NewGuid().ToString();
        var writes = 0;
        Task<Google.Protobuf.WellKnownTypes.StringValue> Write(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction t)
        {
            writes++;
            return Task.FromResult(new Google.Protobuf.WellKnownTypes.StringValue { Value = "n1" });
        }

        var before = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.FromConfiguration(settings, development, NullLogger.Instance));
        var token = PageTokenCodec.FromConfiguration(settings, development, NullLogger.Instance).Encode(42L, "f");
        await before.ExecuteAsync("Issue", requestId, request, Write, CancellationToken.None);
        var after = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.FromConfiguration(settings, development, NullLogger.Instance));
        var replayed = await after.ExecuteAsync("Issue", requestId, request, Write, CancellationToken.None);

        Assert.Equal(1, writes);
        Assert.Equal("n1", replayed.Value);
        Assert.Equal(42L, PageTokenCodec.FromConfiguration(settings, development, NullLogger.Instance).Decode<long>(token, "f"));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("c2hvcnQ=")] // "short": fewer than 32 bytes
    public void FromConfiguration_BadSigningKey_FailsWithoutEchoingIt(string key)
    {
        var configuration = Configuration(new() { ["PageTokens:SigningKey"] = key });
        var error = Assert.Throws<InvalidOperationException>(() =>
            PageTokenCodec.FromConfiguration(configuration, new FakeEnvironment(Environments.Development), NullLogger.Instance));
        Assert.Contains("PageTokens:SigningKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_SameKey_ReadsTokensOfAnotherReplica()
    {
        var configuration = Configuration(new() { ["PageTokens:SigningKey"] = Convert.ToBase64String(new byte[48]) });
        var first = PageTokenCodec.FromConfiguration(configuration, new FakeEnvironment(Environments.Production), NullLogger.Instance);
        var second = PageTokenCodec.FromConfiguration(configuration, new FakeEnvironment(Environments.Production), NullLogger.Instance);
        Assert.Equal(7L, second.Decode<long>(first.Encode(7L, "f"), "f"));
    }

    // ---- Development keys: one rule (DevelopmentKeys) for every secret key; here through a real host. ----

    [Fact]
    public async Task StartAsync_DevelopmentWithoutOptInAndWithoutKey_FailsNamingTheMissingSettingAndTheOptIn()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        settings["PageTokens:SigningKey"] = Convert.ToBase64String(new byte[32]); // so the one missing key is certain
        using var host = BuildHost(settings, Environments.Development);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Idempotency:HashKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("DevelopmentKeys:Allow", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Testing")]
    public async Task StartAsync_DevelopmentOrTestingWithOptIn_StartsOnDevelopmentKeysAndWarnsNamingEachKey(string environment)
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        settings["DevelopmentKeys:Allow"] = "True";
        var logs = new ChongqingVet.TestKit.Grpc.CapturingLoggerProvider();
        using var host = BuildHost(settings, environment, logs);

        await host.StartAsync();
        var codec = host.Services.GetRequiredService<PageTokenCodec>();
        var token = codec.Encode(42L, "f");
        await host.StopAsync();

        Assert.Equal(42L, codec.Decode<long>(token, "f"));
        var warnings = logs.AllText;
        Assert.Contains("PageTokens:SigningKey is not set", warnings, StringComparison.Ordinal);
        Assert.Contains("Idempotency:HashKey is not set", warnings, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Staging")]
    [InlineData("Production")]
    [InlineData("development-like")] // only the exact names Development and Testing count
    public async Task StartAsync_OtherEnvironmentWithOptInButWithoutKey_IgnoresTheOptInAndFails(string environment)
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        settings["DevelopmentKeys:Allow"] = "true";
        settings["PageTokens:SigningKey"] = Convert.ToBase64String(new byte[32]);
        using var host = BuildHost(settings, environment);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Idempotency:HashKey", error.Message, StringComparison.Ordinal);
        Assert.Contains(environment, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PageTokens:SigningKey", "not base64!")]
    [InlineData("PageTokens:SigningKey", "c2hvcnQ=")] // decodes to 5 bytes
    [InlineData("Idempotency:HashKey", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 31 bytes
    public async Task StartAsync_MalformedKeyEvenWithOptIn_FailsNamingTheKeyWithoutEchoingIt(string key, string value)
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        settings["DevelopmentKeys:Allow"] = "true";
        settings[key] = value;
        using var host = BuildHost(settings, Environments.Development);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    public void DevelopmentKeys_OptInNotABoolean_FailsNamingTheSetting(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => PageTokenCodec.FromConfiguration(
            Configuration(new() { ["DevelopmentKeys:Allow"] = value }), new FakeEnvironment(Environments.Development), NullLogger.Instance));

        Assert.Contains("DevelopmentKeys:Allow", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DevelopmentKeys_OptInFalse_IsNoOptIn()
    {
        var error = Assert.Throws<InvalidOperationException>(() => IdempotencyOptions.FromConfiguration(
            Configuration(new() { ["DevelopmentKeys:Allow"] = "false" }), new FakeEnvironment("Testing"), NullLogger.Instance));

        Assert.Contains("Idempotency:HashKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOrMigrateAsync_MigrateArgument_MigratesAndReturnsWithoutServing()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        settings["Database:MigrateOnStartup"] = "false";
        settings[DevelopmentKeys.AllowSetting] = "true";
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddDatabase(Service);
        await using var app = builder.Build();

        var exitCode = await app.RunOrMigrateAsync(["--migrate"]).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exitCode);
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(DataScriptCount(DatabaseProvider.Sqlite) + 1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_versions"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Run_BrokenScript_NamesTheScriptNotTheConnectionString(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var broken = new ScriptAssembly(new Dictionary<string, string>
        {
            ["Fake.Broken.Migrations.sqlite.0001_broken.sql"] = "CREATE TABLE (",
            ["Fake.Broken.Migrations.postgres.0001_broken.sql"] = "CREATE TABLE (",
        });

        var error = Assert.Throws<InvalidOperationException>(() => MigrationRunner.Run(database.Options, broken, NullLogger.Instance));

        Assert.Contains("0001_broken.sql", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(database.ConnectionString, error.Message, StringComparison.Ordinal);
        // The Data assembly's own script ran in its own transaction and stays.
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM idempotency_keys"));
    }

    [Fact]
    public void ReadScripts_DataAssembly_ListsTheSameScriptsForEachDialect()
    {
        foreach (var provider in Enum.GetValues<DatabaseProvider>())
        {
            var scripts = MigrationRunner.ReadScripts(typeof(MigrationRunner).Assembly, provider);
            var (name, sql) = scripts[0];
            Assert.EndsWith($".Migrations.{MigrationRunner.DialectFolder(provider)}.0001_idempotency_keys.sql", name, StringComparison.Ordinal);
            Assert.Contains("CREATE TABLE idempotency_keys", sql, StringComparison.Ordinal);
            Assert.Contains(scripts, s => s.Name.EndsWith($".{MigrationRunner.DialectFolder(provider)}.0002_idempotency_reservation.sql", StringComparison.Ordinal)
                                          && s.Sql.Contains("ALTER TABLE idempotency_keys ADD", StringComparison.Ordinal));
            Assert.Contains(scripts, s => s.Name.EndsWith($".{MigrationRunner.DialectFolder(provider)}.0003_audit_log.sql", StringComparison.Ordinal)
                                          && s.Sql.Contains("CREATE TABLE audit_log", StringComparison.Ordinal));
        }
    }

    // The shared scripts of ChongqingVet.Data (idempotency keys, audit log …) run before every service's own.
    private static long DataScriptCount(DatabaseProvider provider) => MigrationRunner.ReadScripts(typeof(MigrationRunner).Assembly, provider).Count;

    private static IHost BuildHost(Dictionary<string, string?> settings, string environment, ILoggerProvider? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        if (logs is not null) builder.Services.AddSingleton(logs);
        builder.AddDatabase(Service);
        builder.Services.AddSingleton<NoteSeeder>();
        builder.Services.AddSingleton<ISampleDataSeeder>(services => services.GetRequiredService<NoteSeeder>());
        return builder.Build();
    }

    private static Task<HealthReport> ReadinessAsync(IHost host) =>
        host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(check => check.Tags.Contains("readiness"));

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    /// <summary>Idempotent, as every seeder must be: a second run finds its row and adds nothing.</summary>
    private sealed class NoteSeeder : ISampleDataSeeder
    {
        private const string InsertSql = """
            INSERT INTO notes (id, text)
            SELECT @Id, @Text WHERE NOT EXISTS (SELECT 1 FROM notes WHERE id = @Id)
            """;

        public int Runs { get; private set; }

        public async Task SeedAsync(IDbConnectionFactory database, CancellationToken cancellationToken)
        {
            Runs++;
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(InsertSql, new { Id = "n1", Text = "sample" }, cancellationToken: cancellationToken));
        }
    }

    private sealed class FakeEnvironment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "test";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }

    /// <summary>An assembly whose only content is some embedded SQL scripts (what DbUp reads from a service).</summary>
    private sealed class ScriptAssembly(IReadOnlyDictionary<string, string> scripts) : Assembly
    {
        public override string FullName => "Fake.Scripts, Version=1.0.0.0";

        public override string[] GetManifestResourceNames() => scripts.Keys.ToArray();

        public override Stream? GetManifestResourceStream(string name) =>
            scripts.TryGetValue(name, out var sql) ? new MemoryStream(Encoding.UTF8.GetBytes(sql)) : null;
    }
}
