using System.Data;
using System.Data.Common;
using System.Security.Cryptography;
using ChongqingVet.Domain.Time;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data.Audit;

/// <summary>
/// The service's append-only, hash-chained audit log (docs/AUDIT.md).
/// <para>Appends: a write appends inside its own transaction (<see cref="AppendAsync(DbConnection, DbTransaction, AuditRecord, CancellationToken)"/>),
/// so the change and its record commit or roll back together; a read appends in a transaction of its own. Every
/// append first updates the one-row <c>audit_head</c> table, which takes that row's lock until commit (PostgreSQL and
/// SQL Server row locks; SQLite's single writer under BEGIN IMMEDIATE), so concurrent transactions append one after
/// another and the chain stays linear and gapless. Append as the last statement of a write transaction: the head
/// lock is then held only for the commit, and no transaction waits for a lock while holding the head.</para>
/// <para>Retention deletes the oldest records (never younger than <see cref="AuditOptions.Retention"/>) and moves
/// the head's anchor — the sequence and previous hash the kept chain continues from — in the same transaction, so
/// the chain still verifies after cleanup and still detects edits and deletions in what remains.</para>
/// </summary>
public sealed partial class AuditLog(
    IDbConnectionFactory connections,
    AuditChain chain,
    AuditOptions options,
    TimeProvider clock,
    ILogger<AuditLog> logger)
{
    private const int VerifyBatchSize = 1000;
    private const int CleanupBatchSize = 1000;
    private const int ReorderWindow = 4096;

    // Takes the head row's lock and reserves the next @Count sequences (the caller's transaction holds both until
    // commit), then reads the head: one round trip.
    private const string ReserveSequencesSql = "UPDATE audit_head SET last_sequence = last_sequence + @Count WHERE id = 1;\n" + SelectHeadSql;

    // Takes the head row's lock without changing it (retention).
    private const string LockHeadSql = "UPDATE audit_head SET anchor_sequence = anchor_sequence WHERE id = 1";

    private const string SelectHeadSql = """
        SELECT last_sequence AS LastSequence, last_hash AS LastHash, anchor_sequence AS AnchorSequence,
               anchor_hash AS AnchorHash, seal AS Seal
        FROM audit_head
        WHERE id = 1
        """;

    private const string InsertSql = """
        INSERT INTO audit_log (sequence, occurred_at, client_id, subject, method, resource, outcome, trace_id, previous_hash, hash)
        VALUES (@Sequence, @OccurredAt, @ClientId, @Subject, @Method, @Resource, @Outcome, @TraceId, @PreviousHash, @Hash)
        """;

    private const string UpdateHeadAfterAppendSql = "UPDATE audit_head SET last_hash = @LastHash, seal = @Seal WHERE id = 1";

    // One record (every write's own): its row and the new head in one round trip.
    private const string InsertOneAndUpdateHeadSql = InsertSql + ";\n" + UpdateHeadAfterAppendSql;

    private const string MoveAnchorSql = """
        UPDATE audit_head SET anchor_sequence = @AnchorSequence, anchor_hash = @AnchorHash, seal = @Seal WHERE id = 1
        """;

    private const string SequenceRangeSql = "SELECT MIN(sequence) AS MinSequence, MAX(sequence) AS MaxSequence FROM audit_log";

    private const string SelectRangeSql = """
        SELECT sequence AS Sequence, occurred_at AS OccurredAt, client_id AS ClientId, subject AS Subject, method AS Method,
               resource AS Resource, outcome AS Outcome, trace_id AS TraceId, previous_hash AS PreviousHash, hash AS Hash
        FROM audit_log
        WHERE sequence >= @From AND sequence <= @To
        ORDER BY sequence
        """;

    private const string ListSql = """
        SELECT sequence AS Sequence, occurred_at AS OccurredAt, client_id AS ClientId, subject AS Subject, method AS Method,
               resource AS Resource, outcome AS Outcome, trace_id AS TraceId, previous_hash AS PreviousHash, hash AS Hash
        FROM audit_log
        WHERE sequence > @After
          AND (@Resource = '' OR resource = @Resource)
          AND (@Subject = '' OR subject = @Subject)
        ORDER BY sequence
        """;

    private const string DeleteRangeSql = "DELETE FROM audit_log WHERE sequence >= @From AND sequence <= @To";

    public string Algorithm => chain.Algorithm;

    /// <summary>
    /// Appends <paramref name="record"/> inside the caller's transaction (for writes: the record commits or rolls
    /// back with the change). Returns the record's sequence. Throws <see cref="ArgumentException"/> for a record
    /// the log must not hold (see <see cref="AuditRecord.Validate"/>).
    /// </summary>
    public async Task<long> AppendAsync(DbConnection connection, DbTransaction transaction, AuditRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate(ChinaTime.Today(clock));
        return (await AppendValidatedAsync(connection, transaction, [record], ct))[0];
    }

    /// <summary>
    /// Appends validated records in order inside the caller's transaction: the sequence reservation with the head read
    /// (one command), one insert per record on one prepared command, one head update — whatever the number of records;
    /// one record's insert and head update go in one command.
    /// </summary>
    private async Task<long[]> AppendValidatedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<AuditRecord> records, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        var now = clock.GetUtcNow();
        var head = await connection.QuerySingleAsync<HeadRow>(new CommandDefinition(ReserveSequencesSql, new { Count = records.Count }, transaction, cancellationToken: ct));
        var first = head.LastSequence - records.Count + 1;

        var sequences = new long[records.Count];
        var rows = new object[records.Count];
        var previousHash = head.LastHash;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            var sequence = first + i;
            var time = (record.Time ?? now).ToUnixTimeMilliseconds();
            var hash = chain.HashRecord(sequence, time, record.ClientId, record.Subject, record.Method, record.Resource,
                record.Outcome, record.TraceId, previousHash);
            rows[i] = new
            {
                Sequence = sequence,
                OccurredAt = time,
                record.ClientId,
                record.Subject,
                record.Method,
                record.Resource,
                record.Outcome,
                record.TraceId,
                PreviousHash = previousHash,
                Hash = hash,
            };
            sequences[i] = sequence;
            previousHash = hash;
        }

        // A head whose seal does not match was changed outside the service: keep its broken seal as evidence rather
        // than sealing (and so laundering) the changed values.
        var sealIntact = IsSealIntact(first - 1, head.LastHash, head.AnchorSequence, head.AnchorHash, head.Seal);
        if (!sealIntact) LogHeadTampered(logger, first);
        var seal = sealIntact ? chain.SealHead(sequences[^1], previousHash, head.AnchorSequence, head.AnchorHash) : head.Seal;
        if (rows.Length == 1)
        {
            var parameters = new DynamicParameters(rows[0]);
            parameters.AddDynamicParams(new { LastHash = previousHash, Seal = seal });
            await connection.ExecuteAsync(new CommandDefinition(InsertOneAndUpdateHeadSql, parameters, transaction, cancellationToken: ct));
            return sequences;
        }
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, rows, transaction, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(UpdateHeadAfterAppendSql, new { LastHash = previousHash, Seal = seal }, transaction, cancellationToken: ct));
        return sequences;
    }

    /// <summary>
    /// Appends <paramref name="record"/> outside any write (for reads) and returns its sequence once it is committed.
    /// Group commit: records that arrive while a group is being written wait and go together into the next
    /// transaction, so concurrent personal-data reads share one durable commit instead of queueing for the
    /// database's write lock one by one. The caller that finds no group in progress writes one; when it is done, the
    /// first waiting caller writes the next group. A record that fails validation fails alone, before it joins a group;
    /// a database failure fails every caller of that group (nothing of it was committed).
    /// </summary>
    public async Task<long> AppendAsync(AuditRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate(ChinaTime.Today(clock));
        var waiting = new WaitingRecord(record);
        lock (_groupGate)
        {
            _nextGroup.Add(waiting);
            if (!_groupInProgress)
            {
                _groupInProgress = true;
                waiting.Turn.TrySetResult();
            }
        }
        if (await Task.WhenAny(waiting.Committed.Task, waiting.Turn.Task) == waiting.Turn.Task) await WriteNextGroupAsync();
        return await waiting.Committed.Task.WaitAsync(ct);
    }

    private readonly Lock _groupGate = new();
    private List<WaitingRecord> _nextGroup = [];
    private bool _groupInProgress;

    private async Task WriteNextGroupAsync()
    {
        List<WaitingRecord> group;
        lock (_groupGate)
        {
            group = _nextGroup;
            _nextGroup = [];
        }
        try
        {
            // Not the caller's token: the group holds other callers' records.
            await using var connection = await connections.OpenAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
            var sequences = await AppendValidatedAsync(connection, transaction, group.ConvertAll(waiting => waiting.Record), CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            for (var i = 0; i < group.Count; i++) group[i].Committed.TrySetResult(sequences[i]);
        }
        catch (Exception exception)
        {
            foreach (var waiting in group) waiting.Committed.TrySetException(exception);
        }
        finally
        {
            lock (_groupGate)
            {
                if (_nextGroup.Count == 0) _groupInProgress = false;
                else _nextGroup[0].Turn.TrySetResult();
            }
        }
    }

    private sealed class WaitingRecord(AuditRecord record)
    {
        public AuditRecord Record { get; } = record;

        /// <summary>Set when this caller is to write the next group.</summary>
        public TaskCompletionSource Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<long> Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One page of records after <paramref name="afterSequence"/>, by ascending sequence; empty filters match all.</summary>
    public async Task<Page<AuditEntry>> ListAsync(long afterSequence, string? resource, string? subject, int pageSize, CancellationToken ct)
    {
        await using var connection = await connections.OpenAsync(ct);
        var rows = await connection.QueryAsync<EntryRow>(new CommandDefinition(ListSql + connections.Dialect.Limit(), new
        {
            After = afterSequence,
            Resource = resource ?? string.Empty,
            Subject = subject ?? string.Empty,
            Limit = pageSize + 1,
        }, cancellationToken: ct));
        return Page<AuditEntry>.FromRows(rows.Select(r => r.ToEntry()).ToArray(), pageSize);
    }

    /// <summary>
    /// Checks the whole kept chain: the head's seal, every record's hash, every link to the record before it, no gap,
    /// nothing before the anchor or after the head. Returns the first broken link, or intact.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken ct)
    {
        // Under READ COMMITTED (SQL Server) a concurrent append or cleanup can move the head while the records are
        // read; a break seen while the head moved is checked again. SQLite and PostgreSQL read one snapshot.
        AuditVerification result = null!;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var (verification, headMoved) = await VerifyOnceAsync(ct);
            result = verification;
            if (result.Ok || !headMoved) break;
        }
        return result;
    }

    /// <summary>
    /// Deletes the records older than the retention period (a prefix of the chain, in batches) and moves the anchor
    /// in the same transaction. Records that do not verify are never deleted: the run stops before them and logs it.
    /// </summary>
    public async Task<AuditCleanup> DeleteExpiredAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().Subtract(options.Retention).ToUnixTimeMilliseconds();
        var deleted = 0;
        while (true)
        {
            await using var connection = await connections.OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(LockHeadSql, transaction: transaction, cancellationToken: ct));
            var head = await connection.QuerySingleAsync<HeadRow>(new CommandDefinition(SelectHeadSql, transaction: transaction, cancellationToken: ct));
            if (!IsSealIntact(head.LastSequence, head.LastHash, head.AnchorSequence, head.AnchorHash, head.Seal))
            {
                LogCleanupStopped(logger, null, "the chain head's seal does not match");
                return new AuditCleanup(deleted, head.AnchorSequence, true);
            }

            var rows = (await connection.QueryAsync<EntryRow>(new CommandDefinition(SelectRangeSql + connections.Dialect.Limit(), new
            {
                From = head.AnchorSequence,
                To = head.LastSequence,
                Limit = CleanupBatchSize,
            }, transaction, cancellationToken: ct))).ToArray();

            var expectedSequence = head.AnchorSequence;
            var expectedPrevious = head.AnchorHash;
            var broken = false;
            foreach (var row in rows)
            {
                if (row.OccurredAt >= cutoff) break;
                var entry = row.ToEntry();
                if (entry.Sequence != expectedSequence || !SameHash(entry.PreviousHash, expectedPrevious) || !SameHash(chain.HashRecord(entry), entry.Hash))
                {
                    LogCleanupStopped(logger, expectedSequence, "the records to delete do not verify; they are kept as evidence");
                    broken = true;
                    break;
                }
                expectedSequence++;
                expectedPrevious = entry.Hash;
            }

            var count = (int)(expectedSequence - head.AnchorSequence);
            if (count == 0) return new AuditCleanup(deleted, head.AnchorSequence, broken);

            await connection.ExecuteAsync(new CommandDefinition(DeleteRangeSql,
                new { From = head.AnchorSequence, To = expectedSequence - 1 }, transaction, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(MoveAnchorSql, new
            {
                AnchorSequence = expectedSequence,
                AnchorHash = expectedPrevious,
                Seal = chain.SealHead(head.LastSequence, head.LastHash, expectedSequence, expectedPrevious),
            }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
            deleted += count;
            if (broken || count < CleanupBatchSize) return new AuditCleanup(deleted, expectedSequence, broken);
        }
    }

    private async Task<(AuditVerification Result, bool HeadMoved)> VerifyOnceAsync(CancellationToken ct)
    {
        await using var connection = await connections.OpenAsync(ct);
        await using var transaction = await BeginSnapshotAsync(connection, ct);
        var head = await connection.QuerySingleAsync<HeadRow>(new CommandDefinition(SelectHeadSql, transaction: transaction, cancellationToken: ct));
        long checkedCount = 0;

        AuditVerification Broken(long? sequence, AuditBreak reason, string detail) =>
            new(false, checkedCount, sequence, reason, detail, head.AnchorSequence, head.LastSequence, chain.Algorithm);

        async Task<(AuditVerification, bool)> BrokenAsync(long? sequence, AuditBreak reason, string detail)
        {
            var now = await connection.QuerySingleAsync<HeadRow>(new CommandDefinition(SelectHeadSql, transaction: transaction, cancellationToken: ct));
            var moved = now.LastSequence != head.LastSequence || now.AnchorSequence != head.AnchorSequence;
            return (Broken(sequence, reason, detail), moved);
        }

        if (!IsSealIntact(head.LastSequence, head.LastHash, head.AnchorSequence, head.AnchorHash, head.Seal))
            return await BrokenAsync(null, AuditBreak.HeadMismatch, "The chain head's seal does not match its last sequence, last hash and anchor: the head was changed outside the service.");

        var range = await connection.QuerySingleAsync<RangeRow>(new CommandDefinition(SequenceRangeSql, transaction: transaction, cancellationToken: ct));
        if (range.MinSequence is { } min && min < head.AnchorSequence)
            return await BrokenAsync(min, AuditBreak.Reordered, $"Record {min} lies before the anchor (sequence {head.AnchorSequence}): it was inserted, or the anchor was moved.");
        if (range.MaxSequence is { } max && max > head.LastSequence)
        {
            // Under READ COMMITTED an append may have committed after the head was read: read the head again.
            var now = await connection.QuerySingleAsync<HeadRow>(new CommandDefinition(SelectHeadSql, transaction: transaction, cancellationToken: ct));
            if (max > now.LastSequence)
                return (Broken(head.LastSequence + 1, AuditBreak.HeadMismatch, $"Records after the head's last sequence {head.LastSequence} exist: the head was reset, or records were inserted."), false);
        }

        var expectedSequence = head.AnchorSequence;
        var expectedPrevious = head.AnchorHash;
        var recent = new Dictionary<string, long>(StringComparer.Ordinal);
        var recentOrder = new Queue<string>();
        while (expectedSequence <= head.LastSequence)
        {
            var rows = (await connection.QueryAsync<EntryRow>(new CommandDefinition(SelectRangeSql + connections.Dialect.Limit(), new
            {
                From = expectedSequence,
                To = head.LastSequence,
                Limit = VerifyBatchSize,
            }, transaction, cancellationToken: ct))).ToArray();
            if (rows.Length == 0) break;

            foreach (var row in rows)
            {
                var entry = row.ToEntry();
                if (entry.Sequence != expectedSequence)
                    return await BrokenAsync(expectedSequence, AuditBreak.Deleted, Missing(expectedSequence, entry.Sequence - 1));
                if (!SameHash(chain.HashRecord(entry), entry.Hash))
                    return await BrokenAsync(entry.Sequence, AuditBreak.Edited, $"Record {entry.Sequence} no longer matches its hash: its fields were changed.");
                if (!SameHash(entry.PreviousHash, expectedPrevious))
                {
                    if (recent.TryGetValue(Convert.ToHexString(entry.PreviousHash), out var linked))
                        return await BrokenAsync(entry.Sequence, AuditBreak.Reordered, $"Record {entry.Sequence} links to record {linked} instead of record {entry.Sequence - 1}: records were reordered.");
                    if (entry.Sequence == head.AnchorSequence)
                        return await BrokenAsync(entry.Sequence, AuditBreak.Edited, $"Record {entry.Sequence} does not continue from the anchor: it was rewritten with a recomputed hash.");
                    checkedCount--;
                    return await BrokenAsync(entry.Sequence - 1, AuditBreak.Edited,
                        $"Record {entry.Sequence - 1} was rewritten with a recomputed hash: record {entry.Sequence} still links to its original hash.");
                }

                var key = Convert.ToHexString(entry.Hash);
                recent[key] = entry.Sequence;
                recentOrder.Enqueue(key);
                if (recentOrder.Count > ReorderWindow) recent.Remove(recentOrder.Dequeue());
                expectedPrevious = entry.Hash;
                expectedSequence++;
                checkedCount++;
            }
        }

        if (expectedSequence <= head.LastSequence)
            return await BrokenAsync(expectedSequence, AuditBreak.Deleted, Missing(expectedSequence, head.LastSequence) + " The chain ends early.");
        if (!SameHash(expectedPrevious, head.LastHash))
        {
            if (checkedCount == 0)
                return await BrokenAsync(null, AuditBreak.HeadMismatch, "The head's last hash does not match its anchor although no records are kept.");
            checkedCount--;
            return await BrokenAsync(head.LastSequence, AuditBreak.Edited, $"Record {head.LastSequence} was rewritten with a recomputed hash: the head still holds its original hash.");
        }
        return (new AuditVerification(true, checkedCount, null, AuditBreak.None, string.Empty, head.AnchorSequence, head.LastSequence, chain.Algorithm), false);
    }

    private static string Missing(long from, long to) =>
        from == to ? $"Record {from} is missing: it was deleted." : $"Records {from} to {to} are missing: they were deleted.";

    private async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct) => connection switch
    {
        // A deferred SQLite transaction reads one WAL snapshot without taking the writer lock.
        SqliteConnection sqlite => sqlite.BeginTransaction(deferred: true),
        _ when connections.Provider == DatabaseProvider.Postgres => await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct),
        _ => await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct),
    };

    private bool IsSealIntact(long lastSequence, byte[] lastHash, long anchorSequence, byte[] anchorHash, byte[] seal)
    {
        // The migration creates the empty chain unsealed (it has no key); the first append seals it.
        if (seal.Length == 0)
            return lastSequence == 0 && anchorSequence == 1 && SameHash(lastHash, AuditChain.Genesis) && SameHash(anchorHash, AuditChain.Genesis);
        return SameHash(seal, chain.SealHead(lastSequence, lastHash, anchorSequence, anchorHash));
    }

    private static bool SameHash(byte[] left, byte[] right) => CryptographicOperations.FixedTimeEquals(left, right);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit chain head seal does not match while appending record {Sequence}: the head was changed outside the service; the broken seal is kept as evidence")]
    private static partial void LogHeadTampered(ILogger logger, long sequence);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit retention stopped at sequence {Sequence}: {Why}")]
    private static partial void LogCleanupStopped(ILogger logger, long? sequence, string why);

    private sealed class HeadRow
    {
        public long LastSequence { get; init; }
        public byte[] LastHash { get; init; } = [];
        public long AnchorSequence { get; init; }
        public byte[] AnchorHash { get; init; } = [];
        public byte[] Seal { get; init; } = [];
    }

    private sealed class RangeRow
    {
        public long? MinSequence { get; init; }
        public long? MaxSequence { get; init; }
    }

    private sealed class EntryRow
    {
        public long Sequence { get; init; }
        public long OccurredAt { get; init; }
        public string ClientId { get; init; } = string.Empty;
        public string Subject { get; init; } = string.Empty;
        public string Method { get; init; } = string.Empty;
        public string Resource { get; init; } = string.Empty;
        public string Outcome { get; init; } = string.Empty;
        public string TraceId { get; init; } = string.Empty;
        public byte[] PreviousHash { get; init; } = [];
        public byte[] Hash { get; init; } = [];

        public AuditEntry ToEntry() => new(Sequence, DateTimeOffset.FromUnixTimeMilliseconds(OccurredAt), ClientId, Subject, Method,
            Resource, Outcome, TraceId, PreviousHash, Hash);
    }
}
