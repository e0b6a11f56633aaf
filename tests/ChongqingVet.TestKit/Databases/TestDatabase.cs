using ChongqingVet.Data;
using Npgsql;

namespace ChongqingVet.TestKit.Databases;

/// <summary>
/// A fresh, empty database for one test or test class: a temporary SQLite file, or a new PostgreSQL database
/// on the server named by CHONGQINGVET_TEST_POSTGRES (tools/test.sh starts one). Without that variable a
/// PostgreSQL test fails; it never skips.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "CHONGQINGVET_TEST_POSTGRES";

    private readonly string? _sqliteDirectory;
    private readonly string? _postgresAdmin;
    private readonly string? _postgresName;

    private readonly DbConnectionFactory _factory;

    private TestDatabase(DatabaseOptions options, string? sqliteDirectory, string? postgresAdmin, string? postgresName)
    {
        Options = options;
        _factory = new DbConnectionFactory(options);
        _sqliteDirectory = sqliteDirectory;
        _postgresAdmin = postgresAdmin;
        _postgresName = postgresName;
    }

    public DatabaseOptions Options { get; }

    public DatabaseProvider Provider => Options.Provider;

    public string ConnectionString => Options.ConnectionString;

    public IDbConnectionFactory Factory => _factory;

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            var directory = Directory.CreateTempSubdirectory("cqv-test-").FullName;
            var options = new DatabaseOptions
            {
                Provider = provider,
                ConnectionString = $"Data Source={Path.Combine(directory, "test.db")};Pooling=False",
                MigrateOnStartup = true,
            };
            return new TestDatabase(options, directory, null, null);
        }
        if (provider != DatabaseProvider.Postgres) throw new NotSupportedException($"{provider} cannot run on this machine; its SQL is checked with the T-SQL parser.");

        var admin = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(admin))
            throw new InvalidOperationException($"{PostgresVariable} is not set: run the tests with 'bash tools/test.sh', which starts PostgreSQL.");
        var name = "cqv_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE " + name, connection); // name is generated above, not input
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        // 60 connections for the tests' own factory, so concurrency tests can hold many at once (ConnectionPool.WarmAsync);
        // the services under test keep their configured bound (Database:PostgresMaxPoolSize).
        return new TestDatabase(new DatabaseOptions { Provider = provider, ConnectionString = builder.ConnectionString, MigrateOnStartup = true, PostgresMaxPoolSize = 60 }, null, admin, name);
    }

    /// <summary>The configuration keys a service reads, for WebApplicationFactory settings.</summary>
    public Dictionary<string, string?> ToConfiguration() => new()
    {
        ["Database:Provider"] = Options.Provider.ToString(),
        ["ConnectionStrings:Database"] = Options.ConnectionString,
        ["Database:MigrateOnStartup"] = "true",
        ["SampleData:Enabled"] = "false",
    };

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        if (_sqliteDirectory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(_sqliteDirectory, recursive: true); } catch (IOException) { }
        }
        if (_postgresAdmin is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_postgresAdmin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand("DROP DATABASE IF EXISTS " + _postgresName + " WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>The providers every database test runs on: <c>[Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]</c>.</summary>
public static class Providers
{
    public static TheoryData<DatabaseProvider> All => new() { DatabaseProvider.Sqlite, DatabaseProvider.Postgres };
}
