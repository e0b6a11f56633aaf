using System.Diagnostics;
using System.Security.Claims;
using Grpc.Core;

namespace ChongqingVet.Data.Audit;

/// <summary>Builds the audit record of a gRPC call from its context: client, subject, full method and trace id.</summary>
public static class AuditCalls
{
    /// <summary>
    /// The record of the current call on <paramref name="resource"/> (e.g. <c>learners/L0001</c>) with
    /// <paramref name="outcome"/>. Client: the <c>client_id</c> claim, else <c>azp</c>; subject: <c>sub</c> (or the
    /// name identifier the JWT handler maps it to); both empty for an anonymous call.
    /// </summary>
    public static AuditRecord Record(ServerCallContext context, string resource, string outcome = AuditOutcome.Ok)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.GetHttpContext().User;
        return new AuditRecord(
            ClaimOf(user, "client_id", "azp"),
            ClaimOf(user, "sub", ClaimTypes.NameIdentifier),
            context.Method,
            resource,
            outcome,
            Activity.Current?.TraceId.ToHexString() ?? string.Empty);
    }

    private static string ClaimOf(ClaimsPrincipal user, string type, string fallbackType) =>
        user.FindFirst(type)?.Value ?? user.FindFirst(fallbackType)?.Value ?? string.Empty;
}
