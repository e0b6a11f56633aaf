using ChongqingVet.Domain.Codes;

namespace ChongqingVet.Data.Audit;

/// <summary>
/// What one audited call did: who (<paramref name="ClientId"/>, <paramref name="Subject"/>), what
/// (<paramref name="Method"/> — the full gRPC method — on <paramref name="Resource"/>, e.g. <c>learners/L0001</c>),
/// how it ended (<paramref name="Outcome"/>: <c>OK</c> or a status code name, see <see cref="AuditOutcome"/>) and
/// the trace id. <see cref="Time"/> is stamped by <see cref="AuditLog"/> from its clock when left null.
/// Never put personal data (ID numbers, names) into any field: a resource names records by their ids.
/// </summary>
public sealed record AuditRecord(string ClientId, string Subject, string Method, string Resource, string Outcome, string TraceId)
{
    /// <summary>When the call happened; null means "now" on the audit log's clock.</summary>
    public DateTimeOffset? Time { get; init; }

    public const int MaxClientIdLength = 200;
    public const int MaxSubjectLength = 200;
    public const int MaxMethodLength = 200;
    public const int MaxResourceLength = 400;
    public const int MaxOutcomeLength = 40;
    public const int MaxTraceIdLength = 32;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> for a record the log must not store: a missing method, resource or
    /// outcome, a field longer than its column, or a field (or a '/'-separated part of the resource) that is a
    /// national ID number. These are programming errors of the caller, not bad input of a client.
    /// </summary>
    public void Validate(DateOnly today)
    {
        Check(ClientId, nameof(ClientId), MaxClientIdLength, required: false, today);
        Check(Subject, nameof(Subject), MaxSubjectLength, required: false, today);
        Check(Method, nameof(Method), MaxMethodLength, required: true, today);
        Check(Resource, nameof(Resource), MaxResourceLength, required: true, today);
        Check(Outcome, nameof(Outcome), MaxOutcomeLength, required: true, today);
        Check(TraceId, nameof(TraceId), MaxTraceIdLength, required: false, today);
    }

    private static void Check(string? value, string name, int maxLength, bool required, DateOnly today)
    {
        if (value is null) throw new ArgumentException($"The audit record's {name} must not be null (use an empty string).", name);
        if (required && value.Length == 0) throw new ArgumentException($"The audit record's {name} is required.", name);
        if (value.Length > maxLength) throw new ArgumentException($"The audit record's {name} is longer than {maxLength} characters.", name);
        foreach (var part in value.Split('/'))
        {
            // The message names the field, never the value.
            if (part.Length is 15 or 18 && NationalIdNumber.IsValid(part, today))
                throw new ArgumentException($"The audit record's {name} contains a national ID number; audit records hold no personal data.", name);
        }
    }
}

/// <summary>One stored record of the chain: the audited fields plus its position and the two hashes that chain it.</summary>
public sealed record AuditEntry(
    long Sequence,
    DateTimeOffset Time,
    string ClientId,
    string Subject,
    string Method,
    string Resource,
    string Outcome,
    string TraceId,
    byte[] PreviousHash,
    byte[] Hash);

/// <summary>Outcome texts: <c>OK</c> or the canonical gRPC status code name (<c>PERMISSION_DENIED</c> …).</summary>
public static class AuditOutcome
{
    public const string Ok = "OK";

    /// <summary>The canonical upper-snake name of a status code, as in google.rpc.Code: PermissionDenied → PERMISSION_DENIED.</summary>
    public static string FromStatusCode(Grpc.Core.StatusCode code)
    {
        if (code == Grpc.Core.StatusCode.OK) return Ok;
        var name = code.ToString();
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i])) builder.Append('_');
            builder.Append(char.ToUpperInvariant(name[i]));
        }
        return builder.ToString();
    }
}
