using Dapper;
using Microsoft.Data.Sqlite;

namespace ChongqingVet.Data.Tests;

/// <summary>
/// The SQLite factory keeps open connections with their compiled statements: a repeated query is compiled once, Dapper's
/// list parameters still bind, and a connection given back inside a transaction is rolled back and not reused.
/// </summary>
public sealed class SqliteStatementCacheTests : IAsyncDisposable
{
    private const string CountQuery = "SELECT count(*) FROM items WHERE id IN @Ids AND label <> @Label";

    private readonly string _directory = Directory.CreateTempSubdirectory("cqv-statements-").FullName;
    private readonly DbConnectionFactory _factory;

    public SqliteStatementCacheTests()
    {
        _factory = Factory(cachedConnections: 16);
        using var connection = _factory.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        connection.Execute("""
            CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
            WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) INSERT INTO items (id, label) SELECT i, 'item ' || i FROM n;
            """);
    }

    private DbConnectionFactory Factory(int cachedConnections) => new(new DatabaseOptions
    {
        Provider = DatabaseProvider.Sqlite,
        ConnectionString = $"Data Source={Path.Combine(_directory, "test.db")}",
        SqliteCachedConnections = cachedConnections,
    });

    /// <summary>
    /// The statements alive on the connection's native handle whose SQL starts with <paramref name="prefix"/> (SQLitePCL
    /// lists only those compiled after <c>enable_sqlite3_next_stmt</c>: the tests call it right after opening).
    /// </summary>
    private static int CompiledStatements(System.Data.Common.DbConnection connection, string prefix)
    {
        var handle = ((SqliteConnection)connection).Handle!;
        var count = 0;
        for (var statement = SQLitePCL.raw.sqlite3_next_stmt(handle, null); statement is not null && !statement.IsInvalid;
             statement = SQLitePCL.raw.sqlite3_next_stmt(handle, statement))
        {
            if (SQLitePCL.raw.sqlite3_sql(statement).utf8_to_string().StartsWith(prefix, StringComparison.Ordinal)) count++;
        }
        return count;
    }

    [Fact]
    public async Task RepeatedQuery_ReusesTheConnectionAndCompilesItsStatementOnce()
    {
        await using var factory = Factory(cachedConnections: 16); // its connections have compiled nothing before the test
        System.Data.Common.DbConnection? first = null;
        for (var i = 0; i < 5; i++)
        {
            await using var connection = await factory.OpenAsync(CancellationToken.None);
            ((SqliteConnection)connection).Handle!.enable_sqlite3_next_stmt(true);
            first ??= connection;
            Assert.Same(first, connection);
            Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM items WHERE id = @Id", new { Id = i + 1 }));
            Assert.Equal(1, CompiledStatements(connection, "SELECT count(*) FROM items WHERE id = "));
        }
    }

    [Fact]
    public async Task WithoutCachedConnections_EveryQueryCompilesAgain()
    {
        await using var factory = Factory(cachedConnections: 0);
        for (var i = 0; i < 3; i++)
        {
            await using var connection = await factory.OpenAsync(CancellationToken.None);
            ((SqliteConnection)connection).Handle!.enable_sqlite3_next_stmt(true);
            Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM items WHERE id = @Id", new { Id = i + 1 }));
            Assert.Equal(0, CompiledStatements(connection, "SELECT count(*) FROM items WHERE id = "));
        }
    }

    [Theory]
    [InlineData(new long[] { 1 }, 1)]
    [InlineData(new long[] { 1, 2, 3 }, 3)]
    [InlineData(new long[] { 1, 2, 3, 4, 5, 400 }, 5)]
    [InlineData(new long[] { 2, 3 }, 2)]
    public async Task ListParameters_BindWhateverTheirLength(long[] ids, long expected)
    {
        // Dapper rewrites the text for each list length and adds the other parameters after the rewrite.
        for (var round = 0; round < 2; round++)
        {
            await using var connection = await _factory.OpenAsync(CancellationToken.None);
            Assert.Equal(expected, await connection.ExecuteScalarAsync<long>(CountQuery, new { Ids = ids, Label = "none" }));
            Assert.Equal(expected, connection.Query<long>("SELECT id FROM items WHERE id IN @Ids AND label <> @Label", new { Ids = ids, Label = "none" }).Count());
        }
    }

