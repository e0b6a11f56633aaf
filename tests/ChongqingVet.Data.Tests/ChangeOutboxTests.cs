using ChongqingVet.Common.V1;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Codes;
using ChongqingVet.TestKit.Databases;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.Data.Tests;

/// <summary>The outbox itself: appends commit and roll back with their transaction, sequences stay gapless and commit in order, retention.</summary>
public class ChangeOutboxTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    public static TheoryData<DatabaseProvider> AllProviders => Providers.All;

    private static async Task<TestDatabase> MigratedAsync(DatabaseProvider provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        MigrationRunner.Run(database.Options, typeof(ChangeOutboxTests).Assembly, NullLogger.Instance);
        return database;
    }

    private static SkillRef State(int i) => new() { SkillCode = $"SK-{i:D4}", Level = SkillLevel._3Advanced };

    [Theory, MemberData(nameof(AllProviders))]
    public async Task Append_RolledBack_LeavesNoRowAndReturnsItsSequence(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var clock = new FakeTimeProvider(Start);
        await using (var connection = await database.Factory.OpenAsync(CancellationToken.None))
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.Equal(1, await ChangeOutbox.AppendAsync(connection, transaction, "skills/SK-0001", ChangeKind.Created, State(1), clock, CancellationToken.None));
            await transaction.RollbackAsync();
        }
        long committed;
        await using (var connection = await database.Factory.OpenAsync(CancellationToken.None))
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            committed = await ChangeOutbox.AppendAsync(connection, transaction,
                [new PendingChange("skills/SK-0002", ChangeKind.Created, State(2)), new PendingChange("skills/SK-0003", ChangeKind.Created, State(3))],
                clock, CancellationToken.None);
            await transaction.CommitAsync();
        }

        var store = new ChangeFeedStore(database.Factory, clock);
        var rows = await store.ReadAsync(0, 10, [], 10, CancellationToken.None);
        Assert.Equal(2, committed);
        Assert.Equal([(1L, "skills/SK-0002"), (2L, "skills/SK-0003")], rows.Select(r => (r.Sequence, r.ResourceName)));
        Assert.Equal(SkillRef.Descriptor.FullName, rows[0].ResourceType);
        Assert.Equal(Start, rows[0].OccurredAt);
        Assert.Equal(new ChangeHead(2, 0), await store.HeadAsync(CancellationToken.None));
    }

    /// <summary>
    /// Many writers append concurrently and hold their transactions open for a while (in random order) before they
    /// commit, while a reader follows the feed the way WatchChanges does (head first, then the range up to it). With an
    /// identity column PostgreSQL would let the reader see a later sequence before an earlier one commits, and a
    /// cursor-based reader would skip the earlier one for good; with the head row's lock every range the reader sees is
    /// complete and contiguous.
    /// </summary>
    [Theory, MemberData(nameof(AllProviders))]
    public async Task ConcurrentWriters_ReaderFollowingTheHead_NeverSkipsASequence(DatabaseProvider provider)
    {
        const int writers = 8;
        const int perWriter = 15;
        await using var database = await MigratedAsync(provider);
        var clock = new FakeTimeProvider(Start);
        var store = new ChangeFeedStore(database.Factory, clock);
        using var done = new CancellationTokenSource();

        var seen = new List<long>();
        var reader = Task.Run(async () =>
        {
            long position = 0;
            while (true)
            {
                var finished = done.IsCancellationRequested;
                var head = await store.HeadAsync(CancellationToken.None);
                var rows = await store.ReadAsync(position, head.LastSequence, [], 1000, CancellationToken.None);
                // Complete and contiguous: exactly position+1 … head.
                Assert.Equal(Enumerable.Range(0, (int)(head.LastSequence - position)).Select(i => position + 1 + i), rows.Select(r => r.Sequence));
                seen.AddRange(rows.Select(r => r.Sequence));
                position = head.LastSequence;
                if (finished) return;
                await Task.Yield();
            }
        });

        var writes = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var i = 0; i < perWriter; i++)
            {
                await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
                await using var transaction = await connection.BeginTransactionAsync();
                await ChangeOutbox.AppendAsync(connection, transaction, $"skills/W{w}-{i}", ChangeKind.Created, State(i), clock, CancellationToken.None);
                // Hold the transaction open a little: other writers queue behind the head row meanwhile.
                await connection.ExecuteAsync(provider == DatabaseProvider.Postgres ? "SELECT pg_sleep(@S)" : "SELECT @S", new { S = random.Next(0, 3) / 1000.0 }, transaction);
                if (random.Next(5) == 0) await transaction.RollbackAsync();
                else await transaction.CommitAsync();
            }
        })).ToArray();
        await Task.WhenAll(writes);
        done.Cancel();
        await reader;

        var head = await store.HeadAsync(CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, (int)head.LastSequence).Select(i => (long)i), seen);
        Assert.True(head.LastSequence > writers * perWriter / 2, $"only {head.LastSequence} appends committed");
    }

    [Theory, MemberData(nameof(AllProviders))]
    public async Task Prune_DeletesOnlyChangesOlderThanRetentionAndMovesPrunedThrough(DatabaseProvider provider)
    {
        await using var database = await MigratedAsync(provider);
        var clock = new FakeTimeProvider(Start);
        var store = new ChangeFeedStore(database.Factory, clock);
        for (var i = 1; i <= 5; i++)
        {
            if (i == 4) clock.Advance(TimeSpan.FromDays(2));
            await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync();
            await ChangeOutbox.AppendAsync(connection, transaction, $"skills/SK-{i:D4}", ChangeKind.Created, State(i), clock, CancellationToken.None);
            await transaction.CommitAsync();
        }

        Assert.Equal(3, await store.PruneAsync(TimeSpan.FromDays(1), CancellationToken.None));
        Assert.Equal(0, await store.PruneAsync(TimeSpan.FromDays(1), CancellationToken.None));

        Assert.Equal(new ChangeHead(5, 3), await store.HeadAsync(CancellationToken.None));
        Assert.Equal([4L, 5], (await store.ReadAsync(0, 5, [], 10, CancellationToken.None)).Select(r => r.Sequence));
        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(2, await store.PruneAsync(TimeSpan.FromDays(1), CancellationToken.None));
        Assert.Equal(new ChangeHead(5, 5), await store.HeadAsync(CancellationToken.None));
    }

    [Fact]
    public void StateJson_WithholdsIdNumbersButKeepsCertificateNumbersAndCreditCodes()
    {
        var first17 = "50011820050101001";
        var idNumber = first17 + NationalIdNumber.ComputeCheckCharacter(first17);
        var state = new LearnerRecord { Name = $"certificates/S00015001000126312345 holder {idNumber} old 110105491231002 org 91350100M000100Y43" };

        var json = ChangeOutbox.StateJson(state);

        Assert.DoesNotContain(idNumber, json, StringComparison.Ordinal);
        Assert.DoesNotContain("110105491231002", json, StringComparison.Ordinal);
        Assert.Contains("S00015001000126312345", json, StringComparison.Ordinal);
        Assert.Contains("91350100M000100Y43", json, StringComparison.Ordinal);
        Assert.Contains(ChangeOutbox.Withheld, json, StringComparison.Ordinal);
    }

    [Fact]
    public void Cursor_RoundTripsOnlyInItsOwnFeed()
    {
        var cursor = ChangeCursor.Encode("certificates", 42);

        Assert.Equal(42, ChangeCursor.Decode("certificates", cursor));
        Assert.Null(ChangeCursor.Decode("courses", cursor));
        Assert.Null(ChangeCursor.Decode("certificates", "42"));
        Assert.Null(ChangeCursor.Decode("certificates", cursor + "!"));
    }
}
