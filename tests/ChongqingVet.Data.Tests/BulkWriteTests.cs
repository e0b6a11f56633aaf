using ChongqingVet.TestKit.Databases;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChongqingVet.Data.Tests;

/// <summary>Batch writes: the idempotency store's bulk save and lookup, and the dialects' multi-row statements.</summary>
public class BulkWriteTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SaveMany_ThenFindMany_AnswersEachKeyAsFindAsyncDoes(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        MigrationRunner.Run(database.Options, typeof(BulkWriteTests).Assembly, NullLogger.Instance);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        // More rows than one SQLite statement holds, so the multi-row insert runs in several statements.
        var requests = Enumerable.Range(0, 300).Select(i => new StringValue { Value = $"item {i}" }).ToList();
        var keys = requests.Select(r => store.CreateKey("Import", Guid.NewGuid().ToString(), r)).ToList();

        await using (var connection = await database.Factory.OpenAsync(CancellationToken.None))
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await store.SaveManyAsync(connection, transaction,
                keys.Select((k, i) => (k, (Google.Protobuf.IMessage)new Int64Value { Value = i })).ToList(), CancellationToken.None);
            await transaction.CommitAsync();
        }

        var unknown = store.CreateKey("Import", Guid.NewGuid().ToString(), new StringValue { Value = "never stored" });
        var reused = store.CreateKey("Import", keys[7].RequestId, new StringValue { Value = "other content" });
        await using (var connection = await database.Factory.OpenAsync(CancellationToken.None))
        {
            var found = await store.FindManyAsync<Int64Value>(connection, null, [.. keys, unknown, reused], CancellationToken.None);
            Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), found.Take(300).Select(f => f.Response!.Value));
            Assert.All(found.Take(300), f => Assert.False(f.UsedForOtherRequest));
            Assert.Equal(new StoredResponse<Int64Value>(null, false), found[300]);
            Assert.True(found[301].UsedForOtherRequest);
            // The one-key lookup agrees.
            Assert.Equal(42L, (await IdempotencyStore.FindAsync<Int64Value>(connection, null, keys[42], CancellationToken.None))!.Value);
            await Assert.ThrowsAsync<ChongqingVet.Domain.Errors.ValidationException>(() => IdempotencyStore.FindAsync<Int64Value>(connection, null, reused, CancellationToken.None));
        }
    }

    [Fact]
    public void BulkStatements_ParseAsTSql_AndPostgresGetsArrays()
    {
        BulkColumn[] columns = [new("a", "text", typeof(string)), new("b", "bigint", typeof(long))];
        TSqlAssert.Parses(SqlBulk.InsertSql(SqlDialect.SqlServer, "t", columns, 3), "multi-row insert (SqlServer)");
        Assert.Equal("INSERT INTO t (a, b) VALUES (@p0, @p1), (@p2, @p3)", SqlBulk.InsertSql(SqlDialect.Sqlite, "t", columns, 2));
        Assert.Equal("INSERT INTO t (a, b) SELECT a, b FROM unnest(@c0::text[], @c1::bigint[]) AS batch (a, b)", SqlBulk.InsertSql(SqlDialect.Postgres, "t", columns, 500));

        const string query = "SELECT a FROM t WHERE b = @B AND t.a IN @List";
        Assert.Equal("SELECT a FROM t WHERE b = @B AND t.a = ANY(@List)", SqlDialect.Postgres.WithInLists(query));
        Assert.Equal(query, SqlDialect.Sqlite.WithInLists(query));
        Assert.Equal(query, SqlDialect.SqlServer.WithInLists(query));
    }
}
