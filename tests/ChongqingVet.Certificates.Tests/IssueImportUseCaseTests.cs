using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.Certificates.Tests;

/// <summary>IssueCertificate and ImportCertificates without gRPC or a database: a fake store stands for the rows.</summary>
public class IssueImportUseCaseTests
{
    private static readonly string Owner = CertificateServiceHarness.RobotOperatorType().OrganisationCreditCode;
    private const string OtherOrganisation = "12500000450000009X";

    /// <summary>2026-11-30 10:00 China time.</summary>
    private static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 11, 30, 2, 0, 0, TimeSpan.Zero));

    private static Caller Institution(string organisation) => new("issuer-client", "u-1", new HashSet<string>(), Roles.Institution, organisation);

    private sealed record Held(string Number, string TypeCode, CertificateLevel Level, string Holder, DateOnly? Expiry)
    {
        public bool Active { get; set; } = true;
    }

    /// <summary>One store for all three interfaces; records the calls in order.</summary>
    private sealed class FakeStore : IImportStore, IImportBatch
    {
        public Dictionary<string, CertificateType> Types { get; } = new() { ["MOHRSS-IR-OPS"] = CertificateServiceHarness.RobotOperatorType() };
        public List<Held> Certificates { get; } = [];
        public List<string> Calls { get; } = [];
        public Dictionary<string, Certificate> Replays { get; } = [];
        public HashSet<string> ReusedRequestIds { get; } = [];
        /// <summary>Holders whose insert a concurrent writer beat: any batch inserting one is rolled back with a unique-key conflict.</summary>
        public HashSet<string> ConflictingHolders { get; } = [];
        public int Committed { get; private set; }
        private int _serial;

        public Task<CertificateType?> TypeAsync(string code, CancellationToken cancellationToken) =>
            Task.FromResult(Types.GetValueOrDefault(code));

        public IdempotencyKey KeyFor(IssueCertificateRequest issue) =>
            Guid.TryParse(issue.RequestId, out _) ? new IdempotencyKey("ImportCertificate", issue.RequestId, [], []) : throw new ValidationException("request_id", "must be a UUID");

        public async Task InBatchAsync(Func<IImportBatch, Task> write, CancellationToken cancellationToken)
        {
            var before = (Certificates.Select(c => c with { Active = c.Active }).ToList(), new Dictionary<string, Certificate>(Replays));
            await write(this);
            if (Calls.Any(c => ConflictingHolders.Any(h => c == "insert " + h)))
            {
                Certificates.Clear();
                Certificates.AddRange(before.Item1);
                Replays.Clear();
                foreach (var (k, v) in before.Item2) Replays[k] = v;
                Calls.Clear();
                throw new AlreadyExistsException("Certificate", "batch");
            }
            Calls.Clear();
            Committed++;
        }

        public Task LockCountersAsync(IReadOnlyList<(CertificateType Type, IssueCertificateRequest Request)> issues, CancellationToken cancellationToken)
        {
            Calls.Add($"lock {issues.Count}");
            return Task.CompletedTask;
        }

        public Task ExpireLapsedAsync(string typeCode, CertificateLevel level, string holderIdNumber, DateOnly today, CancellationToken cancellationToken)
        {
            Calls.Add("expire " + holderIdNumber);
            foreach (var held in Certificates.Where(c => c.Active && c.TypeCode == typeCode && c.Level == level && c.Holder == holderIdNumber && c.Expiry < today))
                held.Active = false;
            return Task.CompletedTask;
        }

        public Task<string?> ActiveNumberAsync(string typeCode, CertificateLevel level, string holderIdNumber, CancellationToken cancellationToken) =>
            Task.FromResult(Certificates.FirstOrDefault(c => c.Active && c.TypeCode == typeCode && c.Level == level && c.Holder == holderIdNumber)?.Number);

        public Task<Certificate> InsertAsync(CertificateType type, IssueCertificateRequest request, CancellationToken cancellationToken)
        {
            Calls.Add("insert " + request.HolderIdNumber);
            var number = $"{type.Code}-{++_serial:D6}";
            Certificates.Add(new Held(number, type.Code, request.Level, request.HolderIdNumber, null));
            return Task.FromResult(new Certificate { CertificateNumber = number, TypeCode = type.Code, Level = request.Level, Status = CertificateStatus.Active });
        }

        public Task<Certificate?> ReplayAsync(IdempotencyKey key, CancellationToken cancellationToken) =>
            ReusedRequestIds.Contains(key.RequestId)
                ? throw new ValidationException("request_id", "was already used for a different request; use a new request_id")
                : Task.FromResult(Replays.GetValueOrDefault(key.RequestId));

        public Task SaveReplayAsync(IdempotencyKey key, Certificate certificate, CancellationToken cancellationToken)
        {
            Replays[key.RequestId] = certificate;
            return Task.CompletedTask;
        }
    }

    private static IssueCertificateRequest Issue(string idNumber = "11010519491231002X") => CertificateServiceHarness.Issue(idNumber: idNumber);

    // ---- IssueCertificate ----

    [Fact]
    public async Task Issue_OwnType_LocksCountersBeforeTheHolderRuleThenInserts()
    {
        var store = new FakeStore();
        var certificate = await new IssueCertificate(Clock()).RunAsync(store, Institution(Owner), Issue(), CancellationToken.None);
        Assert.Equal("MOHRSS-IR-OPS-000001", certificate.CertificateNumber);
        Assert.Equal(["lock 1", "expire 11010519491231002X", "insert 11010519491231002X"], store.Calls);
    }

    [Fact]
    public async Task Issue_AnotherOrganisationsType_IsPermissionDeniedAndWritesNothing()
    {
        var store = new FakeStore();
        var error = await Assert.ThrowsAsync<PermissionDeniedException>(() =>
            new IssueCertificate(Clock()).RunAsync(store, Institution(OtherOrganisation), Issue(), CancellationToken.None));
        Assert.Equal("NOT_THE_ISSUING_ORGANISATION", error.Reason);
        Assert.Empty(store.Calls);
    }

    [Fact]
    public async Task Issue_UnknownInactiveOrWrongLevel_AreFieldViolations()
    {
        var store = new FakeStore();
        store.Types["OTHER-TYPE"] = CertificateServiceHarness.RobotOperatorType("OTHER-TYPE");
        store.Types["OTHER-TYPE"].Active = false;
        var unknown = Issue();
        unknown.TypeCode = "NO-SUCH-TYPE";
        var inactive = Issue();
        inactive.TypeCode = "OTHER-TYPE";
        var wrongLevel = Issue();
        wrongLevel.Level = CertificateLevel.XJunior;

        foreach (var (request, field) in new[] { (unknown, "type_code"), (inactive, "type_code"), (wrongLevel, "level") })
        {
            var error = await Assert.ThrowsAsync<ValidationException>(() =>
                new IssueCertificate(Clock()).RunAsync(store, Institution(Owner), request, CancellationToken.None));
            Assert.Equal(field, Assert.Single(error.Violations).Field);
        }
        Assert.Empty(store.Calls);
    }

    [Fact]
    public async Task Issue_HolderHoldsAnActiveOne_IsAlreadyExistsAndInsertsNothing()
    {
        var store = new FakeStore();
        store.Certificates.Add(new Held("MOHRSS-IR-OPS-000009", "MOHRSS-IR-OPS", CertificateLevel.National3, "11010519491231002X", new DateOnly(2027, 1, 1)));
        var error = await Assert.ThrowsAsync<AlreadyExistsException>(() =>
            new IssueCertificate(Clock()).RunAsync(store, Institution(Owner), Issue(), CancellationToken.None));
        Assert.Equal("ACTIVE_CERTIFICATE_EXISTS", error.Reason);
        Assert.DoesNotContain(store.Calls, call => call.StartsWith("insert", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Issue_HolderHoldsALapsedOne_ItIsMarkedExpiredAndANewOneIssued()
    {
        var store = new FakeStore();
        var lapsed = new Held("MOHRSS-IR-OPS-000009", "MOHRSS-IR-OPS", CertificateLevel.National3, "11010519491231002X", new DateOnly(2026, 11, 29));
        store.Certificates.Add(lapsed);
        await new IssueCertificate(Clock()).RunAsync(store, Institution(Owner), Issue(), CancellationToken.None);
        Assert.False(lapsed.Active);
        Assert.Equal(2, store.Certificates.Count);
    }

    [Fact]
    public async Task Issue_LowerCaseX_TheHolderRuleSeesTheNormalisedIdNumber()
    {
        var store = new FakeStore();
        store.Certificates.Add(new Held("MOHRSS-IR-OPS-000009", "MOHRSS-IR-OPS", CertificateLevel.National3, "11010519491231002X", null));
        await Assert.ThrowsAsync<AlreadyExistsException>(() =>
            new IssueCertificate(Clock()).RunAsync(store, Institution(Owner), Issue("11010519491231002x"), CancellationToken.None));
    }

    // ---- ImportCertificates ----

    private static ImportCertificatesRequest Item(string idNumber, string? requestId = null, string reference = "") => new()
    {
        RequestId = requestId ?? Guid.NewGuid().ToString(),
        ClientReference = reference,
        TypeCode = "MOHRSS-IR-OPS",
        Level = CertificateLevel.National3,
        LearnerId = "L0001",
        HolderName = "张三",
        HolderIdNumber = idNumber,
        IssuingOrganisation = "重庆工业职业技术学院",
        IssueDate = new DateOnly(2025, 6, 30).ToProtoDate(),
    };

    private static async Task<List<ImportCertificatesBatchAck>> ImportAsync(FakeStore store, IEnumerable<ImportCertificatesRequest> items,
        string organisation, int batchSize = 500, FakeTimeProvider? clock = null)
    {
        var queue = new Queue<ImportCertificatesRequest>(items);
        var acks = new List<ImportCertificatesBatchAck>();
        await new ImportCertificates(new ImportOptions { BatchSize = batchSize }, clock ?? Clock()).RunAsync(store,
            _ => Task.FromResult<IReadOnlyList<ImportCertificatesRequest>?>(queue.Count > 0 ? [queue.Dequeue()] : null),
            Institution(organisation),
            ack =>
            {
                acks.Add(ack);
                return Task.CompletedTask;
            },
            CancellationToken.None);
        return acks;
    }

    private static readonly string[] Holders = [.. Enumerable.Range(0, 4).Select(Data.CertificateSampleData.SyntheticIdNumber)];

    [Fact]
    public async Task Import_ValidAndInvalidItems_EachGetsItsOutcomeInBatchesWithRunningCounts()
    {
        var store = new FakeStore();
        var bad = Item("not-an-id-number");
        var acks = await ImportAsync(store, [Item(Holders[0]), bad, Item(Holders[1])], Owner, batchSize: 2);

        Assert.Equal([1L, 2L], acks.Select(a => a.BatchSequence));
        Assert.Equal([2L, 3L], acks.Select(a => a.AcknowledgedCount));
        var results = acks.SelectMany(a => a.Items).Select(i => i.Result).ToList();
        Assert.Equal([ImportOutcome.Created, ImportOutcome.Invalid, ImportOutcome.Created], results.Select(r => r.Outcome));
        Assert.Contains(results[1].Violations, v => v.Field == "holder_id_number");
        Assert.Equal(2, store.Committed);
    }

    [Fact]
    public async Task Import_SameHolderTwiceInOneBatch_TheSecondIsADuplicateOfTheFirst()
    {
        var store = new FakeStore();
        var acks = await ImportAsync(store, [Item(Holders[0]), Item(Holders[0])], Owner);
        var results = acks.Single().Items.Select(i => i.Result).ToList();
        Assert.Equal(ImportOutcome.Created, results[0].Outcome);
        Assert.Equal(ImportOutcome.Duplicate, results[1].Outcome);
        Assert.Equal(results[0].CertificateNumber, results[1].CertificateNumber);
        Assert.Single(store.Certificates);
    }

    [Fact]
    public async Task Import_HolderWithALapsedCertificate_IsCreatedLikeAnIssuance()
    {
        var store = new FakeStore();
        store.Certificates.Add(new Held("MOHRSS-IR-OPS-000009", "MOHRSS-IR-OPS", CertificateLevel.National3, Holders[0], new DateOnly(2026, 11, 1)));
        store.Certificates.Add(new Held("MOHRSS-IR-OPS-000010", "MOHRSS-IR-OPS", CertificateLevel.National3, Holders[1], null));
        var results = (await ImportAsync(store, [Item(Holders[0]), Item(Holders[1])], Owner)).Single().Items.Select(i => i.Result).ToList();
        Assert.Equal(ImportOutcome.Created, results[0].Outcome);
        Assert.Equal((ImportOutcome.Duplicate, "MOHRSS-IR-OPS-000010"), (results[1].Outcome, results[1].CertificateNumber));
    }

    [Fact]
    public async Task Import_ReSentItem_IsADuplicateWithTheStoredNumber_AndAReusedRequestIdFailsThatItemAlone()
    {
        var store = new FakeStore();
        var resent = Guid.NewGuid().ToString();
        var reused = Guid.NewGuid().ToString();
        store.Replays[resent] = new Certificate { CertificateNumber = "MOHRSS-IR-OPS-000042" };
        store.ReusedRequestIds.Add(reused);
        var results = (await ImportAsync(store, [Item(Holders[0], resent), Item(Holders[1], reused), Item(Holders[2])], Owner))
            .Single().Items.Select(i => i.Result).ToList();
        Assert.Equal((ImportOutcome.Duplicate, "MOHRSS-IR-OPS-000042"), (results[0].Outcome, results[0].CertificateNumber));
        Assert.Equal(ImportOutcome.Invalid, results[1].Outcome);
        Assert.Equal("request_id", Assert.Single(results[1].Violations).Field);
        Assert.Equal(ImportOutcome.Created, results[2].Outcome);
    }

    [Fact]
    public async Task Import_AnotherOrganisationsType_IsInvalidOnTypeCodeAndNothingIsWritten()
    {
        var store = new FakeStore();
        var result = (await ImportAsync(store, [Item(Holders[0])], OtherOrganisation)).Single().Items.Single().Result;
        Assert.Equal(ImportOutcome.Invalid, result.Outcome);
        Assert.Contains(result.Violations, v => v.Field == "type_code" && v.Description.Contains("does not own", StringComparison.Ordinal));
        Assert.Empty(store.Certificates);
    }

    [Fact]
    public async Task Import_BatchHitsAUniqueKeyConflict_ItIsRedoneItemByItemAndOnlyTheCollidingItemIsADuplicate()
    {
        var store = new FakeStore();
        store.ConflictingHolders.Add(Holders[1]);
        var results = (await ImportAsync(store, [Item(Holders[0]), Item(Holders[1]), Item(Holders[2])], Owner)).Single().Items.Select(i => i.Result).ToList();
        Assert.Equal([ImportOutcome.Created, ImportOutcome.Duplicate, ImportOutcome.Created], results.Select(r => r.Outcome));
        Assert.Equal(string.Empty, results[1].CertificateNumber);
        Assert.Equal(2, store.Certificates.Count);
    }

    /// <summary>The fake store, with the first batch's commit held until <see cref="OpenFirst"/> (and then failing, if asked).</summary>
    private sealed class GatedStore(FakeStore inner, bool failFirst) : IImportStore
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _batches;

        public void OpenFirst() => _gate.SetResult();

        public Task<CertificateType?> TypeAsync(string code, CancellationToken cancellationToken) => inner.TypeAsync(code, cancellationToken);

        public IdempotencyKey KeyFor(IssueCertificateRequest issue) => inner.KeyFor(issue);

        public async Task InBatchAsync(Func<IImportBatch, Task> write, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _batches) == 1)
            {
                await _gate.Task;
                if (failFirst) throw new InvalidOperationException("the database went away");
            }
            await inner.InBatchAsync(write, cancellationToken);
        }
    }

    private static (Task Import, List<ImportCertificatesBatchAck> Acks, Func<int> Read, Task FourRead) StartGated(GatedStore store, int items)
    {
        var queue = new Queue<ImportCertificatesRequest>(Enumerable.Range(0, items).Select(i => Item(Data.CertificateSampleData.SyntheticIdNumber(10 + i))));
        var acks = new List<ImportCertificatesBatchAck>();
        var read = 0;
        var fourRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var import = new ImportCertificates(new ImportOptions { BatchSize = 2 }, Clock()).RunAsync(store,
            _ =>
            {
                if (queue.Count == 0) return Task.FromResult<IReadOnlyList<ImportCertificatesRequest>?>(null);
                if (Interlocked.Increment(ref read) == 4) fourRead.SetResult();
                return Task.FromResult<IReadOnlyList<ImportCertificatesRequest>?>([queue.Dequeue()]);
            },
            Institution(Owner),
            ack =>
            {
                lock (acks) acks.Add(ack);
                return Task.CompletedTask;
            },
            CancellationToken.None);
        return (import, acks, () => Volatile.Read(ref read), fourRead.Task);
    }

    [Fact]
    public async Task Import_NextBatchIsReadWhileOneCommits_ButNoFurther_AndAcksStayInOrder()
    {
        var inner = new FakeStore();
        var store = new GatedStore(inner, failFirst: false);
        var (import, acks, read, fourRead) = StartGated(store, 6);

        // The first batch (2 items) is committing; the second one (2 more) was read and validated meanwhile; the third
        // is not read until the first has committed (at most two batches held).
        await fourRead.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4, read());
        Assert.Empty(acks);
        Assert.Equal(0, inner.Committed);

        store.OpenFirst();
        await import.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1L, 2L, 3L], acks.Select(a => a.BatchSequence));
        Assert.Equal([2L, 4L, 6L], acks.Select(a => a.AcknowledgedCount));
        Assert.Equal([0L, 1L, 2L, 3L, 4L, 5L], acks.SelectMany(a => a.Items).Select(i => i.Index));
        Assert.All(acks.SelectMany(a => a.Items), i => Assert.Equal(ImportOutcome.Created, i.Result.Outcome));
        Assert.Equal(3, inner.Committed);
    }

    [Fact]
    public async Task Import_CommitFailsWhileTheNextBatchIsRead_TheCallFailsAndNothingAfterItIsCommittedOrAcknowledged()
    {
        var inner = new FakeStore();
        var store = new GatedStore(inner, failFirst: true);
        var (import, acks, _, fourRead) = StartGated(store, 6);
        await fourRead.WaitAsync(TimeSpan.FromSeconds(30));

        store.OpenFirst();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => import.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("the database went away", error.Message);
        Assert.Empty(acks);
        Assert.Equal(0, inner.Committed);
        Assert.Empty(inner.Certificates);
    }

    [Fact]
    public async Task Import_TooManyItems_CommitsAndAcknowledgesTheFirstThenFails()
    {
        var store = new FakeStore();
        var queue = new Queue<ImportCertificatesRequest>([Item(Holders[0]), Item(Holders[1]), Item(Holders[2])]);
        var acks = new List<ImportCertificatesBatchAck>();
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            new ImportCertificates(new ImportOptions { MaxItemsPerStream = 2 }, Clock()).RunAsync(store,
                _ => Task.FromResult<IReadOnlyList<ImportCertificatesRequest>?>(queue.Count > 0 ? [queue.Dequeue()] : null), Institution(Owner),
                ack =>
                {
                    acks.Add(ack);
                    return Task.CompletedTask;
                }, CancellationToken.None));
        Assert.Equal("IMPORT_TOO_MANY_ITEMS", error.Reason);
        Assert.Equal(2L, Assert.Single(acks).AcknowledgedCount);
        Assert.Equal(2, store.Certificates.Count);
    }

    [Fact]
    public async Task Import_StreamFallsSilent_ReceivedItemsAreCommittedThenItEndsAborted()
    {
        var store = new FakeStore();
        var clock = Clock();
        var sent = false;
        var acks = new List<ImportCertificatesBatchAck>();
        var import = new ImportCertificates(new ImportOptions { IdleTimeout = TimeSpan.FromSeconds(60) }, clock).RunAsync(store,
            async token =>
            {
                if (!sent)
                {
                    sent = true;
                    return [Item(Holders[0])];
                }
                await Task.Delay(Timeout.InfiniteTimeSpan, token); // the client sends nothing more
                return null;
            }, Institution(Owner),
            ack =>
            {
                acks.Add(ack);
                return Task.CompletedTask;
            }, CancellationToken.None);
        while (!import.IsCompleted)
        {
            clock.Advance(TimeSpan.FromSeconds(61));
            await Task.Yield();
        }
        var error = await Assert.ThrowsAsync<AbortedException>(() => import);
        Assert.Equal("IMPORT_STREAM_IDLE", error.Reason);
        Assert.Equal(1L, Assert.Single(acks).AcknowledgedCount);
        Assert.Single(store.Certificates);
    }
}
