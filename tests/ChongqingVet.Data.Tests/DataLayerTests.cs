using ChongqingVet.Data;
using ChongqingVet.Domain.Errors;
using ChongqingVet.TestKit.Databases;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.Data.Tests;

public class DataLayerTests
{
    private const string CreateWidgetsSql = """
        CREATE TABLE widgets (
            id      VARCHAR(36)  NOT NULL PRIMARY KEY,
            name    VARCHAR(100) NOT NULL UNIQUE,
            version BIGINT       NOT NULL
        )
        """;

    private static async Task<TestDatabase> MigratedAsync(DatabaseProvider provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        MigrationRunner.Run(database.Options, typeof(DataLayerTests).Assembly, NullLogger.Instance);
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(CreateWidgetsSql);
        return database;
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Run_SecondTime_RunsNothingAndKeepsJournal(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var first = MigrationRunner.Run(database.Options, typeof(DataLayerTests).Assembly, NullLogger.Instance);
        var second = MigrationRunner.Run(database.Options, typeof(DataLayerTests).Assembly, NullLogger.Instance);

        Assert.Contains(first, name => name.EndsWith("0001_idempotency_keys.sql", StringComparison.Ordinal));
        Assert.Empty(second);
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(first.Count, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_versions"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExecuteAsync_Replay_ReturnsFirstResponseBytesAndWritesOnce(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        var requestId = Guid.NewGuid().ToString();
        var request = new StringValue { Value = "gear" };

        var first = await store.ExecuteAsync("CreateWidget", requestId, request, (c, t) => InsertWidgetAsync(c, t, "gear"), CancellationToken.None);
        var calledAgain = false;
        var second = await store.ExecuteAsync("CreateWidget", requestId, request, (c, t) =>
        {
            calledAgain = true;
            return InsertWidgetAsync(c, t, "gear");
        }, CancellationToken.None);

        Assert.False(calledAgain);
        Assert.Equal(first.ToByteArray(), second.ToByteArray());
        Assert.Equal(1, await CountWidgetsAsync(database));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExecuteAsync_SameRequestIdOtherRequest_IsInvalidArgument(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        var requestId = Guid.NewGuid().ToString();
        await store.ExecuteAsync("CreateWidget", requestId, new StringValue { Value = "a" }, (c, t) => InsertWidgetAsync(c, t, "a"), CancellationToken.None);

        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            store.ExecuteAsync("CreateWidget", requestId, new StringValue { Value = "b" }, (c, t) => InsertWidgetAsync(c, t, "b"), CancellationToken.None));
        Assert.Equal("request_id", Assert.Single(error.Violations).Field);
        Assert.Equal(1, await CountWidgetsAsync(database));
    }

    [Fact]
    public async Task ExecuteAsync_MalformedRequestId_IsInvalidArgument()
    {
        await using var database = await MigratedAsync(DatabaseProvider.Sqlite);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            store.ExecuteAsync("CreateWidget", "not-a-uuid", new StringValue(), (c, t) => InsertWidgetAsync(c, t, "x"), CancellationToken.None));
        Assert.Equal("request_id", Assert.Single(error.Violations).Field);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExecuteAsync_FiftyConcurrentIdenticalRequests_CreateOneRowAndAgree(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        var requestId = Guid.NewGuid().ToString();
        var request = new StringValue { Value = "sprocket" };
        using var start = new ManualResetEventSlim();

        var calls = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await store.ExecuteAsync("CreateWidget", requestId, request, (c, t) => InsertWidgetAsync(c, t, "sprocket"), CancellationToken.None);
        })).ToArray();
        start.Set();
        var responses = await Task.WhenAll(calls);

