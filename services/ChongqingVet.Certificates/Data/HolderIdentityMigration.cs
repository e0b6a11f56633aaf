using ChongqingVet.Certificates.Domain;
using ChongqingVet.Data;
using Dapper;

namespace ChongqingVet.Certificates.Data;

/// <summary>
/// Moves stored holder identities to the current scheme (<c>HolderIdentity:Algorithm</c>), e.g. from
/// AES-256-GCM/HMAC-SHA256 to SM4-GCM/HMAC-SM3: in batches in certificate-number order, each batch one transaction,
/// every row whose name or ID number is sealed by another scheme gets both values re-encrypted and both blind indexes
/// recomputed under the current scheme, in one UPDATE that only applies if the row still holds what was read.
/// Idempotent (rows already under the current scheme are left alone), resumable (a stopped run is simply run again, or
/// continued with <c>--after NUMBER</c> from its last progress line), and safe next to the running service (reads
/// match both schemes' indexes throughout, docs/CREDENTIALS.md). Run as
/// <c>ChongqingVet.Certificates --migrate-holder-identity [--batch-size N] [--after NUMBER]</c>.
/// </summary>
public sealed class HolderIdentityMigration(IDbConnectionFactory database, HolderIdentityProtector identity)
{
    public const string Command = "--migrate-holder-identity";
    public const int DefaultBatchSize = 500;

    private const string BatchSql = """
        SELECT certificate_number AS CertificateNumber, holder_name_enc AS HolderNameEnc, holder_id_enc AS HolderIdEnc
        FROM certificates WHERE certificate_number > @After ORDER BY certificate_number
        """;

    // Only if the row still holds the values read (a concurrent rewrite of the same row wins; the next run retries it).
    private const string RewriteSql = """
        UPDATE certificates
        SET holder_name_enc = @NameEnc, holder_name_index = @NameIndex, holder_id_enc = @IdEnc, holder_id_index = @IdIndex
        WHERE certificate_number = @Number AND holder_name_enc = @OldNameEnc AND holder_id_enc = @OldIdEnc
        """;

    /// <summary>What one batch did; <see cref="Last"/> is the number to continue after (null: the table is done).</summary>
    public sealed record Batch(int Scanned, int Rewritten, int Changed, string? Last);

    /// <summary>The totals of a run.</summary>
    public sealed record Totals(long Scanned, long Rewritten, long Changed);

    /// <summary>Migrates the rows after <paramref name="after"/>, at most <paramref name="batchSize"/> of them, in one transaction.</summary>
    public async Task<Batch> MigrateBatchAsync(string after, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(BatchSql + database.Dialect.Limit(),
            new { After = after, Limit = batchSize }, transaction, cancellationToken: cancellationToken))).ToList();
        int rewritten = 0, changed = 0;
        foreach (var row in rows)
        {
            var (name, nameScheme) = identity.Open(row.HolderNameEnc);
            var (idNumber, idScheme) = identity.Open(row.HolderIdEnc);
            if (nameScheme == identity.Current && idScheme == identity.Current) continue;
            var updated = await connection.ExecuteAsync(new CommandDefinition(RewriteSql, new
            {
                Number = row.CertificateNumber,
                NameEnc = identity.Encrypt(name),
                NameIndex = identity.NameIndex(name),
                IdEnc = identity.Encrypt(idNumber),
                IdIndex = identity.IdNumberIndex(idNumber),
                OldNameEnc = row.HolderNameEnc,
                OldIdEnc = row.HolderIdEnc,
            }, transaction, cancellationToken: cancellationToken));
            if (updated == 1) rewritten++;
            else changed++;
        }
        await transaction.CommitAsync(cancellationToken);
        return new Batch(rows.Count, rewritten, changed, rows.Count < batchSize ? null : rows[^1].CertificateNumber);
    }

    /// <summary>Migrates every row after <paramref name="after"/>, reporting each batch to <paramref name="progress"/>.</summary>
    public async Task<Totals> RunAsync(string after, int batchSize, Action<Batch>? progress, CancellationToken cancellationToken)
    {
        long scanned = 0, rewritten = 0, changed = 0;
        string? next = after;
        while (next is not null)
        {
            var batch = await MigrateBatchAsync(next, batchSize, cancellationToken);
            scanned += batch.Scanned;
            rewritten += batch.Rewritten;
            changed += batch.Changed;
            progress?.Invoke(batch);
            next = batch.Last;
        }
        return new Totals(scanned, rewritten, changed);
    }

    /// <summary>
    /// The command: runs <see cref="RunAsync"/> and prints a progress line per batch and the totals; exit code 0 when
    /// every row is under the current scheme, 1 when some rows changed under it (run again), 2 on a bad argument.
    /// </summary>
    public static async Task<int> RunCommandAsync(IServiceProvider services, string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var batchSize = DefaultBatchSize;
        var after = string.Empty;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--batch-size" && i + 1 < args.Length && int.TryParse(args[i + 1], out var size) && size > 0) batchSize = size;
            else if (args[i] == "--after" && i + 1 < args.Length) after = args[i + 1];
            else if (args[i] is "--batch-size" or "--after")
            {
                await output.WriteLineAsync($"{args[i]} needs a value (--batch-size: a positive number; --after: a certificate number).");
                return 2;
            }
        }
        var identity = services.GetRequiredService<HolderIdentityProtector>();
        var migration = new HolderIdentityMigration(services.GetRequiredService<IDbConnectionFactory>(), identity);
        await output.WriteLineAsync($"Moving holder identities to {identity.Current.Name} (readable: {string.Join(", ", identity.Schemes.Select(s => s.Name))}), batches of {batchSize}.");
        var totals = await migration.RunAsync(after, batchSize, batch =>
            output.WriteLine($"batch: scanned {batch.Scanned}, rewrote {batch.Rewritten}, changed meanwhile {batch.Changed}; continue with --after {batch.Last ?? "(done)"}"),
            cancellationToken);
        await output.WriteLineAsync($"done: scanned {totals.Scanned}, rewrote {totals.Rewritten}, changed meanwhile {totals.Changed}.");
        return totals.Changed == 0 ? 0 : 1;
    }

    private sealed class Row
    {
        public string CertificateNumber { get; init; } = string.Empty;
        public byte[] HolderNameEnc { get; init; } = [];
        public byte[] HolderIdEnc { get; init; } = [];
    }
}