    [Fact]
    public async Task ConnectionGivenBackInsideATransaction_IsRolledBackAndNotReused()
    {
        System.Data.Common.DbConnection abandoned;
        await using (var connection = await _factory.OpenAsync(CancellationToken.None))
        {
            abandoned = connection;
            var transaction = await connection.BeginTransactionAsync();
            await connection.ExecuteAsync("INSERT INTO items (id, label) VALUES (1000, 'uncommitted')", transaction: transaction);
        }

        await using var next = await _factory.OpenAsync(CancellationToken.None);
        Assert.NotSame(abandoned, next);
        Assert.Equal(0L, await next.ExecuteScalarAsync<long>("SELECT count(*) FROM items WHERE id = 1000"));
        await next.ExecuteAsync("INSERT INTO items (id, label) VALUES (1000, 'committed')"); // nothing holds the write lock
        Assert.Equal(101L, await next.ExecuteScalarAsync<long>("SELECT count(*) FROM items"));
    }

    [Fact]
    public async Task ConnectionGivenBackWithAReaderOpen_IsNotReused()
    {
        System.Data.Common.DbConnection abandoned;
        System.Data.Common.DbDataReader reader;
        await using (var connection = await _factory.OpenAsync(CancellationToken.None))
        {
            abandoned = connection;
            var command = connection.CreateCommand();
            command.CommandText = "SELECT id FROM items";
            reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
        }

        await using var next = await _factory.OpenAsync(CancellationToken.None);
        Assert.NotSame(abandoned, next);
        await reader.DisposeAsync();
    }

    [Fact]
    public async Task CommandDisposedBeforeItsReader_DoesNotLendTheOpenStatement()
    {
        await using var connection = await _factory.OpenAsync(CancellationToken.None);
        var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM items ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync();
        await command.DisposeAsync();

        // The same text again: a statement of its own, not the one the reader may still hold (that would fail: "reader open").
        Assert.Equal(100, (await connection.QueryAsync<long>("SELECT id FROM items ORDER BY id")).Count());
        Assert.Equal(100, (await connection.QueryAsync<long>("SELECT id FROM items ORDER BY id")).Count());
    }

    [Fact]
    public async Task TransactionsAndCommandsWork_OnACachedConnection()
    {
        for (var round = 0; round < 3; round++)
        {
            await using var connection = await _factory.OpenAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync();
            await connection.ExecuteAsync("UPDATE items SET label = @Label WHERE id = @Id", new { Label = "round " + round, Id = 7 }, transaction);
            await using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = "SELECT label FROM items WHERE id = 7";
                Assert.Equal("round " + round, await command.ExecuteScalarAsync());
            }
            await transaction.CommitAsync();
        }
    }

    [Fact]
    public async Task DisposingTheFactory_ClosesItsConnections()
    {
        await using (var connection = await _factory.OpenAsync(CancellationToken.None))
            await connection.ExecuteAsync("UPDATE items SET label = 'changed' WHERE id = 1");
        Assert.True(File.Exists(Path.Combine(_directory, "test.db-wal")), "a cached connection is open: the log stays");

        await _factory.DisposeAsync();
        ClearNativePool(); // the native connections Microsoft.Data.Sqlite pools behind ours

        Assert.False(File.Exists(Path.Combine(_directory, "test.db-wal")), "the last connection closed: SQLite checkpointed and removed the log");
    }

    private void ClearNativePool() => SqliteConnection.ClearPool(new SqliteConnection($"Data Source={Path.Combine(_directory, "test.db")}"));

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        ClearNativePool();
        Directory.Delete(_directory, recursive: true);
    }
}
