using ChongqingVet.Certificates.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;
using ChongqingVet.Domain.Time;
using CertificateLevel = ChongqingVet.Common.V1.CertificateLevel;

namespace ChongqingVet.Certificates.Domain;

/// <summary>What the import reads outside its batches, and how it runs one batch (<c>CertificateStores.Import</c>; unit tests supply a fake).</summary>
public interface IImportStore
{
    /// <summary>A certificate type, read outside any batch (the import caches it per stream).</summary>
    Task<CertificateType?> TypeAsync(string code, CancellationToken cancellationToken);

    /// <summary>The item's idempotency key; ValidationException (request_id) when the request_id is not a UUID.</summary>
    IdempotencyKey KeyFor(IssueCertificateRequest issue);

    /// <summary>
    /// The valid item's holder as it will be stored, computed before its batch's transaction (while the previous batch
    /// commits); null: the batch computes it.
    /// </summary>
    ProtectedHolder? Protect(IssueCertificateRequest issue) => null;

    /// <summary>
    /// Runs <paramref name="write"/> in one transaction and commits it. When a unique index refuses a row (a concurrent
    /// writer took a key the batch wanted) the transaction is rolled back and <see cref="AlreadyExistsException"/> thrown.
    /// </summary>
    Task InBatchAsync(Func<IImportBatch, Task> write, CancellationToken cancellationToken);
}

/// <summary>One issuance of an import batch: its type, its request and its holder as stored (null: computed by the batch).</summary>
public readonly record struct ImportIssue(CertificateType Type, IssueCertificateRequest Request, ProtectedHolder? Holder);

/// <summary>What an earlier write stored for one import item: its certificate, or that its request_id was used for other content.</summary>
public readonly record struct ImportReplay(Certificate? Certificate, IReadOnlyList<FieldViolation>? Reused);

/// <summary>
/// One import batch's transaction: issuance plus the items' stored responses. The batch methods have per-item
/// defaults (built on the per-item ones); the database store answers each of them with a few statements per batch.
/// </summary>
public interface IImportBatch : IIssuanceStore
{
    /// <summary>The certificate an earlier import of this item created; ValidationException (request_id) when the key was used for other content.</summary>
    Task<Certificate?> ReplayAsync(IdempotencyKey key, CancellationToken cancellationToken);

    Task SaveReplayAsync(IdempotencyKey key, Certificate certificate, CancellationToken cancellationToken);

    /// <summary><see cref="ReplayAsync"/> for every key, answers in key order (a reused request_id is reported, not thrown).</summary>
    async Task<IReadOnlyList<ImportReplay>> ReplaysAsync(IReadOnlyList<IdempotencyKey> keys, CancellationToken cancellationToken)
    {
        var replays = new ImportReplay[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            try
            {
                replays[i] = new ImportReplay(await ReplayAsync(keys[i], cancellationToken), null);
            }
            catch (ValidationException reused)
            {
                replays[i] = new ImportReplay(null, reused.Violations);
            }
        }
        return replays;
    }

    /// <summary>
    /// <see cref="IssueCertificate.HeldActiveAsync"/> for every issuance (lapsed certificates of the holders are marked
    /// EXPIRED): the number of the active certificate each holder already holds of the type and level, in order.
    /// </summary>
    async Task<IReadOnlyList<string?>> HeldActiveAsync(IReadOnlyList<ImportIssue> issues, DateOnly today,
        CancellationToken cancellationToken)
    {
        var held = new string?[issues.Count];
        for (var i = 0; i < issues.Count; i++) held[i] = await IssueCertificate.HeldActiveAsync(this, issues[i].Type, issues[i].Request, today, cancellationToken);
        return held;
    }

    /// <summary>
    /// Stores the certificates (after <see cref="IIssuanceStore.LockCountersAsync"/>), numbered in order: the numbers of
    /// one prefix are consecutive unless a number was taken outside the counter. Returns them in order.
    /// </summary>
    async Task<IReadOnlyList<Certificate>> InsertManyAsync(IReadOnlyList<ImportIssue> issues,
        CancellationToken cancellationToken)
    {
        var inserted = new Certificate[issues.Count];
        for (var i = 0; i < issues.Count; i++) inserted[i] = await InsertAsync(issues[i].Type, issues[i].Request, cancellationToken);
        return inserted;
    }

    /// <summary><see cref="SaveReplayAsync"/> for every created item.</summary>
    async Task SaveReplaysAsync(IReadOnlyList<(IdempotencyKey Key, Certificate Certificate)> replays, CancellationToken cancellationToken)
    {
        foreach (var (key, certificate) in replays) await SaveReplayAsync(key, certificate, cancellationToken);
    }
}

