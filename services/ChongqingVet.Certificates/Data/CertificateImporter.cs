using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;
using ChongqingVet.Domain.Time;

namespace ChongqingVet.Certificates.Data;

/// <summary>
/// Bulk import for systems migrating existing records: items are validated one by one and committed in batches
/// (<see cref="ImportOptions.BatchSize"/>) inside transactions. Each item gets its own result; invalid items never stop
/// valid ones; a re-sent item (same request_id, same content) or a holder who already holds an active certificate of
/// that type and level is a DUPLICATE; a request_id already used for other content is INVALID on that item alone.
/// After each committed batch the caller's acknowledge callback gets the batch's outcomes (the streaming RPC sends
/// them at once; the older RPC collects them into one response). Memory stays flat for the streaming RPC: only one
/// batch is held.
/// <para>
/// Limits: at most <see cref="ImportOptions.MaxItemsPerStream"/> items (the next one ends the call with
/// INVALID_ARGUMENT after the committed batches were acknowledged); a stream that sends nothing for
/// <see cref="ImportOptions.IdleTimeout"/> (on the injected <see cref="TimeProvider"/>) is ended with ABORTED after the
/// items received were committed and acknowledged.
/// </para>
/// </summary>
public sealed class CertificateImporter(
    IDbConnectionFactory database,
    CertificateTypeRepository types,
    CertificateRepository certificates,
    IdempotencyStore idempotency,
    ImportOptions options,
    TimeProvider clock)
{
    private const string Operation = "ImportCertificate";

    /// <summary>Longest request_id echoed back (a UUID has 36 characters; longer ones are invalid anyway).</summary>
    private const int MaxEchoedRequestIdLength = 36;

    /// <summary>One valid item waiting in the batch; <see cref="Result"/> is the result object the ack carries.</summary>
    private sealed record Pending(IssueCertificateRequest Issue, CertificateType Type, IdempotencyKey Key, ImportItemResult Result);

    /// <summary>
    /// Imports every item <paramref name="next"/> yields (null: the stream ended), acknowledging each committed batch.
    /// </summary>
    public async Task ImportAsync(
        Func<CancellationToken, Task<ImportCertificatesRequest?>> next,
        Caller caller,
        Func<ImportCertificatesBatchAck, Task> acknowledge,
        CancellationToken cancellationToken)
    {
        var batchSize = options.EffectiveBatchSize;
        var typeCache = new Dictionary<string, CertificateType?>(StringComparer.Ordinal);
        var batch = new List<Pending>(batchSize);
        var ack = new ImportCertificatesBatchAck();
        long index = 0, acknowledged = 0, sequence = 0;

        while (true)
        {
            var (item, idle) = await ReadAsync(next, cancellationToken);
            if (idle)
            {
                await FlushAsync();
                throw new AbortedException("IMPORT_STREAM_IDLE",
                    $"The import stream sent nothing for {options.IdleTimeout.TotalSeconds:0} s (Import:IdleTimeout); " +
                    $"the {acknowledged} items received were imported and acknowledged. Re-send the rest in a new stream.");
            }
            if (item is null) break;
            if (index >= options.MaxItemsPerStream)
            {
                await FlushAsync();
                throw new ValidationException([new ChongqingVet.Domain.Errors.FieldViolation("request_stream",
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
            var pending = await ValidateAsync(item, caller, typeCache, result, cancellationToken);
            if (pending is not null) batch.Add(pending);
            if (ack.Items.Count >= batchSize) await FlushAsync();
        }
        await FlushAsync();

        async Task FlushAsync()
        {
            if (ack.Items.Count == 0) return;
            await CommitAsync(batch, cancellationToken);
            batch.Clear();
            acknowledged += ack.Items.Count;
            ack.BatchSequence = ++sequence;
            ack.AcknowledgedCount = acknowledged;
            await acknowledge(ack);
            ack = new ImportCertificatesBatchAck();
        }
    }

    /// <summary>The next item, null at the end of the stream, or idle = true when none came within the idle timeout.</summary>
    private async Task<(ImportCertificatesRequest? Item, bool Idle)> ReadAsync(
        Func<CancellationToken, Task<ImportCertificatesRequest?>> next, CancellationToken cancellationToken)
    {
        using var idle = new CancellationTokenSource(options.IdleTimeout, clock);
        using var read = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        try
        {
            return (await next(read.Token), false);
        }
        catch (Exception exception) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                                          && exception is OperationCanceledException or global::Grpc.Core.RpcException or IOException)
        {
            return (null, true);
        }
    }

    private async Task<Pending?> ValidateAsync(
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
        CertificateRules.ValidateIssue(issue, ChinaTime.Today(clock), violations);
        CertificateType? type = null;
        if (SkillCode.IsValid(item.TypeCode))
        {
            if (!typeCache.TryGetValue(item.TypeCode, out type))
                typeCache[item.TypeCode] = type = await types.GetAsync(item.TypeCode, cancellationToken);
            CertificateRules.CheckAgainstType(type, item.Level, violations);
            if (type is not null && !IssuerAuthority.Owns(caller, type))
                violations.Add("type_code", "your organisation does not own this certificate type");
        }
        IdempotencyKey? key = null;
        try
        {
            key = idempotency.CreateKey(Operation, item.RequestId, issue);
        }
        catch (ValidationException invalid)
        {
            violations.Add("request_id", invalid.Violations[0].Description);
        }
        if (!violations.Any) return new Pending(issue, type!, key!, result);

        SetInvalid(result, violations.Items);
        return null;
    }

    /// <summary>Commits the batch, filling in each item's result.</summary>
    private async Task CommitAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        try
        {
            await WriteAsync(batch, cancellationToken);
        }
        catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception) || exception is AlreadyExistsException)
        {
            // A concurrent writer took a key this batch wanted; the batch was rolled back. Redo it item by item,
            // so only the colliding items become duplicates.
            foreach (var entry in batch)
            {
                try
                {
                    await WriteAsync([entry], cancellationToken);
                }
                catch (Exception single) when (database.Dialect.IsUniqueViolation(single) || single is AlreadyExistsException)
                {
                    SetOutcome(entry.Result, ImportOutcome.Duplicate, string.Empty);
                }
            }
        }
    }

    private async Task WriteAsync(IReadOnlyList<Pending> batch, CancellationToken cancellationToken)
    {
        var heldInBatch = new Dictionary<(string, CertificateLevel, string), string>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Every counter row the batch may need, locked up front in one fixed order: two imports cannot deadlock.
        await certificates.LockCountersAsync(connection, transaction, batch.Select(p => (p.Type, p.Issue)).ToList(), cancellationToken);
        foreach (var (issue, type, key, result) in batch)
        {
            var holder = (type.Code, issue.Level, NationalIdNumber.Normalize(issue.HolderIdNumber));
            Certificate? replay;
            try
            {
                replay = await IdempotencyStore.FindAsync<Certificate>(connection, transaction, key, cancellationToken);
            }
            catch (ValidationException reused)
            {
                // The request_id was used for other content: this item fails alone; the stream and batch go on.
                SetInvalid(result, reused.Violations);
                continue;
            }
            var existing = replay?.CertificateNumber
                           ?? (heldInBatch.TryGetValue(holder, out var inBatch) ? inBatch : null)
                           ?? await certificates.FindActiveAsync(connection, transaction, type.Code, issue.Level, issue.HolderIdNumber, cancellationToken);
            if (existing is not null)
            {
                SetOutcome(result, ImportOutcome.Duplicate, existing);
                continue;
            }
            var certificate = await certificates.IssueAsync(connection, transaction, type, issue, cancellationToken);
            await idempotency.SaveAsync(connection, transaction, key, certificate, cancellationToken);
            heldInBatch[holder] = certificate.CertificateNumber;
            SetOutcome(result, ImportOutcome.Created, certificate.CertificateNumber);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static void SetOutcome(ImportItemResult result, ImportOutcome outcome, string certificateNumber)
    {
        result.Outcome = outcome;
        result.CertificateNumber = certificateNumber;
        result.Violations.Clear();
    }

    private static void SetInvalid(ImportItemResult result, IEnumerable<ChongqingVet.Domain.Errors.FieldViolation> violations)
    {
        SetOutcome(result, ImportOutcome.Invalid, string.Empty);
        result.Violations.AddRange(violations.Select(v => new ChongqingVet.Common.V1.FieldViolation { Field = v.Field, Description = v.Description }));
    }
}
