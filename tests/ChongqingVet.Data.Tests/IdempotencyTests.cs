using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using ChongqingVet.Domain.Errors;
using ChongqingVet.TestKit.Databases;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.Data.Tests;

/// <summary>Exactly-once writes: reservation first, replay before validation, keyed request hashes, expiry.</summary>
public class IdempotencyTests
{
    private const string CreateAccountsSql = """
        CREATE TABLE accounts (
            id      VARCHAR(36) NOT NULL PRIMARY KEY,
            status  VARCHAR(20) NOT NULL,
            version BIGINT      NOT NULL
        )
        """;

    private const string RevokeSql = "UPDATE accounts SET status = 'REVOKED', version = version + 1 WHERE id = @Id AND version = @Version AND status = 'ACTIVE'";

    private static async Task<TestDatabase> MigratedAsync(DatabaseProvider provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        MigrationRunner.Run(database.Options, typeof(IdempotencyTests).Assembly, NullLogger.Instance);
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(CreateAccountsSql);
        await connection.ExecuteAsync("INSERT INTO accounts (id, status, version) VALUES ('a1', 'ACTIVE', 1)");
        return database;
    }

    /// <summary>
    /// The revocation shape that failed before: a versioned state change with no unique index to collide on. Losers
    /// that ran the write saw the revoked state (ABORTED / FAILED_PRECONDITION) instead of the stored response.
    /// </summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExecuteAsync_SixtyFourConcurrentTwinsOfAStateChange_OneWriteAndSixtyFourIdenticalResponses(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        var requestId = Guid.NewGuid().ToString();
        var request = new StringValue { Value = "revoke a1 at version 1" };
        var writes = 0;
        await ConnectionPool.WarmAsync(database.Factory); // open connections wait in the pool, so the twins really overlap
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var calls = Enumerable.Range(0, 64).Select(async _ =>
        {
            await start.Task;
            var response = await store.ExecuteAsync("RevokeAccount", requestId, request, (connection, transaction) =>
            {
                Interlocked.Increment(ref writes);
                return RevokeAsync(connection, transaction, "a1", 1);
            }, CancellationToken.None);
            return response.ToByteArray();
        }).ToArray();
        start.SetResult(); // all twins leave the gate together
        var responses = await Task.WhenAll(calls);