/// <summary>
/// Bulk import for systems migrating existing records: items are validated one by one and committed in batches
/// (<see cref="ImportOptions.BatchSize"/>) inside transactions. Each item gets its own result; invalid items never stop
/// valid ones; a re-sent item (same request_id, same content) or a holder who already holds an active certificate of
/// that type and level (<see cref="IssueCertificate.HeldActiveAsync"/>) is a DUPLICATE; a request_id already used for
/// other content is INVALID on that item alone. After each committed batch the caller's acknowledge callback gets the
/// batch's outcomes (the streaming RPC sends them at once; the older RPC collects them into one response). While one
/// batch commits, the next one is read and validated (the stream and the database work overlap); batches still commit
/// and are acknowledged one at a time, in order. Memory stays flat for the streaming RPC: at most two batches and one
/// message are held.
/// <para>
/// Limits: at most <see cref="ImportOptions.MaxItemsPerStream"/> items (the next one ends the call with
/// INVALID_ARGUMENT after the committed batches were acknowledged); a stream that sends nothing for
/// <see cref="ImportOptions.IdleTimeout"/> (on the injected <see cref="TimeProvider"/>) is ended with ABORTED after the
/// items received were committed and acknowledged. The item source reports a read cut short by the idle timeout as
/// <see cref="OperationCanceledException"/> (or <see cref="IOException"/>).
/// </para>
/// </summary>
public sealed class ImportCertificates(ImportOptions options, TimeProvider clock)
{
    /// <summary>Longest request_id echoed back (a UUID has 36 characters; longer ones are invalid anyway).</summary>
    private const int MaxEchoedRequestIdLength = 36;

    /// <summary>One valid item waiting in the batch; <see cref="Result"/> is the result object the ack carries.</summary>
    private sealed record Pending(IssueCertificateRequest Issue, CertificateType Type, IdempotencyKey Key, ImportItemResult Result, ProtectedHolder? Holder)
    {
        public ImportIssue ToIssue() => new(Type, Issue, Holder);
    }

    /// <summary>
    /// Imports every item of every message <paramref name="next"/> yields (one message's items, in stream order; null:
    /// the stream ended), acknowledging each committed batch. Each item counts alone (index, limits, result), whatever
    /// message it came in.
    /// </summary>
    public async Task RunAsync(
        IImportStore store,
        Func<CancellationToken, Task<IReadOnlyList<ImportCertificatesRequest>?>> next,
        Caller caller,
        Func<ImportCertificatesBatchAck, Task> acknowledge,
        CancellationToken cancellationToken)
    {
        var batchSize = options.EffectiveBatchSize;
        var typeCache = new Dictionary<string, CertificateType?>(StringComparer.Ordinal);
        var batch = new List<Pending>(batchSize);
        var ack = new ImportCertificatesBatchAck();
        long index = 0, acknowledged = 0, sequence = 0;
        // The batch being committed while the next one is read and validated (null: none). At most two batches are
        // held, whatever the stream's length; batches commit and are acknowledged one after another, in order.
        Task? committing = null;
        try
        {
            await ReadAllAsync();
        }
        catch when (committing is not null)
        {
            // The stream or a validation failed while a batch was committing: let it finish (or fail) before the call
            // ends, so nothing writes to the database or the response stream after RunAsync returned.
            try
            {
                await committing;
            }
            catch (Exception)
            {
                // The first failure is the one reported.
            }
            throw;
        }

        async Task ReadAllAsync()
        {
            while (true)
            {
                var (items, idle) = await ReadAsync(next, cancellationToken);
                if (idle)
                {
                    await DrainAsync();
                    throw new AbortedException("IMPORT_STREAM_IDLE",
                        $"The import stream sent nothing for {options.IdleTimeout.TotalSeconds:0} s (Import:IdleTimeout); " +
                        $"the {acknowledged} items received were imported and acknowledged. Re-send the rest in a new stream.");
                }
                if (items is null) break;
                foreach (var item in items) await AddAsync(item);
            }
            await DrainAsync();
        }

        // One item: validated into the batch (or answered INVALID); a full batch goes to the committer.
        async Task AddAsync(ImportCertificatesRequest item)
        {
            if (index >= options.MaxItemsPerStream)
            {
                await DrainAsync();
                throw new ValidationException([new FieldViolation("request_stream",
                    $"has more than {options.MaxItemsPerStream} items (Import:MaxItemsPerStream); the first {acknowledged} were imported " +
                    "and acknowledged; send the rest in a new stream")], "IMPORT_TOO_MANY_ITEMS");
            }

            var result = new ImportItemResult
            {
                ClientReference = item.ClientReference.Length <= options.MaxClientReferenceLength ? item.ClientReference : string.Empty,
            };
            ack.Items.Add(new ImportItemAck
            {
                Index = index++,
                RequestId = item.RequestId.Length <= MaxEchoedRequestIdLength ? item.RequestId : string.Empty,
                Result = result,
            });
            var pending = await ValidateAsync(store, item, caller, typeCache, result, cancellationToken);
            if (pending is not null) batch.Add(pending);
            if (ack.Items.Count >= batchSize) await FlushAsync();
        }

        // Hands the full batch to the committer (after the previous one was committed and acknowledged) and starts a new one.
        async Task FlushAsync()
        {
            if (ack.Items.Count == 0) return;
            var (full, fullAck) = (batch, ack);
            batch = new List<Pending>(batchSize);
            ack = new ImportCertificatesBatchAck();
            if (committing is not null) await committing;
            committing = CommitAndAcknowledgeAsync(full, fullAck);
        }

        // Every item received is committed and acknowledged.
        async Task DrainAsync()
        {
            await FlushAsync();
            if (committing is not null) await committing;
            committing = null;
        }

        async Task CommitAndAcknowledgeAsync(List<Pending> full, ImportCertificatesBatchAck fullAck)
        {
            await CommitAsync(store, full, cancellationToken);
            acknowledged += fullAck.Items.Count;
            fullAck.BatchSequence = ++sequence;
            fullAck.AcknowledgedCount = acknowledged;
            await acknowledge(fullAck);
        }
    }

