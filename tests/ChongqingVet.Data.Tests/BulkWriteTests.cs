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

    /// <summary>
    /// Every value comes back exactly as written, whatever it holds: text that JSON must escape (quotes, backslashes,
    /// control characters), characters outside the Basic Multilingual Plane (rare characters of Chinese names), empty
    /// text and NULL, empty and arbitrary blobs, the extremes of bigint; in more rows than one SQLite statement carries.
    /// </summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task BulkInsert_RoundTripsEveryValueExactly_AndJsonListsFindBlobsAndText(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var blob = provider == DatabaseProvider.Postgres ? "bytea" : "BLOB";
        BulkColumn[] columns =
        [
            new("id", "bigint", typeof(long)), new("label", "text", typeof(string)), new("data", "bytea", typeof(byte[])),
            new("small", "integer", typeof(int)),
        ];
        string?[] texts = ["", "plain", "quote \" and backslash \\ and /", "tab\tnew line\ncarriage\r nul-free \u0001\u001f", "𠀀𪚥 王𣇉", "😀 emoji", null, "重庆工业职业技术学院"];
        byte[]?[] blobs = [[], [0], [0xff, 0x00, 0x7f, 0x80], System.Security.Cryptography.RandomNumberGenerator.GetBytes(48), null];
        const int rows = SqlBulk.SqliteRowsPerStatement * 2 + 7;
        object?[] Row(int r) =>
        [
            r switch { 0 => long.MinValue, 1 => long.MaxValue, _ => (long)r },
            texts[r % texts.Length],
            blobs[r % blobs.Length],
            r % 2 == 0 ? int.MinValue + r : r,
        ];

        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = $"CREATE TABLE bulk_values (id BIGINT NOT NULL PRIMARY KEY, label TEXT NULL, data {blob} NULL, small INTEGER NOT NULL)";
            await create.ExecuteNonQueryAsync();
        }
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await SqlBulk.InsertAsync(connection, transaction, database.Factory.Dialect, "bulk_values", columns, rows, (r, c) => Row(r)[c], CancellationToken.None);
            await transaction.CommitAsync();
        }

        var stored = (await Dapper.SqlMapper.QueryAsync<(long Id, string? Label, byte[]? Data, int Small)>(connection,
            "SELECT id, label, data, small FROM bulk_values ORDER BY id")).ToDictionary(r => r.Id);
        Assert.Equal(rows, stored.Count);
        for (var r = 0; r < rows; r++)
        {
            var expected = Row(r);
            var row = stored[(long)expected[0]!];
            Assert.Equal((string?)expected[1], row.Label);
            Assert.Equal((byte[]?)expected[2], row.Data);
            Assert.Equal((int)expected[3]!, row.Small);
        }

        // The JSON list form of a lookup (SQLite) or the array (PostgreSQL) finds blobs and text by equality.
        var wantedBlobs = new[] { blobs[2]!, blobs[3]!, new byte[] { 1, 2, 3 } };
        var wantedTexts = new[] { texts[4]!, texts[2]!, "absent" };
        var sqlite = provider == DatabaseProvider.Sqlite;
        var byBlob = sqlite
            ? "SELECT DISTINCT data FROM bulk_values WHERE data IN (SELECT unhex(value) FROM json_each(@List))"
            : "SELECT DISTINCT data FROM bulk_values WHERE data = ANY(@List)";
        var byText = sqlite
            ? "SELECT DISTINCT label FROM bulk_values WHERE label IN (SELECT value FROM json_each(@List))"
            : "SELECT DISTINCT label FROM bulk_values WHERE label = ANY(@List)";
        var foundBlobs = await Dapper.SqlMapper.QueryAsync<byte[]>(connection, byBlob, new { List = sqlite ? SqlBulk.JsonList(wantedBlobs) : (object)wantedBlobs });
        var foundTexts = await Dapper.SqlMapper.QueryAsync<string>(connection, byText, new { List = sqlite ? SqlBulk.JsonList(wantedTexts) : (object)wantedTexts });
        Assert.Equal(wantedBlobs.Take(2).Select(Convert.ToHexString).Order(), foundBlobs.Select(Convert.ToHexString).Order());
        Assert.Equal(wantedTexts.Take(2).Order(StringComparer.Ordinal), foundTexts.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void BulkStatements_ParseAsTSql_AndPostgresGetsArrays()
    {
        BulkColumn[] columns = [new("a", "text", typeof(string)), new("b", "bigint", typeof(long))];
        TSqlAssert.Parses(SqlBulk.InsertSql(SqlDialect.SqlServer, "t", columns, 3), "multi-row insert (SqlServer)");
        Assert.Equal("INSERT INTO t (a, b) SELECT value ->> 0, value ->> 1 FROM json_each(@rows)", SqlBulk.InsertSql(SqlDialect.Sqlite, "t", columns, 2));
        Assert.Equal("INSERT INTO t (a, b) SELECT a, b FROM unnest(@c0::text[], @c1::bigint[]) AS batch (a, b)", SqlBulk.InsertSql(SqlDialect.Postgres, "t", columns, 500));

        const string query = "SELECT a FROM t WHERE b = @B AND t.a IN @List";
        Assert.Equal("SELECT a FROM t WHERE b = @B AND t.a = ANY(@List)", SqlDialect.Postgres.WithInLists(query));
        Assert.Equal(query, SqlDialect.Sqlite.WithInLists(query));
        Assert.Equal(query, SqlDialect.SqlServer.WithInLists(query));
    }
}
