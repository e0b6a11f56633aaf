using System.Data.Common;
using System.Security.Cryptography;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.Domain.Credentials;
using ChongqingVet.Data;
using Dapper;

namespace ChongqingVet.Certificates.Data;

/// <summary>
/// The Bitstring Status Lists (tables credential_status_lists and credential_status_entries, migration 0003): a
/// certificate's random index is drawn the first time its credential is asked for and then kept; revocation sets its bit
/// in the revocation's own transaction; a list is read as its set bits. Rows only: the format is in
/// Domain/Credentials/StatusLists.cs.
/// </summary>
public sealed class StatusListRepository(IDbConnectionFactory database, TimeProvider clock) : IStatusListSource
{
    // Fresh draws of a random index before giving up on one transaction (at most 75 % of a list is taken, so 64 misses
    // in a row has a probability of about 1e-8).
    private const int MaxDraws = 64;
    private const int MaxAllocationAttempts = 5;

    private const string EntrySql = "SELECT list_id AS ListId, list_index AS ListIndex FROM credential_status_entries WHERE certificate_number = @Number";
    private const string NewestListSql = "SELECT MAX(list_id) FROM credential_status_lists";
    private const string TakeSlotSql = "UPDATE credential_status_lists SET allocated = allocated + 1 WHERE list_id = @ListId AND allocated < @FillLimit";
    private const string InsertListSql = """
        INSERT INTO credential_status_lists (list_id, size, allocated, version, updated_at)
        VALUES (@ListId, @Size, 1, 1, @Now)
        """;
    private const string SlotTakenSql = "SELECT COUNT(*) FROM credential_status_entries WHERE list_id = @ListId AND list_index = @ListIndex";
    // The bit starts set if the certificate was revoked meanwhile (then the list's version moves too).
    private const string InsertEntrySql = """
        INSERT INTO credential_status_entries (certificate_number, list_id, list_index, revoked)
        SELECT certificate_number, @ListId, @ListIndex, CASE WHEN status = @Revoked THEN 1 ELSE 0 END
        FROM certificates WHERE certificate_number = @Number
        """;
    private const string TouchIfRevokedSql = """
        UPDATE credential_status_lists SET version = version + 1, updated_at = @Now
        WHERE list_id = @ListId
          AND EXISTS (SELECT 1 FROM credential_status_entries WHERE certificate_number = @Number AND revoked = 1)
        """;
    private const string SetBitSql = "UPDATE credential_status_entries SET revoked = 1 WHERE certificate_number = @Number AND revoked = 0";
    private const string TouchListOfSql = """
        UPDATE credential_status_lists SET version = version + 1, updated_at = @Now
        WHERE list_id IN (SELECT list_id FROM credential_status_entries WHERE certificate_number = @Number)
        """;
    private const string VersionSql = "SELECT version FROM credential_status_lists WHERE list_id = @ListId";
    private const string ListSql = "SELECT list_id AS ListId, size AS Size, version AS Version, updated_at AS UpdatedAt FROM credential_status_lists WHERE list_id = @ListId";
    private const string SetBitsSql = "SELECT list_index FROM credential_status_entries WHERE list_id = @ListId AND revoked = 1 ORDER BY list_index";
    private const string BitSql = """
        SELECT l.size AS Size, e.revoked AS Revoked
        FROM credential_status_lists l
        LEFT JOIN credential_status_entries e ON e.list_id = l.list_id AND e.list_index = @ListIndex
        WHERE l.list_id = @ListId
        """;

    private sealed class EntryRow
    {
        public long ListId { get; init; }
        public long ListIndex { get; init; }
    }

    private sealed class ListRow
    {
        public long ListId { get; init; }
        public long Size { get; init; }
        public long Version { get; init; }
        public long UpdatedAt { get; init; }
    }

    private sealed class BitRow
    {
        public long Size { get; init; }
        public long? Revoked { get; init; }
    }

