using System.Data.Common;
using System.Security.Cryptography;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;
using Dapper;
using Google.Protobuf;

namespace ChongqingVet.Data;

/// <summary>
/// Makes writes idempotent by request_id (AIP-155): the first response is stored in the same transaction as the
/// change, and a retry with the same request_id gets exactly those bytes back without changing anything. The same
/// request_id with a different request is INVALID_ARGUMENT. An empty request_id runs the write in one transaction
/// without this guard. "The same request" means the same SHA-256 over the request's protobuf bytes (request_id
/// included, which a retry repeats anyway). Concurrent twins: on SQLite write transactions queue (BEGIN IMMEDIATE),
/// so the second finds the first's row; elsewhere the loser hits a unique index (the idempotency key's or the write's
/// own), is rolled back, and returns the winner's stored response. Rows stay until <see cref="DeleteOlderThanAsync"/>.
/// </summary>
public sealed class IdempotencyStore(IDbConnectionFactory connections, TimeProvider clock, IAuditSink? audit = null)
{
    private const string SelectSql = """
        SELECT request_hash AS RequestHash, response AS Response
        FROM idempotency_keys
        WHERE operation = @Operation AND request_id = @RequestId
        """;

    private const string InsertSql = """
        INSERT INTO idempotency_keys (operation, request_id, request_hash, response, created_at)
        VALUES (@Operation, @RequestId, @RequestHash, @Response, @CreatedAt)
        """;

    private const string DeleteOlderThanSql = "DELETE FROM idempotency_keys WHERE created_at < @Before";

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
            var stored = await FindAsync<TResponse>(connection, transaction, key, cancellationToken);
            if (stored is not null) return stored;

            var response = await write(connection, transaction);
            await SaveAsync(connection, transaction, key, response, cancellationToken);
            await CommitWithAuditAsync(connection, transaction, cancellationToken);
            return response;
        }
        catch (Exception exception) when (IsLostRace(exception))
        {
            // A concurrent twin committed first (its idempotency row, or the business row it created, collided
            // with ours). Our transaction was rolled back; if the twin stored a response, that is the answer.
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
    }

    /// <summary>The key of one write; a malformed request_id is INVALID_ARGUMENT on <paramref name="field"/>.</summary>
    public static IdempotencyKey CreateKey(string operation, string requestId, IMessage request, string field = "request_id")
    {
        if (!Guid.TryParse(requestId, out var parsed) || requestId.Length != 36)
            throw new ValidationException(field, "must be a UUID such as 3f2b8c1e-0d4a-4c55-9f8e-2a7b6c5d4e3f");
        return new IdempotencyKey(operation, parsed.ToString("D"), SHA256.HashData(request.ToByteArray()));
    }

    /// <summary>Stores the response of a write inside the caller's transaction (for batch writes such as imports).</summary>
    public async Task SaveAsync(DbConnection connection, DbTransaction transaction, IdempotencyKey key, IMessage response, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            key.Operation,
            key.RequestId,
            key.RequestHash,
            Response = response.ToByteArray(),
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
        if (!CryptographicOperations.FixedTimeEquals(row.RequestHash, key.RequestHash))
            throw new ValidationException("request_id", "was already used for a different request; use a new request_id");
        var parser = new MessageParser<TResponse>(() => new TResponse());
        return parser.ParseFrom(row.Response);
    }

    private bool IsLostRace(Exception exception) =>
        connections.Dialect.IsUniqueViolation(exception)
        || exception is AlreadyExistsException
        || (exception.InnerException is not null && connections.Dialect.IsUniqueViolation(exception.InnerException));

    private sealed class StoredRow
    {
        public byte[] RequestHash { get; init; } = [];
        public byte[] Response { get; init; } = [];
    }
}

/// <summary>Identifies one idempotent write: operation, normalised request_id and the request's SHA-256.</summary>
public sealed record IdempotencyKey(string Operation, string RequestId, byte[] RequestHash);
