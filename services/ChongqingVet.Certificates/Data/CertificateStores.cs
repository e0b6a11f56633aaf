using System.Data.Common;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Certificates.Data;

/// <summary>Binds the certificates repositories to one transaction for the Domain use cases. Rows only: no rule.</summary>
public sealed class CertificateStores(
    IDbConnectionFactory database,
    CertificateRepository certificates,
    CertificateTypeRepository types,
    IdempotencyStore idempotency,
    StatusListRepository statusLists)
{
    /// <summary>The idempotency operation of one imported item (its stored response replays the item).</summary>
    public const string ImportOperation = "ImportCertificate";

    public IRevocationStore In(DbConnection connection, DbTransaction transaction) => new RevocationStore(statusLists, new TransactionStore(certificates, types, idempotency, connection, transaction), connection, transaction);

    /// <summary>The revocation's store: the transaction's rows plus the certificate's status list bit.</summary>
    private sealed class RevocationStore(StatusListRepository statusLists, TransactionStore rows, DbConnection connection, DbTransaction transaction) : IRevocationStore
    {
        public Task<Certificate?> CertificateAsync(string number, CancellationToken cancellationToken) => rows.CertificateAsync(number, cancellationToken);

        public Task<CertificateType?> TypeAsync(string code, CancellationToken cancellationToken) => rows.TypeAsync(code, cancellationToken);

        public Task<Certificate> RevokeAsync(string number, string reason, long expectedVersion, CancellationToken cancellationToken) =>
            rows.RevokeAsync(number, reason, expectedVersion, cancellationToken);

        public Task SetCredentialStatusRevokedAsync(string number, CancellationToken cancellationToken) =>
            statusLists.SetRevokedAsync(connection, transaction, number, cancellationToken);
    }

    public IIssuanceStore Issuance(DbConnection connection, DbTransaction transaction) => new TransactionStore(certificates, types, idempotency, connection, transaction);

    /// <summary>The import's store: it opens one transaction per batch.</summary>
    public IImportStore Import() => new ImportStore(database, certificates, types, idempotency);

    /// <summary>The tables an import grows and looks up by lists of keys (the active holders, the stored responses).</summary>
    private static readonly string[] ImportedTables = ["certificates", "idempotency_keys"];

    private sealed class ImportStore(
        IDbConnectionFactory database,
        CertificateRepository certificates,
        CertificateTypeRepository types,
        IdempotencyStore idempotency) : IImportStore
    {
        private readonly PlannerStatistics _statistics = new(database.Dialect, ImportedTables);

        public Task<CertificateType?> TypeAsync(string code, CancellationToken cancellationToken) => types.GetAsync(code, cancellationToken);

        public IdempotencyKey KeyFor(IssueCertificateRequest issue) => idempotency.CreateKey(ImportOperation, issue.RequestId, issue);

        public ProtectedHolder Protect(IssueCertificateRequest issue) => certificates.Protect(issue);

        public async Task InBatchAsync(Func<IImportBatch, Task> write, CancellationToken cancellationToken)
        {
            try
            {
                await using var connection = await database.OpenAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                var batch = new TransactionStore(certificates, types, idempotency, connection, transaction);
                await write(batch);
                await transaction.CommitAsync(cancellationToken);
                await _statistics.RowsAddedAsync(connection, batch.Inserted, cancellationToken);
            }
            catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception))
            {
                throw new AlreadyExistsException("Certificate", "batch", "UNIQUE_KEY_TAKEN");
            }
        }
    }

    private sealed class TransactionStore(
        CertificateRepository certificates,
        CertificateTypeRepository types,
        IdempotencyStore idempotency,
        DbConnection connection,
        DbTransaction transaction) : IImportBatch
    {
        /// <summary>The body and site codes this transaction has seen (a batch computes each prefix several times).</summary>
        private readonly NumberCodes _codes = new();

        /// <summary>Certificates this transaction inserted.</summary>
        public int Inserted { get; private set; }

        public Task<Certificate?> CertificateAsync(string number, CancellationToken cancellationToken) =>
            certificates.GetAsync(connection, transaction, number, includeHolderName: false, cancellationToken);

        public Task<CertificateType?> TypeAsync(string code, CancellationToken cancellationToken) =>
            types.GetAsync(connection, transaction, code, cancellationToken);

        public Task<Certificate> RevokeAsync(string number, string reason, long expectedVersion, CancellationToken cancellationToken) =>
            certificates.RevokeAsync(connection, transaction, number, reason, expectedVersion, cancellationToken);

        public Task LockCountersAsync(IReadOnlyList<(CertificateType Type, IssueCertificateRequest Request)> issues, CancellationToken cancellationToken) =>
            certificates.LockCountersAsync(connection, transaction, issues, cancellationToken, _codes);

        public Task ExpireLapsedAsync(string typeCode, CertificateLevel level, string holderIdNumber, DateOnly today, CancellationToken cancellationToken) =>
            certificates.ExpireLapsedAsync(connection, transaction, typeCode, level, holderIdNumber, today, cancellationToken);

        public Task<string?> ActiveNumberAsync(string typeCode, CertificateLevel level, string holderIdNumber, CancellationToken cancellationToken) =>
            certificates.FindActiveAsync(connection, transaction, typeCode, level, holderIdNumber, cancellationToken);

        public async Task<Certificate> InsertAsync(CertificateType type, IssueCertificateRequest request, CancellationToken cancellationToken)
        {
            var certificate = await certificates.IssueAsync(connection, transaction, type, request, cancellationToken, _codes);
            Inserted++;
            return certificate;
        }

        public Task<Certificate?> ReplayAsync(IdempotencyKey key, CancellationToken cancellationToken) =>
            IdempotencyStore.FindAsync<Certificate>(connection, transaction, key, cancellationToken);

        public Task SaveReplayAsync(IdempotencyKey key, Certificate certificate, CancellationToken cancellationToken) =>
            idempotency.SaveAsync(connection, transaction, key, certificate, cancellationToken);

        // The batch methods: a few statements per batch instead of several per item.
        public async Task<IReadOnlyList<ImportReplay>> ReplaysAsync(IReadOnlyList<IdempotencyKey> keys, CancellationToken cancellationToken) =>
            (await idempotency.FindManyAsync<Certificate>(connection, transaction, keys, cancellationToken))
            .Select(found => found.UsedForOtherRequest
                ? new ImportReplay(null, [new ChongqingVet.Domain.Errors.FieldViolation("request_id", "was already used for a different request; use a new request_id")])
                : new ImportReplay(found.Response, null))
            .ToList();

        public Task<IReadOnlyList<string?>> HeldActiveAsync(IReadOnlyList<ImportIssue> issues, DateOnly today,
            CancellationToken cancellationToken) =>
            certificates.HeldActiveManyAsync(connection, transaction, issues, today, cancellationToken);

        public async Task<IReadOnlyList<Certificate>> InsertManyAsync(IReadOnlyList<ImportIssue> issues,
            CancellationToken cancellationToken)
        {
            var inserted = await certificates.IssueManyAsync(connection, transaction, issues, cancellationToken, _codes);
            Inserted += inserted.Count;
            return inserted;
        }

        public Task SaveReplaysAsync(IReadOnlyList<(IdempotencyKey Key, Certificate Certificate)> replays, CancellationToken cancellationToken) =>
            idempotency.SaveManyAsync(connection, transaction, replays.Select(r => (r.Key, (Google.Protobuf.IMessage)r.Certificate)).ToList(), cancellationToken);
    }
}
