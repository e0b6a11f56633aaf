using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.Data.Tests;

/// <summary>
/// The background checkpointer on a real SQLite file: its tick copies the write-ahead log into the database file, and a
/// commit copies it itself only past the log's limit. The database file's size shows where the rows are.
/// </summary>
public sealed class SqliteCheckpointerTests : IDisposable
{
    private const int Rows = 256; // of 4,000 bytes each: a page apiece, 256 pages in all
    private const long RowBytes = Rows * 4000L;

    private readonly string _directory = Directory.CreateTempSubdirectory("cqv-checkpoint-").FullName;

    private readonly FakeTimeProvider _clock = new();

    private string DatabaseFile => Path.Combine(_directory, "test.db");

    /// <summary>A started checkpointer on the test file (every second of <see cref="_clock"/>, the default log limit) and its factory.</summary>
    private async Task<(DbConnectionFactory Factory, SqliteCheckpointer Checkpointer)> StartCheckpointerAsync(Action<long, long> checkpointed)
    {
        var options = Options(TimeSpan.FromSeconds(1), walLimitPages: 10_000);
        var factory = new DbConnectionFactory(options);
        var checkpointer = new SqliteCheckpointer(factory, options, _clock, NullLogger<SqliteCheckpointer>.Instance);
        checkpointer.Checkpointed += checkpointed;
        await checkpointer.StartAsync(CancellationToken.None);
        return (factory, checkpointer);
    }

    private DatabaseOptions Options(TimeSpan interval, int walLimitPages) => new()
    {
        Provider = DatabaseProvider.Sqlite,
        ConnectionString = $"Data Source={DatabaseFile}",
        SqliteCheckpointInterval = interval,
        SqliteWalLimitPages = walLimitPages,
        SqliteCachedConnections = 0, // connections go back to Microsoft.Data.Sqlite's pool, which a pool clear closes
    };

    /// <summary>
    /// A connection kept open for the whole test: SQLite checkpoints and removes the log when a database's last connection
    /// closes, which another test's <c>SqliteConnection.ClearAllPools()</c> could cause at any moment. Open alone is not
    /// enough: a connection holds the shared lock that tells a closing one it is not the last only once it has read the
    /// database in WAL mode (it then keeps it between reads), so this one reads once.
    /// </summary>
    private static async Task<System.Data.Common.DbConnection> HoldOpenAsync(IDbConnectionFactory factory)
    {
        var connection = await factory.OpenAsync(CancellationToken.None);
        await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM sqlite_schema");
        return connection;
    }

    private static async Task WriteRowsAsync(IDbConnectionFactory factory)
    {
        await using var connection = await factory.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("""
            WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @Rows)
            INSERT INTO blobs (data) SELECT randomblob(4000) FROM n
            """, new { Rows }, transaction);
        await transaction.CommitAsync();
    }

    [Fact]
    public async Task Tick_CopiesTheLogIntoTheDatabaseFile()
    {
        var checkpointed = new TaskCompletionSource<(long Log, long Copied)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (factory, checkpointer) = await StartCheckpointerAsync((log, copied) => checkpointed.TrySetResult((log, copied)));
        await using var ownedFactory = factory;
        using var ownedCheckpointer = checkpointer;
        await using var held = await HoldOpenAsync(factory);

        await WriteRowsAsync(factory);
        // What another test's ClearAllPools may do at any moment, done here every time: the writer's connection closes.
        SqliteConnection.ClearPool(new SqliteConnection($"Data Source={DatabaseFile}"));
        Assert.True(new FileInfo(DatabaseFile).Length < RowBytes, "the committed rows are in the log only: the commit did not checkpoint");
        Assert.True(new FileInfo(DatabaseFile + "-wal").Length > RowBytes);

        _clock.Advance(TimeSpan.FromSeconds(1));
        var (log, copied) = await checkpointed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(log > Rows, $"log frames {log}");
        Assert.Equal(log, copied);
        Assert.True(new FileInfo(DatabaseFile).Length > RowBytes, "after the tick the rows are in the database file");
        await checkpointer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ClockJumpingAYear_BringsOneCheckpoint_NotOnePerIntervalSkipped()
    {
        var checkpoints = 0;
        using var checkpointed = new SemaphoreSlim(0);
        var (factory, checkpointer) = await StartCheckpointerAsync((_, _) => { Interlocked.Increment(ref checkpoints); checkpointed.Release(); });
        await using var ownedFactory = factory;
        using var ownedCheckpointer = checkpointer;

        _clock.Advance(TimeSpan.FromDays(365)); // 31.5 million intervals
        Assert.True(await checkpointed.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, Volatile.Read(ref checkpoints)); // the clock stands still: no further wait can have elapsed

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await checkpointed.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, Volatile.Read(ref checkpoints));
        await checkpointer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Commit_PastTheLogLimit_CheckpointsItself()
    {
        // No checkpointer runs: the limit alone bounds the log.
        await using var factory = new DbConnectionFactory(Options(TimeSpan.FromSeconds(1), walLimitPages: 100));
        await using var held = await HoldOpenAsync(factory);

        await WriteRowsAsync(factory);

        Assert.True(new FileInfo(DatabaseFile).Length > RowBytes, "the commit that took the log past 100 pages copied it into the database file");
    }

    [Theory]
    [InlineData("00:00:01", true)]
    [InlineData("00:00:00", false)]
    public void AddDatabase_Sqlite_RunsTheCheckpointerUnlessTheIntervalIsZero(string interval, bool runs)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Database"] = $"Data Source={DatabaseFile}",
            ["Database:SqliteCheckpointInterval"] = interval,
        });
        builder.AddDatabase(typeof(SqliteCheckpointerTests).Assembly);

        Assert.Equal(runs, builder.Services.Any(service => service.ServiceType == typeof(IHostedService) && service.ImplementationType == typeof(SqliteCheckpointer)));
    }

    public void Dispose()
    {
        SqliteConnection.ClearPool(new SqliteConnection($"Data Source={DatabaseFile}"));
        Directory.Delete(_directory, recursive: true);
    }
}