    /// <summary>
    /// The certificate's status list entry, drawn now (a uniformly random free index of the newest list that is not
    /// full) if it has none yet; concurrent first requests end with one entry (the certificate number is the key).
    /// </summary>
    public async Task<StatusListEntry> EntryForAsync(string certificateNumber, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using (var connection = await database.OpenAsync(cancellationToken))
            {
                var existing = await connection.QuerySingleOrDefaultAsync<EntryRow>(new CommandDefinition(EntrySql, new { Number = certificateNumber },
                    cancellationToken: cancellationToken));
                if (existing is not null) return new StatusListEntry(existing.ListId, checked((int)existing.ListIndex));
            }
            try
            {
                return await AllocateAsync(certificateNumber, cancellationToken);
            }
            catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception) && attempt < MaxAllocationAttempts)
            {
                // Another request took the same index or list id, or gave this certificate its entry first: look again.
            }
        }
    }

    private async Task<StatusListEntry> AllocateAsync(string certificateNumber, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var listId = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(NewestListSql, transaction: transaction, cancellationToken: cancellationToken));
        var taken = listId is { } newest && await connection.ExecuteAsync(new CommandDefinition(TakeSlotSql,
            new { ListId = newest, BitstringStatusList.FillLimit }, transaction, cancellationToken: cancellationToken)) == 1;
        if (!taken)
        {
            // No list yet, or the newest is full: start the next one (a concurrent start is a unique violation, retried).
            listId = (listId ?? 0) + 1;
            await connection.ExecuteAsync(new CommandDefinition(InsertListSql, new { ListId = listId, BitstringStatusList.Size, Now = now },
                transaction, cancellationToken: cancellationToken));
        }

        var index = -1;
        for (var draw = 0; draw < MaxDraws && index < 0; draw++)
        {
            var candidate = RandomNumberGenerator.GetInt32(BitstringStatusList.Size);
            if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(SlotTakenSql, new { ListId = listId, ListIndex = candidate },
                    transaction, cancellationToken: cancellationToken)) == 0)
                index = candidate;
        }
        if (index < 0) throw new InvalidOperationException($"no free index found in status list {listId} after {MaxDraws} draws");

        var inserted = await connection.ExecuteAsync(new CommandDefinition(InsertEntrySql,
            new { Number = certificateNumber, ListId = listId, ListIndex = index, StoredStatus.Revoked }, transaction, cancellationToken: cancellationToken));
        if (inserted == 0) throw new InvalidOperationException($"certificate '{certificateNumber}' does not exist");
        await connection.ExecuteAsync(new CommandDefinition(TouchIfRevokedSql, new { ListId = listId, Number = certificateNumber, Now = now },
            transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new StatusListEntry(listId!.Value, index);
    }

    /// <summary>
    /// Sets the certificate's bit inside the revocation's transaction and moves its list's version (so the published
    /// list and its ETag change); nothing when the certificate never had a credential (no entry: nothing to flip).
    /// </summary>
    public async Task SetRevokedAsync(DbConnection connection, DbTransaction transaction, string certificateNumber, CancellationToken cancellationToken)
    {
        var set = await connection.ExecuteAsync(new CommandDefinition(SetBitSql, new { Number = certificateNumber }, transaction, cancellationToken: cancellationToken));
        if (set == 0) return;
        await connection.ExecuteAsync(new CommandDefinition(TouchListOfSql, new { Number = certificateNumber, Now = clock.GetUtcNow().ToUnixTimeMilliseconds() },
            transaction, cancellationToken: cancellationToken));
    }

    public async Task<long?> VersionAsync(long listId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(VersionSql, new { ListId = listId }, cancellationToken: cancellationToken));
    }

    public async Task<StatusListSnapshot?> SnapshotAsync(long listId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // The version first: a bit set between the two reads makes the snapshot newer than its version, never older.
        var list = await connection.QuerySingleOrDefaultAsync<ListRow>(new CommandDefinition(ListSql, new { ListId = listId }, cancellationToken: cancellationToken));
        if (list is null) return null;
        var bits = await connection.QueryAsync<long>(new CommandDefinition(SetBitsSql, new { ListId = listId }, cancellationToken: cancellationToken));
        return new StatusListSnapshot(list.ListId, checked((int)list.Size), list.Version, DateTimeOffset.FromUnixTimeMilliseconds(list.UpdatedAt),
            [.. bits.Select(bit => checked((int)bit))]);
    }

    public async Task<bool?> IsSetAsync(long listId, int index, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<BitRow>(new CommandDefinition(BitSql, new { ListId = listId, ListIndex = index },
            cancellationToken: cancellationToken));
        if (row is null || index < 0 || index >= row.Size) return null;
        return row.Revoked == 1;
    }
}
