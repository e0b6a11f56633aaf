using System.Data.Common;
using ChongqingVet.Domain.Security;

namespace ChongqingVet.Data.Audit;

/// <summary>The service's audit log as the <see cref="IAuditSink"/> the access interceptor and the idempotency store write to.</summary>
public sealed class AuditLogSink(AuditLog log) : IAuditSink
{
    public Task AppendInTransactionAsync(DbConnection connection, DbTransaction transaction, AuditedCall call, string outcome, CancellationToken cancellationToken) =>
        log.AppendAsync(connection, transaction, ToRecord(call, outcome), cancellationToken);

    public Task AppendAsync(AuditedCall call, string outcome, CancellationToken cancellationToken) =>
        log.AppendAsync(ToRecord(call, outcome), cancellationToken);

    private static AuditRecord ToRecord(AuditedCall call, string outcome) =>
        new(call.ClientId, call.Subject, call.Method, call.Resource, outcome, call.TraceId);
}
