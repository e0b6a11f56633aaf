using System.Data.Common;
using System.Security.Cryptography;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;
using Dapper;
using Google.Protobuf;

namespace ChongqingVet.Data;

/// <summary>
/// Makes writes exactly-once by request_id (AIP-155): the first response is stored in the same transaction as the
/// change, and every other call with the same request_id — a later retry or a concurrent twin — gets exactly those
/// bytes back without changing anything. The same request_id with a different request is INVALID_ARGUMENT. An empty
/// request_id runs the write in one transaction without this guard; the services' gRPC methods never pass one (they
/// require a UUID request_id on every write: ChongqingVet.ApiKit.RequestIds).
/// <para>
/// How concurrent twins agree: a write first <em>reserves</em> its (operation, request_id) by inserting a pending row
/// (state 0) with <see cref="SqlDialect.InsertIfAbsent"/> at the start of its transaction, then runs, then completes the
/// row with its response and commits. A twin's reservation waits for the first transaction to end (PostgreSQL: the
/// ON CONFLICT insert waits on the uncommitted key; SQL Server: the UPDLOCK/HOLDLOCK key-range lock; SQLite: BEGIN
/// IMMEDIATE lets one writer in at a time), then finds the committed row and returns its stored response. A pending
/// row is never seen by anyone else: it is completed or rolled back with its write. Errors are not stored — after a
/// failed write a twin (or retry) runs the write itself.
/// </para>
/// <para>
/// Replay before validation: services call <see cref="TryReplayAsync{TResponse}"/> first, so a retry whose request
/// would no longer pass validation (a rule changed, a referenced row moved on) still gets its stored answer.
/// </para>
/// <para>
/// "The same request" means the same HMAC-SHA256 under <c>Idempotency:HashKey</c> over the request's protobuf bytes
/// (request_id included, which a retry repeats anyway). Keyed, so the stored fingerprint does not reveal the request's
/// personal data to someone who holds a backup. Rows written before migration 0002 carry an unkeyed SHA-256 (state 1)
/// and are still honoured until they expire. Rows are deleted after <c>Idempotency:Retention</c> by
/// <see cref="IdempotencyCleanupService"/>. After each commit it wakes the change streams (<see cref="Changes.ChangeNotifier"/>).
/// </para>
/// </summary>
public sealed class IdempotencyStore(IDbConnectionFactory connections, TimeProvider clock, IdempotencyOptions options, IAuditSink? audit = null,
    Changes.ChangeNotifier? changes = null)
{
    /// <summary>Row states (column <c>state</c>).</summary>
    internal const short Pending = 0;
    internal const short CompletedLegacyHash = 1;
    internal const short Completed = 2;

    private const string SelectSql = """
        SELECT request_hash AS RequestHash, response AS Response, state AS State
        FROM idempotency_keys
        WHERE operation = @Operation AND request_id = @RequestId
        """;

    private const string InsertSql = """
        INSERT INTO idempotency_keys (operation, request_id, request_hash, response, state, created_at)
        VALUES (@Operation, @RequestId, @RequestHash, @Response, @State, @CreatedAt)
        """;

    private const string CompleteSql = """
        UPDATE idempotency_keys SET response = @Response, state = @State
        WHERE operation = @Operation AND request_id = @RequestId AND state = @Pending
        """;

    private const string DeleteOlderThanSql = "DELETE FROM idempotency_keys WHERE created_at < @Before";

    private readonly string _reserveSql = ReserveSql(connections.Dialect);

    /// <summary>The reservation statement on a dialect: insert a pending row unless the key exists (waiting for an uncommitted twin).</summary>
    public static string ReserveSql(SqlDialect dialect) => dialect.InsertIfAbsent(
        "idempotency_keys",
        "operation, request_id, request_hash, response, state, created_at",
        "@Operation, @RequestId, @RequestHash, @Response, @State, @CreatedAt",
        "operation, request_id",
        "operation = @Operation AND request_id = @RequestId");

    public IdempotencyOptions Options => options;

    /// <summary>
    /// The stored response of an earlier write with this request_id, or null: call it before validating a write.
    /// Null too for an empty or malformed request_id (the write reports a malformed one with the other violations).
    /// The same request_id with a different request is INVALID_ARGUMENT on request_id.
    /// </summary>
    public async Task<TResponse?> TryReplayAsync<TResponse>(string operation, string? requestId, IMessage request, CancellationToken cancellationToken)
        where TResponse : class, IMessage<TResponse>, new()
    {
        if (string.IsNullOrEmpty(requestId) || !TryNormalise(requestId, out _)) return null;
        var key = CreateKey(operation, requestId, request);
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await FindAsync<TResponse>(connection, null, key, cancellationToken);
    }

    /// <summary>Runs <paramref name="write"/> in one transaction, once per (operation, request_id).</summary>
    public async Task<TResponse> ExecuteAsync<TResponse>(
        string operation,
        string? requestId,
        IMessage request,
        Func<DbConnection, DbTransaction, Task<TResponse>> write,
        CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>, new()
    {
        if (string.IsNullOrEmpty(requestId)) return await WriteOnceAsync(write, cancellationToken);
        var key = CreateKey(operation, requestId, request);

        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (!await ReserveAsync(connection, transaction, key, cancellationToken))
            {
                // A twin holds (or held) the key and has committed by now: its response is the answer.
                var stored = await FindAsync<TResponse>(connection, transaction, key, cancellationToken);
                await transaction.RollbackAsync(cancellationToken);
                return stored ?? throw new InvalidOperationException($"The idempotency row of {operation} vanished after a reservation conflict.");
            }

            var response = await write(connection, transaction);
            await CompleteAsync(connection, transaction, key, response, cancellationToken);
            await CommitWithAuditAsync(connection, transaction, cancellationToken);
            return response;
        }
        catch (Exception exception) when (connections.Dialect.IsUniqueViolation(exception) || IsUniqueViolation(exception.InnerException))
        {
            // Belt and braces: the reservation never raises a unique violation for its key, but should an engine's
            // lock hint be ignored (SQL Server under an unexpected isolation level) and the twin commit first, our
            // transaction is rolled back and the twin's stored response, if any, is the answer.
            await using var connection = await connections.OpenAsync(cancellationToken);
            var stored = await FindAsync<TResponse>(connection, null, key, cancellationToken);
            if (stored is not null) return stored;
            throw;
        }
    }

    /// <summary>Deletes stored responses older than <paramref name="age"/>; returns how many.</summary>
    public async Task<int> DeleteOlderThanAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(DeleteOlderThanSql,
            new { Before = clock.GetUtcNow().Subtract(age).ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken));
    }

    private async Task<TResponse> WriteOnceAsync<TResponse>(Func<DbConnection, DbTransaction, Task<TResponse>> write, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var response = await write(connection, transaction);
        await CommitWithAuditAsync(connection, transaction, cancellationToken);
        return response;
    }

    /// <summary>The audit record of the write being served (if any) commits with the write, or neither does.</summary>
    private async Task CommitWithAuditAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var pending = audit is null ? null : PendingWriteAudit.Current;
        if (pending is not null) await pending.AppendAsync(audit!, connection, transaction, cancellationToken);
        try
        {
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            pending?.RolledBack();
            throw;
        }
        // The write may have appended changes (ChangeOutbox): wake this process's WatchChanges streams.
        changes?.Notify();
    }

    /// <summary>The key of one write; a malformed request_id is INVALID_ARGUMENT on <paramref name="field"/>.</summary>
    public IdempotencyKey CreateKey(string operation, string requestId, IMessage request, string field = "request_id")
    {
        if (!TryNormalise(requestId, out var normalised))
            throw new ValidationException(field, "must be a UUID such as 3f2b8c1e-0d4a-4c55-9f8e-2a7b6c5d4e3f");
        var bytes = request.ToByteArray();
        return new IdempotencyKey(operation, normalised, HMACSHA256.HashData(options.HashKey, bytes), SHA256.HashData(bytes));
    }

    /// <summary>Stores the completed response of a write inside the caller's transaction (for batch writes such as imports).</summary>
    public async Task SaveAsync(DbConnection connection, DbTransaction transaction, IdempotencyKey key, IMessage response, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            key.Operation,
            key.RequestId,
            key.RequestHash,
            Response = response.ToByteArray(),
            State = Completed,
            CreatedAt = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>The stored response for the key, or null; the same request_id with another request is INVALID_ARGUMENT.</summary>
    public static async Task<TResponse?> FindAsync<TResponse>(DbConnection connection, DbTransaction? transaction, IdempotencyKey key, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>, new()
    {
        var row = await connection.QuerySingleOrDefaultAsync<StoredRow>(new CommandDefinition(SelectSql,
            new { key.Operation, key.RequestId }, transaction, cancellationToken: cancellationToken));
        if (row is null) return default;
        if (row.State == Pending)
            throw new InvalidOperationException($"A pending idempotency row of {key.Operation} is visible outside its transaction.");
        var expected = row.State == CompletedLegacyHash ? key.LegacyHash : key.RequestHash;
        if (!CryptographicOperations.FixedTimeEquals(row.RequestHash, expected))
            throw new ValidationException("request_id", "was already used for a different request; use a new request_id");
        var parser = new MessageParser<TResponse>(() => new TResponse());
        return parser.ParseFrom(row.Response);
    }

    /// <summary>The columns <see cref="SaveManyAsync"/> writes, in order (one multi-row statement: <see cref="SqlBulk"/>).</summary>
    private static readonly BulkColumn[] BulkColumns =
    [
        new("operation", "text", typeof(string)),
        new("request_id", "text", typeof(string)),
        new("request_hash", "bytea", typeof(byte[])),
        new("response", "bytea", typeof(byte[])),
        new("state", "smallint", typeof(short)),
        new("created_at", "bigint", typeof(long)),
    ];

    // A list parameter: PostgreSQL runs it as "= ANY(@RequestIds)" (SqlBulk.WithInLists).
    private const string SelectManySql = """
        SELECT request_id AS RequestId, request_hash AS RequestHash, response AS Response, state AS State
        FROM idempotency_keys
        WHERE operation = @Operation AND request_id IN @RequestIds
        """;

    // SQLite: the list as one JSON parameter (SqlBulk.JsonList) instead of one parameter per request_id.
    private const string SelectManySqliteSql = """
        SELECT request_id AS RequestId, request_hash AS RequestHash, response AS Response, state AS State
        FROM idempotency_keys
        WHERE operation = @Operation AND request_id IN (SELECT value FROM json_each(@RequestIds))
        """;

    private readonly string _selectManySql = connections.Dialect.Provider == DatabaseProvider.Sqlite
        ? SelectManySqliteSql
        : connections.Dialect.WithInLists(SelectManySql);

    /// <summary>
    /// Stores the completed responses of many writes inside the caller's transaction, in multi-row statements (for
    /// batch writes such as imports): the rows <see cref="SaveAsync"/> would write one by one.
    /// </summary>
    public Task SaveManyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(IdempotencyKey Key, IMessage Response)> writes,
        CancellationToken cancellationToken)
    {
        var createdAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var responses = writes.Select(w => w.Response.ToByteArray()).ToArray();
        return SqlBulk.InsertAsync(connection, transaction, connections.Dialect, "idempotency_keys", BulkColumns, writes.Count, (row, column) => column switch
        {
            0 => writes[row].Key.Operation,
            1 => writes[row].Key.RequestId,
            2 => writes[row].Key.RequestHash,
            3 => responses[row],
            4 => Completed,
            _ => createdAt,
        }, cancellationToken);
    }

    /// <summary>
    /// What <see cref="FindAsync{TResponse}"/> answers for each key, in one query per <see cref="SqlBulk.MaxListLength"/>
    /// keys of one operation: the stored response, null, or — instead of throwing — <see cref="StoredResponse{TResponse}.UsedForOtherRequest"/>.
    /// </summary>
    public async Task<IReadOnlyList<StoredResponse<TResponse>>> FindManyAsync<TResponse>(DbConnection connection, DbTransaction? transaction,
        IReadOnlyList<IdempotencyKey> keys, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>, new()
    {
        var found = new StoredResponse<TResponse>[keys.Count];
        if (keys.Count == 0) return found;
        var operation = keys[0].Operation;
        if (keys.Any(k => k.Operation != operation)) throw new ArgumentException("The keys belong to more than one operation.", nameof(keys));
        var rows = new Dictionary<string, StoredRow>(StringComparer.Ordinal);
        foreach (var chunk in keys.Select(k => k.RequestId).Distinct(StringComparer.Ordinal).Chunk(SqlBulk.MaxListLength))
        {
            object requestIds = connections.Dialect.Provider == DatabaseProvider.Sqlite ? SqlBulk.JsonList(chunk) : chunk;
            foreach (var row in await connection.QueryAsync<StoredRow>(new CommandDefinition(_selectManySql, new { Operation = operation, RequestIds = requestIds },
                         transaction, cancellationToken: cancellationToken)))
                rows[row.RequestId] = row;
        }
        var parser = new MessageParser<TResponse>(() => new TResponse());
        for (var i = 0; i < keys.Count; i++)
        {
            if (!rows.TryGetValue(keys[i].RequestId, out var row)) continue;
            if (row.State == Pending)
                throw new InvalidOperationException($"A pending idempotency row of {operation} is visible outside its transaction.");
            var expected = row.State == CompletedLegacyHash ? keys[i].LegacyHash : keys[i].RequestHash;
            found[i] = CryptographicOperations.FixedTimeEquals(row.RequestHash, expected)
                ? new StoredResponse<TResponse>(parser.ParseFrom(row.Response), false)
                : new StoredResponse<TResponse>(default, true);
        }
        return found;
    }

    /// <summary>True when this transaction now owns the key (a pending row was inserted); false when a committed row holds it.</summary>
    private async Task<bool> ReserveAsync(DbConnection connection, DbTransaction transaction, IdempotencyKey key, CancellationToken cancellationToken)
    {
        var inserted = await connection.ExecuteAsync(new CommandDefinition(_reserveSql, new
        {
            key.Operation,
            key.RequestId,
            key.RequestHash,
            Response = Array.Empty<byte>(),
            State = Pending,
            CreatedAt = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        }, transaction, cancellationToken: cancellationToken));
        return inserted == 1;
    }

    private static async Task CompleteAsync(DbConnection connection, DbTransaction transaction, IdempotencyKey key, IMessage response, CancellationToken cancellationToken)
    {
        var updated = await connection.ExecuteAsync(new CommandDefinition(CompleteSql, new
        {
            Response = response.ToByteArray(),
            State = Completed,
            key.Operation,
            key.RequestId,
            Pending,
        }, transaction, cancellationToken: cancellationToken));
        if (updated != 1) throw new InvalidOperationException($"The reserved idempotency row of {key.Operation} was not found to complete.");
    }

    private bool IsUniqueViolation(Exception? exception) => exception is not null && connections.Dialect.IsUniqueViolation(exception);

    private static bool TryNormalise(string requestId, out string normalised)
    {
        normalised = string.Empty;
        if (requestId.Length != 36 || !Guid.TryParse(requestId, out var parsed)) return false;
        normalised = parsed.ToString("D");
        return true;
    }

    private sealed class StoredRow
    {
        public string RequestId { get; init; } = "";
        public byte[] RequestHash { get; init; } = [];
        public byte[] Response { get; init; } = [];
        public short State { get; init; }
    }
}

/// <summary>
/// What <see cref="IdempotencyStore.FindManyAsync{TResponse}"/> found for one key: the stored response (null: none), or
/// that the request_id was already used for a different request (what <see cref="IdempotencyStore.FindAsync{TResponse}"/>
/// reports as INVALID_ARGUMENT on request_id).
/// </summary>
public readonly record struct StoredResponse<TResponse>(TResponse? Response, bool UsedForOtherRequest);

/// <summary>
/// Identifies one idempotent write: operation, normalised request_id, the request's keyed fingerprint (HMAC-SHA256,
/// stored) and its unkeyed SHA-256 (never stored; only compared with rows written before migration 0002).
/// </summary>
public sealed record IdempotencyKey(string Operation, string RequestId, byte[] RequestHash, byte[] LegacyHash);
