using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Dapper;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.Certificates.Tests;

/// <summary>StreamImportCertificates: committed batches are acknowledged as they commit; limits; per-item idempotency.</summary>
public class StreamImportTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task StreamImport_AcksEachCommittedBatch_BeforeTheStreamEnds(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider, new Dictionary<string, string?> { ["Import:BatchSize"] = "3" });
        await harness.CreateTypeAsync();
        var items = Enumerable.Range(0, 7).Select(i => Item(i)).ToList();
        items[4].HolderName = "";
        using var call = harness.Client.StreamImportCertificates();

        foreach (var item in items.Take(3)) await call.RequestStream.WriteAsync(new StreamImportCertificatesRequest { Item = item });
        Assert.True(await call.ResponseStream.MoveNext()); // the first batch is acknowledged while the stream is still open
        var first = call.ResponseStream.Current;
        Assert.Equal(1, first.BatchSequence);
        Assert.Equal(3, first.AcknowledgedCount);
        foreach (var ack in first.Items)
            Assert.NotNull(await harness.Client.GetCertificateAsync(new GetCertificateRequest { CertificateNumber = ack.Result.CertificateNumber }));

        foreach (var item in items.Skip(3)) await call.RequestStream.WriteAsync(new StreamImportCertificatesRequest { Item = item });
        await call.RequestStream.CompleteAsync();
        var acks = new List<ImportCertificatesBatchAck> { first };
        await foreach (var ack in call.ResponseStream.ReadAllAsync()) acks.Add(ack);

        Assert.Equal([1L, 2L, 3L], acks.Select(a => a.BatchSequence));
        Assert.Equal([3L, 6L, 7L], acks.Select(a => a.AcknowledgedCount));
        var all = acks.SelectMany(a => a.Items).ToList();
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (long)i), all.Select(a => a.Index));
        Assert.Equal(items.Select(i => i.RequestId), all.Select(a => a.RequestId));
        Assert.Equal(items.Select(i => i.ClientReference), all.Select(a => a.Result.ClientReference));
        Assert.Equal(ImportOutcome.Invalid, all[4].Result.Outcome);
        Assert.Equal(["holder_name"], all[4].Result.Violations.Select(v => v.Field));
        Assert.All(all.Where(a => a.Index != 4), a => Assert.Equal(ImportOutcome.Created, a.Result.Outcome));
        Assert.Equal(6, all.Select(a => a.Result.CertificateNumber).Where(n => n.Length > 0).Distinct().Count());
        Assert.Equal(6, await CountAsync(harness));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ManyItemsPerMessage_EachItemCountsAlone_AcrossMessagesAndBatches(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider, new Dictionary<string, string?> { ["Import:BatchSize"] = "3" });
        await harness.CreateTypeAsync();
        var items = Enumerable.Range(0, 9).Select(i => Item(i)).ToList();
        items[5].HolderName = "";
        var messages = new[]
        {
            new StreamImportCertificatesRequest { Items = { items[0], items[1] } },
            new StreamImportCertificatesRequest { Item = items[2], Items = { items[3], items[4], items[5] } },
            new StreamImportCertificatesRequest(), // neither item nor items: one empty item
            new StreamImportCertificatesRequest { Item = items[6] },
            new StreamImportCertificatesRequest { Items = { items[7], items[8], items[0].Clone() } }, // the last re-sends item 0
        };

        using var call = harness.Client.StreamImportCertificates();
        foreach (var message in messages) await call.RequestStream.WriteAsync(message);
        await call.RequestStream.CompleteAsync();
        var acks = new List<ImportCertificatesBatchAck>();
        await foreach (var ack in call.ResponseStream.ReadAllAsync()) acks.Add(ack);

        Assert.Equal([3L, 6L, 9L, 11L], acks.Select(a => a.AcknowledgedCount));
        var all = acks.SelectMany(a => a.Items).ToList();
        Assert.Equal(Enumerable.Range(0, 11).Select(i => (long)i), all.Select(a => a.Index));
        string[] sent = [.. items.Take(6).Select(i => i.RequestId), "", items[6].RequestId, items[7].RequestId, items[8].RequestId, items[0].RequestId];
        Assert.Equal(sent, all.Select(a => a.RequestId));
        Assert.Equal(
            [ImportOutcome.Created, ImportOutcome.Created, ImportOutcome.Created, ImportOutcome.Created, ImportOutcome.Created, ImportOutcome.Invalid,
             ImportOutcome.Invalid, ImportOutcome.Created, ImportOutcome.Created, ImportOutcome.Created, ImportOutcome.Duplicate],
            all.Select(a => a.Result.Outcome));
        Assert.Equal(["holder_name"], all[5].Result.Violations.Select(v => v.Field));
        Assert.Contains("request_id", all[6].Result.Violations.Select(v => v.Field));
        Assert.Equal(all[0].Result.CertificateNumber, all[10].Result.CertificateNumber);
        Assert.Equal(8, await CountAsync(harness));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ReusedRequestId_OtherContentFailsThatItemOnly_SameContentReplaysOnce(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider, new Dictionary<string, string?> { ["Import:BatchSize"] = "2" });
        await harness.CreateTypeAsync();
        var original = Item(0);
        var other = Item(1);
        other.RequestId = original.RequestId; // same request_id, other holder
        var after = Item(2);

        var first = await StreamAsync(harness, [original, original.Clone(), other, after]);
        Assert.Equal([ImportOutcome.Created, ImportOutcome.Duplicate, ImportOutcome.Invalid, ImportOutcome.Created], first.Select(a => a.Result.Outcome));
        Assert.Equal(first[0].Result.CertificateNumber, first[1].Result.CertificateNumber);
        Assert.Equal(["request_id"], first[2].Result.Violations.Select(v => v.Field));

        // A later stream: the same again replays, the other content still fails alone, and the stream goes on.
        var again = await StreamAsync(harness, [other, original, Item(3)]);
        Assert.Equal([ImportOutcome.Invalid, ImportOutcome.Duplicate, ImportOutcome.Created], again.Select(a => a.Result.Outcome));
        Assert.Equal(first[0].Result.CertificateNumber, again[1].Result.CertificateNumber);

        // The older unary-response import shares the batch code: the same per-item outcome, no failed stream.
        using var legacy = harness.Client.ImportCertificates();
        await legacy.RequestStream.WriteAsync(other);
        await legacy.RequestStream.WriteAsync(Item(4));
        await legacy.RequestStream.CompleteAsync();
        var response = await legacy;
        Assert.Equal([ImportOutcome.Invalid, ImportOutcome.Created], response.Results.Select(r => r.Outcome));
        Assert.Equal(4, await CountAsync(harness));
    }

    [Fact]
    public async Task ClientReference_LongerThanTheLimit_IsInvalidItem_AndNotEchoed()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Import:MaxClientReferenceLength"] = "16" });
        await harness.CreateTypeAsync();
        var item = Item(0);
        item.ClientReference = new string('r', 17);
        var fits = Item(1);
        fits.ClientReference = new string('r', 16);

        var acks = await StreamAsync(harness, [item, fits]);

        Assert.Equal(ImportOutcome.Invalid, acks[0].Result.Outcome);
        Assert.Equal(["client_reference"], acks[0].Result.Violations.Select(v => v.Field));
        Assert.Empty(acks[0].Result.ClientReference);
        Assert.Equal(ImportOutcome.Created, acks[1].Result.Outcome);
        Assert.Equal(1, await CountAsync(harness));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)] // the limit counts items, not messages
    public async Task MoreItemsThanTheStreamLimit_AcknowledgesWhatCommitted_ThenInvalidArgument(int itemsPerMessage)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite,
            new Dictionary<string, string?> { ["Import:BatchSize"] = "2", ["Import:MaxItemsPerStream"] = "5" });
        await harness.CreateTypeAsync();
        using var call = harness.Client.StreamImportCertificates();
        foreach (var items in Enumerable.Range(0, 6).Select(i => Item(i)).Chunk(itemsPerMessage))
            await call.RequestStream.WriteAsync(new StreamImportCertificatesRequest { Items = { items } });
        await call.RequestStream.CompleteAsync();

        var acks = new List<ImportCertificatesBatchAck>();
        var failure = await RpcAssert.ThrowsAsync(StatusCode.InvalidArgument, async () =>
        {
            await foreach (var ack in call.ResponseStream.ReadAllAsync()) acks.Add(ack);
        });

        Assert.Equal("IMPORT_TOO_MANY_ITEMS", RpcAssert.Reason(failure));
        Assert.Equal([2L, 4L, 5L], acks.Select(a => a.AcknowledgedCount));
        Assert.All(acks.SelectMany(a => a.Items), a => Assert.Equal(ImportOutcome.Created, a.Result.Outcome));
        Assert.Equal(5, await CountAsync(harness));
    }

    [Fact]
    public async Task IdleStream_AcknowledgesWhatItSent_ThenAborted()
    {
        var clock = new IdleTimerClock(TimeSpan.FromSeconds(60));
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite,
            new Dictionary<string, string?> { ["Import:BatchSize"] = "10", ["Import:IdleTimeout"] = "00:01:00" },
            services => services.AddSingleton<TimeProvider>(clock));
        await harness.CreateTypeAsync();
        // A real-time deadline only as a safety net: a server that never notices the idle stream fails the test, not the run.
        using var call = harness.Client.StreamImportCertificates(deadline: DateTime.UtcNow.AddMinutes(2));
        foreach (var i in Enumerable.Range(0, 3)) await call.RequestStream.WriteAsync(new StreamImportCertificatesRequest { Item = Item(i) });

        await clock.WaitForIdleTimersAsync(4); // the server has taken three items and waits for the fourth
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, await CountAsync(harness)); // not idle yet: nothing committed, the batch is not full
        clock.Advance(TimeSpan.FromSeconds(1));

        var acks = new List<ImportCertificatesBatchAck>();
        var failure = await RpcAssert.ThrowsAsync(StatusCode.Aborted, async () =>
        {
            await foreach (var ack in call.ResponseStream.ReadAllAsync()) acks.Add(ack);
        });
        Assert.Equal("IMPORT_STREAM_IDLE", RpcAssert.Reason(failure));
        Assert.Equal([0L, 1L, 2L], acks.SelectMany(a => a.Items).Select(a => a.Index));
        Assert.All(acks.SelectMany(a => a.Items), a => Assert.Equal(ImportOutcome.Created, a.Result.Outcome));
        Assert.Equal(3, await CountAsync(harness));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task TwoConcurrentImports_OverlappingCountersInOppositeOrder_BothCommitEverything(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider, new Dictionary<string, string?> { ["Import:BatchSize"] = "200" });
        await harness.CreateTypeAsync();
        await harness.CreateTypeAsync(CertificateServiceHarness.RobotOperatorType("MOHRSS-IR-PRG"));
        // Eight number prefixes (two types' levels × four years); the imports walk them in opposite orders.
        List<ImportCertificatesRequest> Items(int offset, bool ascending) => Enumerable.Range(0, 160).Select(i =>
        {
            var item = Item(offset + i);
            item.TypeCode = i % 2 == 0 ? "MOHRSS-IR-OPS" : "MOHRSS-IR-PRG";
            item.Level = i % 4 < 2 ? CertificateLevel.National3 : CertificateLevel.National4;
            var year = ascending ? 2021 + i % 16 / 4 : 2024 - i % 16 / 4;
            item.IssueDate = new DateOnly(year, 6, 30).ToProtoDate();
            return item;
        }).ToList();
        for (var round = 0; round < 3; round++)
        {
            var first = StreamAsync(harness, Items(1000 * round, ascending: true));
            var second = StreamAsync(harness, Items(1000 * round + 500, ascending: false));
            var acks = (await Task.WhenAll(first, second)).SelectMany(a => a).ToList();
            Assert.All(acks, a => Assert.Equal(ImportOutcome.Created, a.Result.Outcome));
            Assert.Equal(320, acks.Select(a => a.Result.CertificateNumber).Distinct().Count());
        }
        Assert.Equal(960, await CountAsync(harness));
    }

    /// <summary>
    /// Into a fresh PostgreSQL database (no statistics: the planner would read every row for each batch's key-list
    /// look-ups), the import analyses the tables it looks up once they hold 1,000 rows; autovacuum is off for them here,
    /// so the analysis seen is the import's.
    /// </summary>
    [Fact]
    public async Task Postgres_ImportIntoAFreshDatabase_AnalysesTheTablesItLooksUp()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Postgres);
        await harness.CreateTypeAsync();
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync("ALTER TABLE certificates SET (autovacuum_enabled = false); ALTER TABLE idempotency_keys SET (autovacuum_enabled = false)");
        Assert.Equal(-1, await AnalysedRowsAsync("certificates"));

        var acks = await StreamAsync(harness, Enumerable.Range(0, 1200).Select(Item));

        Assert.All(acks, a => Assert.Equal(ImportOutcome.Created, a.Result.Outcome));
        Assert.InRange(await AnalysedRowsAsync("certificates"), 1000, 1200);
        Assert.InRange(await AnalysedRowsAsync("idempotency_keys"), 1000, 1300);

        async Task<long> AnalysedRowsAsync(string table) =>
            (long)await connection.ExecuteScalarAsync<double>("SELECT reltuples FROM pg_class WHERE oid = to_regclass(@Table)", new { Table = table });
    }

    internal static ImportCertificatesRequest Item(int i)
    {
        var issue = CertificateServiceHarness.Issue($"L{i + 100:D4}", IdNumber(i));
        return new ImportCertificatesRequest
        {
            RequestId = issue.RequestId,
            ClientReference = $"row-{i}",
            TypeCode = issue.TypeCode,
            Level = issue.Level,
            LearnerId = issue.LearnerId,
            HolderName = issue.HolderName,
            HolderIdNumber = issue.HolderIdNumber,
            IssuingOrganisation = issue.IssuingOrganisation,
            IssueDate = issue.IssueDate,
        };
    }

    /// <summary>A valid synthetic ID number per index, the holder born in the 1990s.</summary>
    internal static string IdNumber(int i)
    {
        var first17 = $"500118{new DateOnly(1990, 1, 1).AddDays(i % 3000):yyyyMMdd}{i / 3000 % 1000:D3}";
        return first17 + ChongqingVet.Domain.Codes.NationalIdNumber.ComputeCheckCharacter(first17);
    }

    private static async Task<List<ImportItemAck>> StreamAsync(CertificateServiceHarness harness, IEnumerable<ImportCertificatesRequest> items)
    {
        using var call = harness.Client.StreamImportCertificates();
        foreach (var item in items) await call.RequestStream.WriteAsync(new StreamImportCertificatesRequest { Item = item });
        await call.RequestStream.CompleteAsync();
        var acks = new List<ImportItemAck>();
        await foreach (var ack in call.ResponseStream.ReadAllAsync()) acks.AddRange(ack.Items);
        return acks;
    }

    private static async Task<long> CountAsync(CertificateServiceHarness harness)
    {
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM certificates");
    }

    /// <summary>
    /// A fake clock that also tells when the importer has started waiting for an item (each wait makes one one-shot
    /// idle timer). Periodic timers of the same due time (audit retention's first run) are not counted.
    /// </summary>
    private sealed class IdleTimerClock(TimeSpan idleTimeout) : FakeTimeProvider(DateTimeOffset.UtcNow)
    {
        private readonly object _gate = new();
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
        private int _created;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime == idleTimeout && period == Timeout.InfiniteTimeSpan)
            {
                lock (_gate)
                {
                    _created++;
                    foreach (var waiter in _waiters.Where(w => w.Count <= _created)) waiter.Reached.TrySetResult();
                }
            }
            return timer;
        }

        public Task WaitForIdleTimersAsync(int count)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_created >= count) return Task.CompletedTask;
                _waiters.Add((count, reached));
            }
            return reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
