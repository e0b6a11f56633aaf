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
/// (Import:BatchSize, default 500) inside transactions. Each item gets its own result; invalid items never stop
/// valid ones; a re-sent item (same request_id) or a holder who already holds an active certificate of that type
/// and level is a DUPLICATE. Memory stays flat: only one batch and the per-item results are held.
/// </summary>
public sealed class CertificateImporter(
    IDbConnectionFactory database,
    CertificateTypeRepository types,
    CertificateRepository certificates,
    IdempotencyStore idempotency,
    IConfiguration configuration,
    TimeProvider clock)
{
    private const string Operation = "ImportCertificate";

    public async Task<ImportCertificatesResponse> ImportAsync(IAsyncEnumerable<ImportCertificatesRequest> items, Caller caller, CancellationToken cancellationToken)
    {
        var batchSize = Math.Clamp(configuration.GetValue("Import:BatchSize", 500), 1, 5000);
        var response = new ImportCertificatesResponse();
        var typeCache = new Dictionary<string, CertificateType?>(StringComparer.Ordinal);
        var batch = new List<(ImportCertificatesRequest Item, IssueCertificateRequest Issue, CertificateType Type, IdempotencyKey Key)>(batchSize);

        await foreach (var item in items.WithCancellation(cancellationToken))
        {
            var result = new ImportItemResult { ClientReference = item.ClientReference };
            var (issue, type, key) = await ValidateAsync(item, caller, typeCache, result, cancellationToken);
            if (issue is null)
            {
                Add(response, result);
                continue;
            }
            batch.Add((item, issue, type!, key!));
            if (batch.Count >= batchSize) await FlushAsync(batch, response, cancellationToken);
        }
        await FlushAsync(batch, response, cancellationToken);
        return response;
    }

    private async Task<(IssueCertificateRequest?, CertificateType?, IdempotencyKey?)> ValidateAsync(
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
        if (!violations.Any) return (issue, type, key);

        result.Outcome = ImportOutcome.Invalid;
        result.Violations.AddRange(violations.Items.Select(v => new ChongqingVet.Common.V1.FieldViolation { Field = v.Field, Description = v.Description }));
        return (null, null, null);
    }

    private async Task FlushAsync(
        List<(ImportCertificatesRequest Item, IssueCertificateRequest Issue, CertificateType Type, IdempotencyKey Key)> batch,
        ImportCertificatesResponse response, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        try
        {
            foreach (var result in await WriteAsync(batch, cancellationToken)) Add(response, result);
        }
        catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception) || exception is AlreadyExistsException)
        {
            // A concurrent writer took a key this batch wanted; the batch was rolled back. Redo it item by item,
            // so only the colliding items become duplicates.
            foreach (var entry in batch)
            {
                try
                {
                    foreach (var result in await WriteAsync([entry], cancellationToken)) Add(response, result);
                }
                catch (Exception single) when (database.Dialect.IsUniqueViolation(single) || single is AlreadyExistsException)
                {
                    Add(response, new ImportItemResult { ClientReference = entry.Item.ClientReference, Outcome = ImportOutcome.Duplicate });
                }
            }
        }
        batch.Clear();
    }

    private async Task<List<ImportItemResult>> WriteAsync(
        IReadOnlyList<(ImportCertificatesRequest Item, IssueCertificateRequest Issue, CertificateType Type, IdempotencyKey Key)> batch,
        CancellationToken cancellationToken)
    {
        var results = new List<ImportItemResult>(batch.Count);
        var heldInBatch = new Dictionary<(string, CertificateLevel, string), string>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (item, issue, type, key) in batch)
        {
            var result = new ImportItemResult { ClientReference = item.ClientReference };
            results.Add(result);
            var holder = (type.Code, issue.Level, NationalIdNumber.Normalize(issue.HolderIdNumber));
            var replay = await IdempotencyStore.FindAsync<Certificate>(connection, transaction, key, cancellationToken);
            var existing = replay?.CertificateNumber
                           ?? (heldInBatch.TryGetValue(holder, out var inBatch) ? inBatch : null)
                           ?? await certificates.FindActiveAsync(connection, transaction, type.Code, issue.Level, issue.HolderIdNumber, cancellationToken);
            if (existing is not null)
            {
                result.Outcome = ImportOutcome.Duplicate;
                result.CertificateNumber = existing;
                continue;
            }
            var certificate = await certificates.IssueAsync(connection, transaction, type, issue, cancellationToken);
            await idempotency.SaveAsync(connection, transaction, key, certificate, cancellationToken);
            heldInBatch[holder] = certificate.CertificateNumber;
            result.Outcome = ImportOutcome.Created;
            result.CertificateNumber = certificate.CertificateNumber;
        }
        await transaction.CommitAsync(cancellationToken);
        return results;
    }

    private static void Add(ImportCertificatesResponse response, ImportItemResult result)
    {
        response.Results.Add(result);
        switch (result.Outcome)
        {
            case ImportOutcome.Created: response.CreatedCount++; break;
            case ImportOutcome.Duplicate: response.DuplicateCount++; break;
            case ImportOutcome.Invalid: response.InvalidCount++; break;
        }
    }
}