        Assert.Equal(1, writes);
        Assert.Single(responses.Select(Convert.ToBase64String).Distinct());
        Assert.Equal(2L, Int64Value.Parser.ParseFrom(responses[0]).Value);
        await using var check = await database.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(2L, await check.ExecuteScalarAsync<long>("SELECT version FROM accounts WHERE id = 'a1'"));
        Assert.Equal(1L, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM idempotency_keys"));
        Assert.Equal(0L, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM idempotency_keys WHERE state <> 2"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExecuteAsync_TwinWaitsForAnOpenReservation_ThenGetsItsResponse(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        var requestId = Guid.NewGuid().ToString();
        var request = new StringValue { Value = "revoke" };
        var firstIsWriting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var twinWrote = false;

        var first = Task.Run(() => store.ExecuteAsync("RevokeAccount", requestId, request, async (connection, transaction) =>
        {
            var response = await RevokeAsync(connection, transaction, "a1", 1);
            firstIsWriting.SetResult();
            await releaseFirst.Task; // hold the transaction (and the reservation) open
            return response;
        }, CancellationToken.None));
        await firstIsWriting.Task;
        var twin = Task.Run(() => store.ExecuteAsync("RevokeAccount", requestId, request, (connection, transaction) =>
        {
            twinWrote = true;
            return RevokeAsync(connection, transaction, "a1", 1);
        }, CancellationToken.None));

        if (provider == DatabaseProvider.Postgres)
        {
            // Wait until the twin's reservation is blocked on the first transaction's uncommitted key.
            await WaitUntilAsync(async () => await CountAsync(database,
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0);
            Assert.False(twin.IsCompleted);
        }
        releaseFirst.SetResult();

        Assert.Equal((await first).ToByteArray(), (await twin).ToByteArray());
        Assert.False(twinWrote);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExecuteAsync_FailedWrite_StoresNothingAndARetryWritesAgain(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        var requestId = Guid.NewGuid().ToString();
        var request = new StringValue { Value = "revoke" };

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            store.ExecuteAsync("RevokeAccount", requestId, request, (c, t) => RevokeAsync(c, t, "a1", 7), CancellationToken.None));
        Assert.Equal(0L, await CountAsync(database, "SELECT COUNT(*) FROM idempotency_keys"));

        var retried = await store.ExecuteAsync("RevokeAccount", requestId, request, (c, t) => RevokeAsync(c, t, "a1", 1), CancellationToken.None);
        Assert.Equal(2L, retried.Value);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TryReplayAsync_KnownRequestId_ReturnsStoredBytes_OtherContentIsInvalidArgument_UnknownIsNull(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        var requestId = Guid.NewGuid().ToString();
        var request = new StringValue { Value = "revoke" };
        var first = await store.ExecuteAsync("RevokeAccount", requestId, request, (c, t) => RevokeAsync(c, t, "a1", 1), CancellationToken.None);

        var replay = await store.TryReplayAsync<Int64Value>("RevokeAccount", requestId, request, CancellationToken.None);
        Assert.Equal(first.ToByteArray(), replay!.ToByteArray());

        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            store.TryReplayAsync<Int64Value>("RevokeAccount", requestId, new StringValue { Value = "revoke something else" }, CancellationToken.None));
        Assert.Equal("request_id", Assert.Single(error.Violations).Field);

        Assert.Null(await store.TryReplayAsync<Int64Value>("RevokeAccount", Guid.NewGuid().ToString(), request, CancellationToken.None));
        Assert.Null(await store.TryReplayAsync<Int64Value>("OtherOperation", requestId, request, CancellationToken.None));
        Assert.Null(await store.TryReplayAsync<Int64Value>("RevokeAccount", "", request, CancellationToken.None));
        Assert.Null(await store.TryReplayAsync<Int64Value>("RevokeAccount", "not-a-uuid", request, CancellationToken.None));
    }

    /// <summary>PIPL: the fingerprint kept for up to the retention period must not let a backup reader recover the ID number.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task StoredRequestHash_IsKeyedHmac_NotThePlainSha256_AndHoldsNoRequestText(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var key = RandomNumberGenerator.GetBytes(32);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, new IdempotencyOptions(key));
        const string idNumber = "11010519491231002X";
        var request = new Struct
        {
            Fields =
            {
                ["holder_name"] = Value.ForString("张三"),
                ["holder_id_number"] = Value.ForString(idNumber),
            },
        };
        await store.ExecuteAsync("IssueThing", Guid.NewGuid().ToString(), request, (c, t) => Task.FromResult(new StringValue { Value = "ok" }), CancellationToken.None);

        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        var stored = await connection.ExecuteScalarAsync<byte[]>("SELECT request_hash FROM idempotency_keys");
        var plain = request.ToByteArray();
        Assert.NotNull(stored);
        Assert.Equal(32, stored.Length);
        Assert.NotEqual(SHA256.HashData(plain), stored);          // an unkeyed hash could be brute-forced over the ID digits
        Assert.Equal(HMACSHA256.HashData(key, plain), stored);    // it is the HMAC under the configured key
        Assert.NotEqual(HMACSHA256.HashData(RandomNumberGenerator.GetBytes(32), plain), stored);
        Assert.Equal(-1, stored.AsSpan().IndexOf(Encoding.UTF8.GetBytes(idNumber[..6])));
        Assert.Equal(-1, stored.AsSpan().IndexOf(Encoding.UTF8.GetBytes("张三")));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task RowWrittenBeforeMigration0002_WithUnkeyedHash_StillReplays(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var store = new IdempotencyStore(database.Factory, TimeProvider.System, IdempotencyOptions.WithRandomKey());
        var requestId = Guid.NewGuid().ToString();
        var request = new StringValue { Value = "old request" };
        var oldResponse = new Int64Value { Value = 41 };
        await using (var connection = await database.Factory.OpenAsync(CancellationToken.None))
        {
            // What the store wrote before 0002: no state column in the INSERT (the migration's default, 1), SHA-256.
            await connection.ExecuteAsync(
                "INSERT INTO idempotency_keys (operation, request_id, request_hash, response, created_at) VALUES (@Operation, @RequestId, @Hash, @Response, @CreatedAt)",
                new { Operation = "RevokeAccount", RequestId = requestId, Hash = SHA256.HashData(request.ToByteArray()), Response = oldResponse.ToByteArray(), CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        }

        var replay = await store.TryReplayAsync<Int64Value>("RevokeAccount", requestId, request, CancellationToken.None);
        var executed = await store.ExecuteAsync("RevokeAccount", requestId, request, (c, t) => RevokeAsync(c, t, "a1", 1), CancellationToken.None);

        Assert.Equal(41L, replay!.Value);
        Assert.Equal(41L, executed.Value);
        await Assert.ThrowsAsync<ValidationException>(() => store.TryReplayAsync<Int64Value>("RevokeAccount", requestId, new StringValue { Value = "other" }, CancellationToken.None));
    }

    [Fact]
    public void ReserveSql_SqlServer_ParsesAsTSqlWithTheLockHints()
    {
        var sql = IdempotencyStore.ReserveSql(SqlDialect.SqlServer);
        TSqlAssert.Parses(sql, "IdempotencyStore.ReserveSql(SqlServer)");
        Assert.Contains("WITH (UPDLOCK, HOLDLOCK)", sql, StringComparison.Ordinal);
        Assert.Contains("ON CONFLICT (operation, request_id) DO NOTHING", IdempotencyStore.ReserveSql(SqlDialect.Postgres), StringComparison.Ordinal);
        Assert.Contains("ON CONFLICT (operation, request_id) DO NOTHING", IdempotencyStore.ReserveSql(SqlDialect.Sqlite), StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task CleanupService_TimePassesRetention_DeletesOldRowsAndKeepsNewerOnes(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var options = IdempotencyOptions.WithRandomKey(); // defaults: 7 days, every hour
        var store = new IdempotencyStore(database.Factory, clock, options);
        using var cleanup = new IdempotencyCleanupService(store, options, clock, NullLogger<IdempotencyCleanupService>.Instance);
        var sweeps = Channel.CreateUnbounded<int>();
        cleanup.Swept += deleted => sweeps.Writer.TryWrite(deleted);

        var oldId = Guid.NewGuid().ToString();
        await StoreAsync(store, oldId, "day 0");
        clock.Advance(TimeSpan.FromDays(3));
        var newerId = Guid.NewGuid().ToString();
        await StoreAsync(store, newerId, "day 3");

        await cleanup.StartAsync(CancellationToken.None);
        Assert.Equal(0, await NextSweepAsync(sweeps)); // at start (day 3): nothing is 7 days old

        // One hour at a time, as the timer ticks: each tick is one sweep.
        Assert.Equal(0, await AdvanceHoursAsync(clock, sweeps, 4 * 24)); // day 7 exactly: the day-0 row is not older than 7 days yet
        Assert.NotNull(await FindAsync(database, oldId));

        Assert.Equal(1, await AdvanceHoursAsync(clock, sweeps, 1)); // day 7 + 1 h: the day-0 row has passed retention, the day-3 row has not
        Assert.Null(await FindAsync(database, oldId));
        Assert.NotNull(await FindAsync(database, newerId));

        Assert.Equal(1, await AdvanceHoursAsync(clock, sweeps, 3 * 24)); // day 10 + 1 h: now the day-3 row is older than 7 days too
        Assert.Equal(0L, await CountAsync(database, "SELECT COUNT(*) FROM idempotency_keys"));
        await cleanup.StopAsync(CancellationToken.None);
    }

    /// <summary>Moves the clock one cleanup interval at a time, waits for each tick's sweep, and returns the rows deleted.</summary>
    private static async Task<int> AdvanceHoursAsync(FakeTimeProvider clock, Channel<int> sweeps, int hours)
    {
        var deleted = 0;
        for (var hour = 0; hour < hours; hour++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            var swept = await NextSweepAsync(sweeps);
            Assert.True(swept >= 0, "a sweep failed");
            deleted += swept;
        }
        return deleted;
    }

    private static async Task<int> NextSweepAsync(Channel<int> sweeps) =>
        await sweeps.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true within 30 s");
            await Task.Delay(10);
        }
    }

    private static Task StoreAsync(IdempotencyStore store, string requestId, string text) =>
        store.ExecuteAsync("Note", requestId, new StringValue { Value = text }, (c, t) => Task.FromResult(new StringValue { Value = text }), CancellationToken.None);

    private static async Task<string?> FindAsync(TestDatabase database, string requestId)
    {
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<string?>("SELECT request_id FROM idempotency_keys WHERE request_id = @RequestId", new { RequestId = requestId });
    }

    private static async Task<Int64Value> RevokeAsync(DbConnection connection, DbTransaction transaction, string id, long version)
    {
        var rows = await connection.ExecuteAsync(new CommandDefinition(RevokeSql, new { Id = id, Version = version }, transaction));
        if (rows == 0) throw new ConcurrencyConflictException("Account", id);
        return new Int64Value { Value = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT version FROM accounts WHERE id = @Id", new { Id = id }, transaction)) };
    }

    private static async Task<long> CountAsync(TestDatabase database, string sql)
    {
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