    /// <summary>The next message's items, null at the end of the stream, or idle = true when none came within the idle timeout.</summary>
    private async Task<(IReadOnlyList<ImportCertificatesRequest>? Items, bool Idle)> ReadAsync(
        Func<CancellationToken, Task<IReadOnlyList<ImportCertificatesRequest>?>> next, CancellationToken cancellationToken)
    {
        using var idle = new CancellationTokenSource(options.IdleTimeout, clock);
        using var read = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        try
        {
            return (await next(read.Token), false);
        }
        catch (Exception exception) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                                          && exception is OperationCanceledException or IOException)
        {
            return (null, true);
        }
    }

    /// <summary>The per-item checks: client_reference, the issuance's rules (<see cref="IssueCertificate.CheckAsync"/>), its request_id.</summary>
    private async Task<Pending?> ValidateAsync(IImportStore store,
        ImportCertificatesRequest item, Caller caller, Dictionary<string, CertificateType?> typeCache, ImportItemResult result, CancellationToken cancellationToken)
    {
        var issue = new IssueCertificateRequest
        {
            RequestId = item.RequestId,
            TypeCode = item.TypeCode,
            Level = item.Level,
            LearnerId = item.LearnerId,
            HolderName = item.HolderName,
            HolderIdNumber = item.HolderIdNumber,
            IssuingOrganisation = item.IssuingOrganisation,
            IssueDate = item.IssueDate,
        };
        var violations = new Violations();
        violations.Check(item.ClientReference.Length <= options.MaxClientReferenceLength, "client_reference",
            $"must be at most {options.MaxClientReferenceLength} characters");
        var type = await IssueCertificate.CheckAsync(issue, caller, ChinaTime.Today(clock), async code =>
        {
            if (!typeCache.TryGetValue(code, out var cached)) typeCache[code] = cached = await store.TypeAsync(code, cancellationToken);
            return cached;
        }, violations, foreignTypeIsViolation: true);
        IdempotencyKey? key = null;
        try
        {
            key = store.KeyFor(issue);
        }
        catch (ValidationException invalid)
        {
            violations.Add("request_id", invalid.Violations[0].Description);
        }
        if (!violations.Any) return new Pending(issue, type!, key!, result, store.Protect(issue));

        SetInvalid(result, violations.Items);
        return null;
    }

    /// <summary>Commits the batch, filling in each item's result.</summary>
    private async Task CommitAsync(IImportStore store, List<Pending> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        try
        {
            await WriteAsync(store, batch, cancellationToken);
        }
        catch (AlreadyExistsException)
        {
            // A concurrent writer took a key this batch wanted; the batch was rolled back. Redo it item by item,
            // so only the colliding items become duplicates.
            foreach (var entry in batch)
            {
                try
                {
                    await WriteAsync(store, [entry], cancellationToken);
                }
                catch (AlreadyExistsException)
                {
                    SetOutcome(entry.Result, ImportOutcome.Duplicate, string.Empty);
                }
            }
        }
    }

    /// <summary>
    /// One batch in one transaction, in a fixed number of statements (not per item): lock the counters, look up every
    /// item's stored response, apply the active-holder rule to the items left, then number and insert the new
    /// certificates and store their responses. Outcomes are as if the items were written one by one in order: an item
    /// whose request_id or holder an earlier item of the batch created is a DUPLICATE of that certificate (or INVALID
    /// when the request_id came with other content).
    /// </summary>
    private Task WriteAsync(IImportStore store, IReadOnlyList<Pending> batch, CancellationToken cancellationToken) =>
        store.InBatchAsync(async writes =>
        {
            var today = ChinaTime.Today(clock);
            // Every counter row the batch may need, locked up front in one fixed order: two imports cannot deadlock.
            await writes.LockCountersAsync(batch.Select(p => (p.Type, p.Issue)).ToList(), cancellationToken);
            var replays = await writes.ReplaysAsync(batch.Select(p => p.Key).ToList(), cancellationToken);
            var open = Enumerable.Range(0, batch.Count).Where(i => replays[i] is { Certificate: null, Reused: null }).ToList();
            var held = await writes.HeldActiveAsync(open.Select(i => batch[i].ToIssue()).ToList(), today, cancellationToken);
            var heldByItem = new Dictionary<int, string?>(open.Count);
            for (var o = 0; o < open.Count; o++) heldByItem[open[o]] = held[o];

            var creates = new List<int>();
            var createdHolder = new Dictionary<(string, CertificateLevel, string), int>();
            var createdRequest = new Dictionary<string, int>(StringComparer.Ordinal);
            var duplicateOf = new List<(int Item, int Creator)>();
            for (var i = 0; i < batch.Count; i++)
            {
                var (issue, type, key, result, _) = batch[i];
                if (replays[i].Reused is { } reused)
                {
                    // The request_id was used for other content: this item fails alone; the stream and batch go on.
                    SetInvalid(result, reused);
                    continue;
                }
                if (replays[i].Certificate is { } replay)
                {
                    SetOutcome(result, ImportOutcome.Duplicate, replay.CertificateNumber);
                    continue;
                }
                if (createdRequest.TryGetValue(key.RequestId, out var sameRequest))
                {
                    // An earlier item of this batch stored a response under this request_id.
                    if (batch[sameRequest].Key.RequestHash.AsSpan().SequenceEqual(key.RequestHash)) duplicateOf.Add((i, sameRequest));
                    else SetInvalid(result, [new FieldViolation("request_id", "was already used for a different request; use a new request_id")]);
                    continue;
                }
                var holder = (type.Code, issue.Level, NationalIdNumber.Normalize(issue.HolderIdNumber));
                if (createdHolder.TryGetValue(holder, out var sameHolder))
                {
                    duplicateOf.Add((i, sameHolder));
                    continue;
                }
                if (heldByItem[i] is { } existing)
                {
                    SetOutcome(result, ImportOutcome.Duplicate, existing);
                    continue;
                }
                creates.Add(i);
                createdHolder[holder] = i;
                createdRequest[key.RequestId] = i;
            }

            var certificates = await writes.InsertManyAsync(creates.Select(i => batch[i].ToIssue()).ToList(), cancellationToken);
            await writes.SaveReplaysAsync(creates.Select((i, n) => (batch[i].Key, certificates[n])).ToList(), cancellationToken);
            var numbers = new Dictionary<int, string>(creates.Count);
            for (var n = 0; n < creates.Count; n++)
            {
                numbers[creates[n]] = certificates[n].CertificateNumber;
                SetOutcome(batch[creates[n]].Result, ImportOutcome.Created, certificates[n].CertificateNumber);
            }
            foreach (var (item, creator) in duplicateOf) SetOutcome(batch[item].Result, ImportOutcome.Duplicate, numbers[creator]);
        }, cancellationToken);

    private static void SetOutcome(ImportItemResult result, ImportOutcome outcome, string certificateNumber)
    {
        result.Outcome = outcome;
        result.CertificateNumber = certificateNumber;
        result.Violations.Clear();
    }

    private static void SetInvalid(ImportItemResult result, IEnumerable<FieldViolation> violations)
    {
        SetOutcome(result, ImportOutcome.Invalid, string.Empty);
        result.Violations.AddRange(violations.Select(v => new ChongqingVet.Common.V1.FieldViolation { Field = v.Field, Description = v.Description }));
    }
}
