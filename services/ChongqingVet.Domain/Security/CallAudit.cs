using System.Data.Common;

namespace ChongqingVet.Domain.Security;

/// <summary>One audited call: who, which method, on which resource (ids only, never personal data), the trace id.</summary>
public sealed record AuditedCall(string ClientId, string Subject, string Method, string Resource, string TraceId);

/// <summary>
/// Where audit records go (the service's hash-chained audit log). A write's record is appended inside the write's own
/// transaction (<see cref="AppendInTransactionAsync"/>); reads and refused or failed calls get their own transaction.
/// </summary>
public interface IAuditSink
{
    Task AppendInTransactionAsync(DbConnection connection, DbTransaction transaction, AuditedCall call, string outcome, CancellationToken cancellationToken);

    Task AppendAsync(AuditedCall call, string outcome, CancellationToken cancellationToken);
}

/// <summary>
/// The write being audited on this async flow. The access interceptor opens it before a write runs; the idempotency
/// store appends it inside the write's transaction (so the record and the write commit or roll back together) and
/// marks it written; the interceptor appends whatever was not written (a refused or failed write, or a write that
/// commits in batches of its own) when the call ends.
/// </summary>
public sealed class PendingWriteAudit(AuditedCall call)
{
    private static readonly AsyncLocal<PendingWriteAudit?> CurrentWrite = new();

    public AuditedCall Call { get; } = call;

    public bool Written { get; private set; }

    public static PendingWriteAudit? Current => CurrentWrite.Value;

    public static PendingWriteAudit Begin(AuditedCall call) => CurrentWrite.Value = new PendingWriteAudit(call);

    public static void End() => CurrentWrite.Value = null;

    /// <summary>Appends the record inside the caller's transaction, once.</summary>
    public async Task AppendAsync(IAuditSink sink, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (Written) return;
        await sink.AppendInTransactionAsync(connection, transaction, Call, "OK", cancellationToken);
        Written = true;
    }

    /// <summary>The transaction rolled back: its record went with it.</summary>
    public void RolledBack() => Written = false;
}