        Assert.Single(responses.Select(r => r.Value).Distinct());
        Assert.Equal(1, await CountWidgetsAsync(database));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExecuteAsync_WriteThrowsAlreadyExists_PassesItThroughAndStoresNothing(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        await store.ExecuteAsync("CreateWidget", Guid.NewGuid().ToString(), new StringValue { Value = "nut" }, (c, t) => InsertWidgetAsync(c, t, "nut"), CancellationToken.None);

        // Another request (new request_id) for a name that is taken: the write's own error reaches the caller.
        var error = await Assert.ThrowsAsync<AlreadyExistsException>(() => store.ExecuteAsync("CreateWidget", Guid.NewGuid().ToString(),
            new StringValue { Value = "nut" }, (c, t) => InsertWidgetOrThrowAsync(c, t, "nut", database.Factory.Dialect), CancellationToken.None));
        Assert.Equal("WIDGET_ALREADY_EXISTS", error.Reason);
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM idempotency_keys"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExecuteAsync_EmptyRequestId_RunsInOneTransactionWithoutStoring(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());

        await store.ExecuteAsync("CreateWidget", "", new StringValue { Value = "a" }, (c, t) => InsertWidgetAsync(c, t, "a"), CancellationToken.None);
        await store.ExecuteAsync("CreateWidget", "", new StringValue { Value = "a2" }, (c, t) => InsertWidgetAsync(c, t, "a2"), CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.ExecuteAsync<StringValue>("CreateWidget", "", new StringValue(), async (c, t) =>
        {
            await InsertWidgetAsync(c, t, "half-done");
            throw new InvalidOperationException("second statement failed");
        }, CancellationToken.None));

        Assert.Equal(2, await CountWidgetsAsync(database)); // the failed write left nothing behind
        Assert.Equal(0, await CountAsync(database, "SELECT COUNT(*) FROM idempotency_keys"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExecuteAsync_SameRequestIdOtherOperation_IsIndependent(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        var requestId = Guid.NewGuid().ToString();

        var created = await store.ExecuteAsync("CreateWidget", requestId, new StringValue { Value = "x" }, (c, t) => InsertWidgetAsync(c, t, "x"), CancellationToken.None);
        var other = await store.ExecuteAsync("CreateGadget", requestId, new StringValue { Value = "x" }, (c, t) => InsertWidgetAsync(c, t, "x-gadget"), CancellationToken.None);

        Assert.NotEqual(created.Value, other.Value);
        Assert.Equal(2, await CountWidgetsAsync(database));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task DeleteOlderThanAsync_OldAndNewKeys_DeletesOnlyOldOnes(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new IdempotencyStore(database.Factory, clock, IdempotencyOptions.WithRandomKey());
        var oldId = Guid.NewGuid().ToString();
        await store.ExecuteAsync("CreateWidget", oldId, new StringValue { Value = "old" }, (c, t) => InsertWidgetAsync(c, t, "old"), CancellationToken.None);
        clock.Advance(TimeSpan.FromDays(40));
        await store.ExecuteAsync("CreateWidget", Guid.NewGuid().ToString(), new StringValue { Value = "new" }, (c, t) => InsertWidgetAsync(c, t, "new"), CancellationToken.None);

        Assert.Equal(1, await store.DeleteOlderThanAsync(TimeSpan.FromDays(30), CancellationToken.None));
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM idempotency_keys"));
        // After retention the request_id is forgotten: a retry would write again (clients retry within minutes, not weeks).
        var retried = await store.ExecuteAsync("CreateWidget", oldId, new StringValue { Value = "old" }, (c, t) => InsertWidgetAsync(c, t, "old-again"), CancellationToken.None);
        Assert.NotEmpty(retried.Value);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task VersionedUpdate_StaleEtag_IsConcurrencyConflict(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        var id = (await store.ExecuteAsync("CreateWidget", null, new StringValue(), (c, t) => InsertWidgetAsync(c, t, "bolt"), CancellationToken.None)).Value;
        var etag = Etags.From(1);

        await RenameAsync(database, id, "bolt-2", Etags.Parse(etag));
        var error = await Assert.ThrowsAsync<ConcurrencyConflictException>(() => RenameAsync(database, id, "bolt-3", Etags.Parse(etag)));
        Assert.Equal("ETAG_MISMATCH", error.Reason);
        await Assert.ThrowsAsync<NotFoundException>(() => RenameAsync(database, "missing", "x", 1));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Limit_DialectClause_ReturnsFirstRows(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        foreach (var name in new[] { "c", "a", "b" })
            await connection.ExecuteAsync("INSERT INTO widgets (id, name, version) VALUES (@Id, @Name, 1)", new { Id = Guid.NewGuid().ToString(), Name = name });

        var names = await connection.QueryAsync<string>("SELECT name FROM widgets ORDER BY name" + database.Factory.Dialect.Limit(), new { Limit = 2 });
        Assert.Equal(["a", "b"], names);
    }

    [Fact]
    public async Task OpenAsync_Sqlite_SetsDurabilityPragmas()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys"));
        Assert.Equal(2L, await connection.ExecuteScalarAsync<long>("PRAGMA synchronous"));
        Assert.Equal(30000L, await connection.ExecuteScalarAsync<long>("PRAGMA busy_timeout"));
    }

    [Fact]
    public async Task OpenAsync_PooledSqlite_EveryNativeConnectionHasThePragmas_AlsoWhenReusedFromThePool()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cqv-pool-{Guid.NewGuid():N}.db");
        try
        {
            using var factory = new DbConnectionFactory(new DatabaseOptions { ConnectionString = $"Data Source={path};Pooling=True;Default Timeout=7" });
            for (var round = 0; round < 3; round++)
            {
                // Two at once need two native connections; the later rounds take them back from the pool.
                await using var first = await factory.OpenAsync(CancellationToken.None);
                await using var second = await factory.OpenAsync(CancellationToken.None);
                foreach (var connection in new[] { first, second })
                {
                    Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
                    Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys"));
                    Assert.Equal(2L, await connection.ExecuteScalarAsync<long>("PRAGMA synchronous"));
                    Assert.Equal(7000L, await connection.ExecuteScalarAsync<long>("PRAGMA busy_timeout"));
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*")) File.Delete(file);
        }
    }

    [Fact]
    public void Migrations_SqlServerScriptsParseAndDialectsAreInStep()
    {
        Assert.True(TSqlAssert.MigrationsParse(typeof(MigrationRunner).Assembly) > 0);
        MigrationsAssert.DialectsInStep(typeof(MigrationRunner).Assembly);
        foreach (var (name, sql) in TSqlAssert.QueryConstants(typeof(MigrationRunner).Assembly)) TSqlAssert.Parses(sql, name);
    }

    [Fact]
    public void Parses_BrokenTSql_Fails()
    {
        Assert.ThrowsAny<Exception>(() => TSqlAssert.Parses("CREATE TABLE x (id INT PRIMARY KEY, name TEXT LIMIT 5", "broken"));
    }

    private static async Task<StringValue> InsertWidgetAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string name)
    {
        var id = Guid.NewGuid().ToString();
        await connection.ExecuteAsync(new CommandDefinition("INSERT INTO widgets (id, name, version) VALUES (@Id, @Name, 1)", new { Id = id, Name = name }, transaction));
        return new StringValue { Value = id };
    }

    private static async Task<StringValue> InsertWidgetOrThrowAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string name, SqlDialect dialect)
    {
        try
        {
            return await InsertWidgetAsync(connection, transaction, name);
        }
        catch (Exception exception) when (dialect.IsUniqueViolation(exception))
        {
            throw new AlreadyExistsException("Widget", name);
        }
    }

    private static async Task<long> CountAsync(TestDatabase database, string sql)
    {
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    private static async Task RenameAsync(TestDatabase database, string id, string name, long version)
    {
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        var rows = await connection.ExecuteAsync("UPDATE widgets SET name = @Name, version = version + 1 WHERE id = @Id AND version = @Version", new { Id = id, Name = name, Version = version });
        var exists = rows > 0 || await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM widgets WHERE id = @Id", new { Id = id }) > 0;
        Etags.EnsureUpdated(rows, exists, "Widget", id);
    }

    private static async Task<long> CountWidgetsAsync(TestDatabase database)
    {
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM widgets");
    }
}
