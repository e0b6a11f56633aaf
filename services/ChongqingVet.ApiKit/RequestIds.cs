using ChongqingVet.Domain.Errors;

namespace ChongqingVet.ApiKit;

/// <summary>
/// The one request_id rule (AIP-155) for every write of every service: required, and a UUID written as 36 characters
/// (8-4-4-4-12 hexadecimal digits, either case) — the form the idempotency store keys on. A client makes one per
/// logical write and repeats it on every retry of that write.
/// </summary>
public static class RequestIds
{
    public const int MaxLength = 36;
    public const string Field = "request_id";
    public const string Rule = "is required: a UUID such as 3f2b8c1e-0d4a-4c55-9f8e-2a7b6c5d4e3f, made once per write and repeated on its retries";

    public static bool IsValid(string? requestId) =>
        requestId is { Length: MaxLength }
        && Guid.TryParseExact(requestId, "D", out _);

    /// <summary>Adds the request_id violation (on <paramref name="field"/>) when the id breaks the rule; returns whether it is fine.</summary>
    public static bool Check(string? requestId, Violations violations, string field = Field) =>
        violations.Check(IsValid(requestId), field, Rule);

    /// <summary>INVALID_ARGUMENT on request_id at once when the id breaks the rule.</summary>
    public static void Require(string? requestId, string field = Field)
    {
        if (!IsValid(requestId)) throw new ValidationException(field, Rule);
    }
}
