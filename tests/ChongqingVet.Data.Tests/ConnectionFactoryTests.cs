using System.Data.Common;
using ChongqingVet.TestKit.Databases;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChongqingVet.Data.Tests;

public class ConnectionFactoryTests
{
    private const string CreateTablesSql = """
        CREATE TABLE owners (
            id      VARCHAR(36)  NOT NULL PRIMARY KEY,
            name    VARCHAR(100) NOT NULL UNIQUE,
            active  SMALLINT     NOT NULL
        );
        CREATE TABLE pets (
            id       VARCHAR(36) NOT NULL PRIMARY KEY,
            owner_id VARCHAR(36) NOT NULL REFERENCES owners (id)
        )
        """;

    private const string InsertOwnerSql = "INSERT INTO owners (id, name, active) VALUES (@Id, @Name, @Active)";

    private static async Task<TestDatabase> WithTablesAsync(DatabaseProvider provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        MigrationRunner.Run(database.Options, typeof(ConnectionFactoryTests).Assembly, NullLogger.Instance);
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(CreateTablesSql);
        return database;
    }

    [Fact]
    public async Task BeginTransaction_Sqlite_TakesTheWriterLockImmediately()
    {
        await using var database = await WithTablesAsync(DatabaseProvider.Sqlite);
        await using var holder = await database.Factory.OpenAsync(CancellationToken.None);
        await using var transaction = await holder.BeginTransactionAsync();

        // The holder has not written anything yet; a second writer must still be locked out.
        await using var other = (SqliteConnection)await database.Factory.OpenAsync(CancellationToken.None);
        await other.ExecuteAsync("PRAGMA busy_timeout=0");
        await using var begin = other.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        begin.CommandTimeout = 1;
        var error = await Assert.ThrowsAsync<SqliteException>(() => begin.ExecuteNonQueryAsync());
        Assert.Equal(5, error.SqliteErrorCode); // SQLITE_BUSY
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExecuteAsync_FiftyConcurrentReadThenWriteTransactions_AllCommit(DatabaseProvider provider)
    {
        await using var database = await WithTablesAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        using var start = new ManualResetEventSlim();

        // Each write reads first, then inserts: a deferred SQLite transaction would fail to upgrade its read lock.
        var writers = Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return await store.ExecuteAsync("CreateOwner", Guid.NewGuid().ToString(), new StringValue { Value = "owner-" + i }, async (connection, transaction) =>
            {
                var before = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM owners", transaction: transaction));
                await connection.ExecuteAsync(new CommandDefinition(InsertOwnerSql, new { Id = Guid.NewGuid().ToString(), Name = "owner-" + i, Active = 1 }, transaction));
                return new Int64Value { Value = before };
            }, CancellationToken.None);
        })).ToArray();
        start.Set();
        await Task.WhenAll(writers);

        await using var check = await database.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(50L, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM owners"));
        Assert.Equal(50L, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM idempotency_keys"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task IsUniqueViolation_DuplicateKeyVersusForeignKey_TellsThemApart(DatabaseProvider provider)
    {
        await using var database = await WithTablesAsync(provider);
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(InsertOwnerSql, new { Id = "o1", Name = "Li", Active = 1 });

        var duplicateName = await Assert.ThrowsAnyAsync<DbException>(() => connection.ExecuteAsync(InsertOwnerSql, new { Id = "o2", Name = "Li", Active = 1 }));
        var duplicateKey = await Assert.ThrowsAnyAsync<DbException>(() => connection.ExecuteAsync(InsertOwnerSql, new { Id = "o1", Name = "Wang", Active = 1 }));
        var missingOwner = await Assert.ThrowsAnyAsync<DbException>(() =>
            connection.ExecuteAsync("INSERT INTO pets (id, owner_id) VALUES (@Id, @OwnerId)", new { Id = "p1", OwnerId = "nobody" }));

        Assert.True(database.Factory.Dialect.IsUniqueViolation(duplicateName));
        Assert.True(database.Factory.Dialect.IsUniqueViolation(duplicateKey));
        Assert.False(database.Factory.Dialect.IsUniqueViolation(missingOwner)); // and foreign keys are enforced
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Query_SmallintFlags_ReadAsBoolOrInt(DatabaseProvider provider)
    {
        await using var database = await WithTablesAsync(provider);
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(InsertOwnerSql, new { Id = "o1", Name = "on", Active = 1 });
        await connection.ExecuteAsync(InsertOwnerSql, new { Id = "o2", Name = "off", Active = 0 });

        var asBool = (await connection.QueryAsync<FlagRow>("SELECT name AS Name, active AS Active FROM owners ORDER BY name")).ToArray();
        var asInt = (await connection.QueryAsync<int>("SELECT active FROM owners ORDER BY name")).ToArray();
        var filtered = await connection.QueryAsync<string>("SELECT name FROM owners WHERE active = @Active", new { Active = 1 });

        Assert.Equal([new FlagRow { Name = "off", Active = false }, new FlagRow { Name = "on", Active = true }], asBool);
        Assert.Equal([0, 1], asInt);
        Assert.Equal(["on"], filtered);
    }

    [Fact]
    public async Task SqlDialect_For_ReturnsTheProvidersDialect()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        Assert.Same(SqlDialect.Sqlite, database.Factory.Dialect);
        Assert.Same(SqlDialect.Postgres, SqlDialect.For(DatabaseProvider.Postgres));
        Assert.Same(SqlDialect.SqlServer, SqlDialect.For(DatabaseProvider.SqlServer));
        Assert.Equal(" OFFSET 0 ROWS FETCH NEXT @Take ROWS ONLY", SqlDialect.SqlServer.Limit("@Take"));
        TSqlAssert.Parses("SELECT name FROM owners ORDER BY name" + SqlDialect.SqlServer.Limit(), "paged query");
    }

    private sealed record FlagRow
    {
        public string Name { get; init; } = "";
        public bool Active { get; init; }
    }
}
