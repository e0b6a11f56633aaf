using System.Security.Cryptography;
using ChongqingVet.Data.Audit;
using ChongqingVet.Domain.Codes;
using ChongqingVet.TestKit.Databases;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.Data.Tests;

public class AuditLogTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    /// <summary>A migrated database, a fake clock and the audit log over both.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private Harness(TestDatabase database, FakeTimeProvider clock, AuditLog log, AuditOptions options)
        {
            Database = database;
            Clock = clock;
            Log = log;
            Options = options;
        }

        public TestDatabase Database { get; }
        public FakeTimeProvider Clock { get; }
        public AuditLog Log { get; }
        public AuditOptions Options { get; }

        public static async Task<Harness> CreateAsync(DatabaseProvider provider, byte[]? key = null)
        {
            var database = await TestDatabase.CreateAsync(provider);
            MigrationRunner.Run(database.Options, typeof(AuditLogTests).Assembly, NullLogger.Instance);
            var clock = new FakeTimeProvider(Start);
            var options = new AuditOptions { HmacKey = key };
            return new Harness(database, clock, Create(database, clock, options, key), options);
        }

        public static AuditLog Create(TestDatabase database, TimeProvider clock, AuditOptions options, byte[]? key) =>
            new(database.Factory, new AuditChain(key), options, clock, NullLogger<AuditLog>.Instance);

        public Task<long> AppendAsync(string resource, string subject = "u-1001") =>
            Log.AppendAsync(Record(resource, subject), CancellationToken.None);

        public async Task AppendManyAsync(int count)
        {
            for (var i = 1; i <= count; i++) await AppendAsync($"learners/L{i:D4}");
        }

        public async Task<int> ExecuteAsync(string sql, object? parameters = null)
        {
            await using var connection = await Database.Factory.OpenAsync(CancellationToken.None);
            return await connection.ExecuteAsync(sql, parameters);
        }

        public async Task<IReadOnlyList<AuditEntry>> AllAsync()
        {
            var page = await Log.ListAsync(0, null, null, 200, CancellationToken.None);
            return page.Items;
        }

        public ValueTask DisposeAsync() => Database.DisposeAsync();
    }

    private static AuditRecord Record(string resource, string subject = "u-1001", string outcome = AuditOutcome.Ok) =>
        new("cqv-registrar", subject, "/chongqingvet.courses.v1.CourseService/GetLearner", resource, outcome, "4bf92f3577b34da6a3ce929d0e0e4736");

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AppendAsync_OwnAndCallerTransactions_VerifiesAsOneLinkedChain(DatabaseProvider provider)
    {
        await using var harness = await Harness.CreateAsync(provider);
        await harness.AppendManyAsync(3);
        await using (var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None))
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await harness.Log.AppendAsync(connection, transaction, Record("certificates/S123412500001231000001"), CancellationToken.None);
            harness.Clock.Advance(TimeSpan.FromSeconds(5));
            await harness.Log.AppendAsync(connection, transaction, Record("certificates/S123412500001231000002", outcome: "PERMISSION_DENIED"), CancellationToken.None);
            await transaction.CommitAsync();
        }

        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.True(verification.Ok, verification.ToString());
        Assert.Equal(5, verification.RecordsChecked);
        Assert.Equal((1L, 5L), (verification.AnchorSequence, verification.LastSequence));
        var records = await harness.AllAsync();
        Assert.Equal([1L, 2, 3, 4, 5], records.Select(r => r.Sequence));
        Assert.Equal(AuditChain.Genesis, records[0].PreviousHash);
        for (var i = 1; i < records.Count; i++) Assert.Equal(records[i - 1].Hash, records[i].PreviousHash);
        var last = records[^1];
        Assert.Equal(("cqv-registrar", "u-1001", "certificates/S123412500001231000002", "PERMISSION_DENIED"), (last.ClientId, last.Subject, last.Resource, last.Outcome));
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", last.TraceId);
        Assert.Equal(Start.AddSeconds(5), last.Time);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AppendAsync_CallerRollsBack_LeavesNoRecordAndNoGap(DatabaseProvider provider)
    {
        await using var harness = await Harness.CreateAsync(provider);
        await harness.AppendAsync("learners/L0001");
        await using (var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None))
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await harness.Log.AppendAsync(connection, transaction, Record("learners/L0002"), CancellationToken.None);
            await transaction.RollbackAsync();
        }
        await harness.AppendAsync("learners/L0003");

        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.True(verification.Ok, verification.ToString());
        Assert.Equal([("learners/L0001", 1L), ("learners/L0003", 2L)], (await harness.AllAsync()).Select(r => (r.Resource, r.Sequence)));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task VerifyAsync_FieldEditedInSql_ReportsEditedAtItsSequence(DatabaseProvider provider)
    {
        await using var harness = await Harness.CreateAsync(provider);
        await harness.AppendManyAsync(5);
        await harness.ExecuteAsync("UPDATE audit_log SET outcome = 'OK', subject = 'u-2002' WHERE sequence = 3");

        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.False(verification.Ok);
        Assert.Equal(AuditBreak.Edited, verification.Reason);
        Assert.Equal(3, verification.FirstBrokenSequence);
        Assert.Equal(2, verification.RecordsChecked);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task VerifyAsync_MiddleRowDeleted_ReportsDeletedAtTheGap(DatabaseProvider provider)
    {
        await using var harness = await Harness.CreateAsync(provider);
        await harness.AppendManyAsync(5);
        await harness.ExecuteAsync("DELETE FROM audit_log WHERE sequence = 3");

        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.Equal((false, AuditBreak.Deleted, (long?)3, 2L), (verification.Ok, verification.Reason, verification.FirstBrokenSequence, verification.RecordsChecked));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task VerifyAsync_LastRowDeleted_ReportsDeletedAtTheEnd(DatabaseProvider provider)
    {
        await using var harness = await Harness.CreateAsync(provider);
        await harness.AppendManyAsync(5);
        await harness.ExecuteAsync("DELETE FROM audit_log WHERE sequence = 5");

        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.Equal((false, AuditBreak.Deleted, (long?)5, 4L), (verification.Ok, verification.Reason, verification.FirstBrokenSequence, verification.RecordsChecked));
    }

    [Fact]
    public async Task VerifyAsync_Sha256RecordRewrittenWithRecomputedHash_ReportsEditedAtThatRecord()
    {
        await using var harness = await Harness.CreateAsync(DatabaseProvider.Sqlite);
        await harness.AppendManyAsync(5);
        var third = (await harness.AllAsync())[2];
        // Without a key anyone can recompute one record's hash; the next record still links to the original.
        var forged = new AuditChain(null).HashRecord(third with { Subject = "u-9999" });
        await harness.ExecuteAsync("UPDATE audit_log SET subject = 'u-9999', hash = @Forged WHERE sequence = 3", new { Forged = forged });

        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.Equal((false, AuditBreak.Edited, (long?)3, 2L), (verification.Ok, verification.Reason, verification.FirstBrokenSequence, verification.RecordsChecked));
    }

    [Fact]
    public async Task VerifyAsync_RecordRelinkedPastItsPredecessor_ReportsReordered()
    {
        await using var harness = await Harness.CreateAsync(DatabaseProvider.Sqlite);
        await harness.AppendManyAsync(5);
        var records = await harness.AllAsync();
        var relinked = records[3] with { PreviousHash = records[1].Hash };
        await harness.ExecuteAsync("UPDATE audit_log SET previous_hash = @Previous, hash = @Hash WHERE sequence = 4",
            new { Previous = relinked.PreviousHash, Hash = new AuditChain(null).HashRecord(relinked) });

        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.Equal((false, AuditBreak.Reordered, (long?)4), (verification.Ok, verification.Reason, verification.FirstBrokenSequence));
    }

    [Fact]
    public async Task VerifyAsync_HmacChainRewrittenWithoutTheKey_ReportsEdited()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        await using var harness = await Harness.CreateAsync(DatabaseProvider.Sqlite, key);
        await harness.AppendManyAsync(4);
        Assert.True((await harness.Log.VerifyAsync(CancellationToken.None)).Ok);
        Assert.Equal("HMAC-SHA256", harness.Log.Algorithm);
        var second = (await harness.AllAsync())[1];
        var forged = new AuditChain(null).HashRecord(second with { Outcome = "NOT_FOUND" });
        await harness.ExecuteAsync("UPDATE audit_log SET outcome = 'NOT_FOUND', hash = @Forged WHERE sequence = 2", new { Forged = forged });

        var verification = await harness.Log.VerifyAsync(CancellationToken.None);
        var withoutKey = await Harness.Create(harness.Database, harness.Clock, harness.Options, null).VerifyAsync(CancellationToken.None);

        Assert.Equal((false, AuditBreak.Edited, (long?)2), (verification.Ok, verification.Reason, verification.FirstBrokenSequence));
        Assert.Equal((false, AuditBreak.HeadMismatch), (withoutKey.Ok, withoutKey.Reason));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task VerifyAsync_HeadLastSequenceLowered_ReportsHeadMismatch(DatabaseProvider provider)
    {
        await using var harness = await Harness.CreateAsync(provider);
        await harness.AppendManyAsync(5);
        var third = (await harness.AllAsync())[2];
        // Hiding the last two records by winding the head back needs a new seal, which needs the chain's function.
        await harness.ExecuteAsync("UPDATE audit_head SET last_sequence = 3, last_hash = @Hash WHERE id = 1", new { third.Hash });

        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.Equal((false, AuditBreak.HeadMismatch, (long?)null), (verification.Ok, verification.Reason, verification.FirstBrokenSequence));
    }

    [Fact]
    public async Task VerifyAsync_HeadResetToEmptyWithRecordsLeft_ReportsHeadMismatch()
    {
        await using var harness = await Harness.CreateAsync(DatabaseProvider.Sqlite);
        await harness.AppendManyAsync(3);
        await harness.ExecuteAsync("UPDATE audit_head SET last_sequence = 0, last_hash = @Zero, anchor_sequence = 1, anchor_hash = @Zero, seal = @Empty WHERE id = 1",
            new { Zero = AuditChain.Genesis, Empty = Array.Empty<byte>() });

        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.Equal((false, AuditBreak.HeadMismatch, (long?)1), (verification.Ok, verification.Reason, verification.FirstBrokenSequence));
    }

    [Fact]
    public async Task AppendAsync_HeadChangedOutsideTheService_DoesNotResealIt()
    {
        await using var harness = await Harness.CreateAsync(DatabaseProvider.Sqlite);
        await harness.AppendManyAsync(3);
        await harness.ExecuteAsync("UPDATE audit_head SET anchor_sequence = 2 WHERE id = 1");

        await harness.AppendAsync("learners/L0004");
        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.Equal((false, AuditBreak.HeadMismatch), (verification.Ok, verification.Reason));
    }

    [Fact]
    public async Task VerifyAsync_EmptyChain_IsIntact()
    {
        await using var harness = await Harness.CreateAsync(DatabaseProvider.Sqlite);

        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.Equal((true, 0L, 0L), (verification.Ok, verification.RecordsChecked, verification.LastSequence));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task DeleteExpiredAsync_PastRetention_KeepsChainVerifiableAndStillDetectsEditsAndDeletions(DatabaseProvider provider)
    {
        await using var harness = await Harness.CreateAsync(provider);
        await harness.AppendManyAsync(3);
        harness.Clock.Advance(TimeSpan.FromDays(100));
        await harness.AppendManyAsync(2);
        harness.Clock.Advance(TimeSpan.FromDays(90));

        var cleanup = await harness.Log.DeleteExpiredAsync(CancellationToken.None);
        await harness.AppendAsync("learners/L0100");
        var afterCleanup = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.Equal(new AuditCleanup(3, 4, false), cleanup);
        Assert.True(afterCleanup.Ok, afterCleanup.ToString());
        Assert.Equal((3L, 4L, 6L), (afterCleanup.RecordsChecked, afterCleanup.AnchorSequence, afterCleanup.LastSequence));
        Assert.Equal([4L, 5, 6], (await harness.AllAsync()).Select(r => r.Sequence));

        await harness.ExecuteAsync("UPDATE audit_log SET resource = 'learners/L0999' WHERE sequence = 5");
        var edited = await harness.Log.VerifyAsync(CancellationToken.None);
        Assert.Equal((false, AuditBreak.Edited, (long?)5, 1L), (edited.Ok, edited.Reason, edited.FirstBrokenSequence, edited.RecordsChecked));

        await harness.ExecuteAsync("DELETE FROM audit_log WHERE sequence = 4");
        var deleted = await harness.Log.VerifyAsync(CancellationToken.None);
        Assert.Equal((false, AuditBreak.Deleted, (long?)4), (deleted.Ok, deleted.Reason, deleted.FirstBrokenSequence));
    }

    [Fact]
    public async Task DeleteExpiredAsync_EverythingExpired_EmptiesTheLogAndTheChainContinues()
    {
        await using var harness = await Harness.CreateAsync(DatabaseProvider.Sqlite);
        await harness.AppendManyAsync(3);
        harness.Clock.Advance(TimeSpan.FromDays(185));

        var cleanup = await harness.Log.DeleteExpiredAsync(CancellationToken.None);
        var empty = await harness.Log.VerifyAsync(CancellationToken.None);
        await harness.AppendAsync("learners/L0004");
        var continued = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.Equal(new AuditCleanup(3, 4, false), cleanup);
        Assert.True(empty.Ok, empty.ToString());
        Assert.True(continued.Ok, continued.ToString());
        Assert.Equal((1L, 4L, 4L), (continued.RecordsChecked, continued.AnchorSequence, continued.LastSequence));
    }

    [Fact]
    public async Task DeleteExpiredAsync_YoungerThanRetention_DeletesNothing()
    {
        await using var harness = await Harness.CreateAsync(DatabaseProvider.Sqlite);
        await harness.AppendManyAsync(2);
        harness.Clock.Advance(TimeSpan.FromDays(184) - TimeSpan.FromMinutes(1));

        var cleanup = await harness.Log.DeleteExpiredAsync(CancellationToken.None);

        Assert.Equal(new AuditCleanup(0, 1, false), cleanup);
        Assert.Equal(2, (await harness.AllAsync()).Count);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task DeleteExpiredAsync_EditedRecordAmongExpired_KeepsItAsEvidence(DatabaseProvider provider)
    {
        await using var harness = await Harness.CreateAsync(provider);
        await harness.AppendManyAsync(4);
        harness.Clock.Advance(TimeSpan.FromDays(200));
        await harness.ExecuteAsync("UPDATE audit_log SET client_id = 'someone-else' WHERE sequence = 3");

        var cleanup = await harness.Log.DeleteExpiredAsync(CancellationToken.None);
        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.Equal(new AuditCleanup(2, 3, true), cleanup);
        Assert.Equal((false, AuditBreak.Edited, (long?)3), (verification.Ok, verification.Reason, verification.FirstBrokenSequence));
    }

    [Fact]
    public async Task RetentionService_FakeClockPastIntervalAndRetention_DeletesExpiredRecords()
    {
        await using var harness = await Harness.CreateAsync(DatabaseProvider.Sqlite);
        await harness.AppendManyAsync(2);
        var options = new AuditOptions { CleanupInterval = TimeSpan.FromHours(6) };
        await using var service = new AuditRetentionService(Harness.Create(harness.Database, harness.Clock, options, null), options, harness.Clock,
            NullLogger<AuditRetentionService>.Instance);
        var deleted = new TaskCompletionSource<AuditCleanup>(TaskCreationOptions.RunContinuationsAsynchronously);
        service.Cleaned += result =>
        {
            if (result.Deleted > 0) deleted.TrySetResult(result);
        };

        await service.StartAsync(CancellationToken.None);
        harness.Clock.Advance(TimeSpan.FromDays(185));
        // The timeout only bounds a failure; the test waits for the run itself.
        var result = await deleted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await service.StopAsync(CancellationToken.None);

        Assert.Equal(new AuditCleanup(2, 3, false), result);
        Assert.True((await harness.Log.VerifyAsync(CancellationToken.None)).Ok);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AppendAsync_FiftyConcurrentTransactions_FormOneValidChain(DatabaseProvider provider)
    {
        await using var harness = await Harness.CreateAsync(provider);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var appends = Enumerable.Range(1, 50).Select(i => Task.Run(async () =>
        {
            await go.Task;
            await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync();
            var sequence = await harness.Log.AppendAsync(connection, transaction, Record($"learners/L{i:D4}"), CancellationToken.None);
            await transaction.CommitAsync();
            return sequence;
        })).ToArray();
        go.SetResult();
        var sequences = await Task.WhenAll(appends);
        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.True(verification.Ok, verification.ToString());
        Assert.Equal(50, verification.RecordsChecked);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), sequences.Order());
        Assert.Equal(50, (await harness.AllAsync()).Select(r => r.Resource).Distinct().Count());
    }

    /// <summary>
    /// Reads append in their own transaction through group commit: 64 concurrent callers all get their record
    /// committed in one gapless, valid chain; the 63 that arrive while the first group is being written go together
    /// into the next one (two transactions in all); an invalid record among them fails alone, and a group whose
    /// transaction fails fails only its own callers. The first group's connection is held open until the 63 have joined,
    /// so the grouping does not depend on how fast the machine runs them.
    /// </summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AppendAsync_SixtyFourConcurrentReads_ShareCommitsAndFormOneValidChain(DatabaseProvider provider)
    {
        await using var harness = await Harness.CreateAsync(provider);
        var firstGroupOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var counting = new CountingConnections(harness.Database.Factory) { HoldFirstOpen = firstGroupOpen.Task };
        var log = new AuditLog(counting, new AuditChain(null), harness.Options, harness.Clock, NullLogger<AuditLog>.Instance);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var joined = 0;
        var allJoined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = Task.Run(() => log.AppendAsync(Record("learners/L0001"), CancellationToken.None));
        await counting.FirstOpenEntered.WaitAsync(TimeSpan.FromSeconds(30));
        var appends = Enumerable.Range(2, 63).Select(i => Task.Run(async () =>
        {
            await go.Task;
            // AppendAsync joins the waiting group before it first yields.
            var append = log.AppendAsync(Record($"learners/L{i:D4}"), CancellationToken.None);
            if (Interlocked.Increment(ref joined) == 63) allJoined.SetResult();
            return await append;
        })).ToArray();
        var invalid = Task.Run(async () =>
        {
            await go.Task;
            return await log.AppendAsync(Record("learners/11010519491231002X"), CancellationToken.None);
        });
        go.SetResult();
        await Assert.ThrowsAsync<ArgumentException>(() => invalid);
        await allJoined.Task.WaitAsync(TimeSpan.FromSeconds(30));
        firstGroupOpen.SetResult();
        var sequences = await Task.WhenAll(appends.Prepend(first));
        var verification = await harness.Log.VerifyAsync(CancellationToken.None);

        Assert.True(verification.Ok, verification.ToString());
        Assert.Equal(Enumerable.Range(1, 64).Select(i => (long)i), sequences.Order());
        Assert.Equal(64, (await harness.AllAsync()).Select(r => r.Resource).Distinct().Count());
        Assert.Equal(2, counting.Opened);
    }

    [Fact]
    public async Task AppendAsync_GroupTransactionFails_FailsItsCallersAndTheNextAppendStillCommits()
    {
        await using var harness = await Harness.CreateAsync(DatabaseProvider.Sqlite);
        var counting = new CountingConnections(harness.Database.Factory) { FailNext = true };
        var log = new AuditLog(counting, new AuditChain(null), harness.Options, harness.Clock, NullLogger<AuditLog>.Instance);

        await Assert.ThrowsAsync<InvalidOperationException>(() => log.AppendAsync(Record("learners/L0001"), CancellationToken.None));
        var sequence = await log.AppendAsync(Record("learners/L0002"), CancellationToken.None);

        Assert.Equal(1, sequence);
        Assert.Equal(["learners/L0002"], (await harness.AllAsync()).Select(r => r.Resource));
    }

    private sealed class CountingConnections(IDbConnectionFactory inner) : IDbConnectionFactory
    {
        private int _opened;

        public int Opened => _opened;

        public bool FailNext { get; set; }

        public DatabaseProvider Provider => inner.Provider;

        public SqlDialect Dialect => inner.Dialect;

        /// <summary>When set, the first open waits for it (and says so through <see cref="FirstOpenEntered"/>).</summary>
        public Task? HoldFirstOpen { get; init; }

        public Task FirstOpenEntered => _firstOpenEntered.Task;

        private readonly TaskCompletionSource _firstOpenEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<System.Data.Common.DbConnection> OpenAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _opened) == 1 && HoldFirstOpen is { } hold)
            {
                _firstOpenEntered.SetResult();
                await hold;
            }
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("the database cannot be reached");
            }
            return await inner.OpenAsync(cancellationToken);
        }
    }

    [Fact]
    public async Task ListAsync_ResourceFilterAndKeyset_ReturnsMatchingRecordsPageByPage()
    {
        await using var harness = await Harness.CreateAsync(DatabaseProvider.Sqlite);
        foreach (var resource in (string[])["learners/L0001", "learners/L0002", "learners/L0001", "learners/L0001"]) await harness.AppendAsync(resource);

        var first = await harness.Log.ListAsync(0, "learners/L0001", null, 2, CancellationToken.None);
        var second = await harness.Log.ListAsync(first.Items[^1].Sequence, "learners/L0001", null, 2, CancellationToken.None);

        Assert.Equal([1L, 3], first.Items.Select(r => r.Sequence));
        Assert.True(first.HasMore);
        Assert.Equal([4L], second.Items.Select(r => r.Sequence));
        Assert.False(second.HasMore);
    }

    [Fact]
    public async Task AppendAsync_NationalIdNumberInAField_IsRefusedAndNothingIsWritten()
    {
        await using var harness = await Harness.CreateAsync(DatabaseProvider.Sqlite);
        const string first17 = "50010319900307123";
        var idNumber = first17 + NationalIdNumber.ComputeCheckCharacter(first17);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => harness.AppendAsync("holders/" + idNumber));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.AppendAsync("learners/L0001", subject: idNumber));

        Assert.DoesNotContain(idNumber, error.Message, StringComparison.Ordinal);
        Assert.Empty(await harness.AllAsync());
        Assert.True((await harness.Log.VerifyAsync(CancellationToken.None)).Ok);
    }

    [Fact]
    public void HashRecord_FieldBoundariesMoved_GivesAnotherHash()
    {
        var chain = new AuditChain(null);
        var a = chain.HashRecord(1, 0, "ab", "c", "/m", "r", "OK", "", AuditChain.Genesis);
        var b = chain.HashRecord(1, 0, "a", "bc", "/m", "r", "OK", "", AuditChain.Genesis);

        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData(Grpc.Core.StatusCode.OK, "OK")]
    [InlineData(Grpc.Core.StatusCode.PermissionDenied, "PERMISSION_DENIED")]
    [InlineData(Grpc.Core.StatusCode.NotFound, "NOT_FOUND")]
    [InlineData(Grpc.Core.StatusCode.DeadlineExceeded, "DEADLINE_EXCEEDED")]
    public void FromStatusCode_GivesCanonicalName(Grpc.Core.StatusCode code, string expected) =>
        Assert.Equal(expected, AuditOutcome.FromStatusCode(code));

    [Theory]
    [InlineData("Audit:Retention", "183.00:00:00", "Testing")]
    [InlineData("Audit:Retention", "six months", "Testing")]
    [InlineData("Audit:HmacKey", "not base64!", "Testing")]
    [InlineData("Audit:HmacKey", "c2hvcnQ=", "Testing")]
    [InlineData("Audit:CleanupInterval", "00:00:10", "Testing")]
    [InlineData("Audit:HmacKey", "", "Production")]
    [InlineData("Audit:HmacKey", "", "Development")] // no DevelopmentKeys:Allow
    [InlineData("Audit:HmacKey", "", "Testing")]
    public void FromConfiguration_BadOrMissingValue_StopsStartUpNamingTheKey(string key, string value, string environment)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

        var error = Assert.Throws<InvalidOperationException>(() =>
            AuditOptions.FromConfiguration(configuration, Environment(environment), NullLogger<AuditOptions>.Instance));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Staging")]
    [InlineData("Production")]
    public void FromConfiguration_OptInOutsideDevelopment_IsIgnoredAndTheMissingKeyStopsStartUp(string environment)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DevelopmentKeys:Allow"] = "true" }).Build();

        var error = Assert.Throws<InvalidOperationException>(() =>
            AuditOptions.FromConfiguration(configuration, Environment(environment), NullLogger<AuditOptions>.Instance));

        Assert.Contains("Audit:HmacKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_DevelopmentOptInWithMalformedKey_StillFails()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DevelopmentKeys:Allow"] = "true", ["Audit:HmacKey"] = Convert.ToBase64String(new byte[16]),
        }).Build();

        var error = Assert.Throws<InvalidOperationException>(() =>
            AuditOptions.FromConfiguration(configuration, Environment("Development"), NullLogger<AuditOptions>.Instance));

        Assert.Contains("Audit:HmacKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_DevelopmentOptInWithoutKey_DefaultsTo184DaysDailyOnTheKeylessChain()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DevelopmentKeys:Allow"] = "true" }).Build();

        var options = AuditOptions.FromConfiguration(configuration, Environment("Development"), NullLogger<AuditOptions>.Instance);

        Assert.Equal((TimeSpan.FromDays(184), TimeSpan.FromDays(1), (byte[]?)null), (options.Retention, options.CleanupInterval, options.HmacKey));
    }

    private static HostingEnvironment Environment(string name) => new() { EnvironmentName = name };
}
