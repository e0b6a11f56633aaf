namespace ChongqingVet.Domain.Errors;

/// <summary>
/// Base of every error a service reports on purpose. The gRPC layer maps each subtype to one status code;
/// <see cref="Reason"/> becomes google.rpc.ErrorInfo.reason. Messages are safe to show to callers: never put
/// personal data (ID numbers, names) or internal details into them.
/// </summary>
public abstract class DomainException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;

    /// <summary>Extra ErrorInfo metadata (resource names, limits), never personal data.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>One bad field of a request: the field path as in the proto (snake_case, e.g. "requirements[2].weight").</summary>
public sealed record FieldViolation(string Field, string Description);

/// <summary>INVALID_ARGUMENT with every field violation of the request.</summary>
public sealed class ValidationException(IReadOnlyList<FieldViolation> violations, string reason = "INVALID_ARGUMENT")
    : DomainException(reason, Describe(violations))
{
    public IReadOnlyList<FieldViolation> Violations { get; } = violations;

    public ValidationException(string field, string description, string reason = "INVALID_ARGUMENT")
        : this([new FieldViolation(field, description)], reason)
    {
    }

    private static string Describe(IReadOnlyList<FieldViolation> violations) =>
        violations.Count == 1
            ? $"Invalid request: {violations[0].Field}: {violations[0].Description}"
            : $"Invalid request: {violations.Count} field violations.";
}

/// <summary>NOT_FOUND: the named resource does not exist (or the caller may not know that it does).</summary>
public sealed class NotFoundException(string resourceType, string resourceName, string? reason = null)
    : DomainException(reason ?? $"{ToUpperSnake(resourceType)}_NOT_FOUND", $"{resourceType} '{resourceName}' was not found.")
{
    public string ResourceType { get; } = resourceType;
    public string ResourceName { get; } = resourceName;

    internal static string ToUpperSnake(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(name[i - 1])) builder.Append('_');
            builder.Append(c is ' ' or '-' ? '_' : char.ToUpperInvariant(c));
        }
        return builder.ToString();
    }
}

/// <summary>ALREADY_EXISTS: a unique key is taken (enforced by a unique index, reported here).</summary>
public sealed class AlreadyExistsException(string resourceType, string resourceName, string? reason = null)
    : DomainException(reason ?? $"{NotFoundException.ToUpperSnake(resourceType)}_ALREADY_EXISTS", $"{resourceType} '{resourceName}' already exists.")
{
    public string ResourceType { get; } = resourceType;
    public string ResourceName { get; } = resourceName;
}

/// <summary>ABORTED: the etag the caller sent is stale (AIP-154); re-read and retry.</summary>
public sealed class ConcurrencyConflictException(string resourceType, string resourceName)
    : DomainException("ETAG_MISMATCH", $"{resourceType} '{resourceName}' was changed by someone else; read it again and retry with its new etag.")
{
    public string ResourceType { get; } = resourceType;
    public string ResourceName { get; } = resourceName;
}

/// <summary>FAILED_PRECONDITION: the request is valid but the resource is not in a state that allows it.</summary>
public sealed class FailedPreconditionException(string reason, string message) : DomainException(reason, message);

/// <summary>PERMISSION_DENIED: the caller may not do this. Checked before existence.</summary>
public sealed class PermissionDeniedException(string reason, string message) : DomainException(reason, message);

/// <summary>UNAUTHENTICATED: no valid credentials came with the call.</summary>
public sealed class UnauthenticatedException(string message = "This call needs a valid bearer token (or client certificate).")
    : DomainException("UNAUTHENTICATED", message);

/// <summary>RESOURCE_EXHAUSTED: a rate limit or lock-out; the caller may retry after <see cref="RetryAfter"/>.</summary>
public sealed class RateLimitedException(string reason, string message, TimeSpan retryAfter) : DomainException(reason, message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>ABORTED: the server gave up on a call that stalled or lost a race (not an etag conflict); the caller may resume.</summary>
public sealed class AbortedException(string reason, string message) : DomainException(reason, message);
