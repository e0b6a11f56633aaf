using ChongqingVet.Data;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.ApiKit;

/// <summary>Etags (AIP-154) read from a request: a missing or foreign etag is a field violation beside the request's others.</summary>
public static class EtagField
{
    /// <summary>The version an etag carries, or 0 with a violation on <paramref name="field"/> added.</summary>
    public static long Read(string? etag, Violations violations, string field = "etag")
    {
        var problem = Etags.Check(etag, out var version);
        if (problem is null) return version;
        violations.Add(field, problem);
        return 0;
    }

    /// <summary>The version an etag carries; a missing or foreign etag is INVALID_ARGUMENT on <paramref name="field"/> at once.</summary>
    public static long Require(string? etag, string field = "etag")
    {
        var violations = new Violations();
        var version = Read(etag, violations, field);
        violations.ThrowIfAny();
        return version;
    }
}
