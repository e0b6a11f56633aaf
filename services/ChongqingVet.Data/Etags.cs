using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Data;

/// <summary>
/// Etags (AIP-154) over an integer version column: every update does
/// <c>UPDATE … SET version = version + 1 WHERE id = @Id AND version = @Version</c>; zero rows on an existing row
/// means the caller's etag is stale (ABORTED).
/// </summary>
public static class Etags
{
    public static string From(long version) => "W/\"" + version.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"";

    public static long Parse(string? etag, string field = "etag")
    {
        var problem = Check(etag, out var version);
        return problem is null ? version : throw new ValidationException(field, problem);
    }

    /// <summary>Reads the version of an etag; returns null when it is fine, else what is wrong with it (a field violation's text).</summary>
    public static string? Check(string? etag, out long version)
    {
        version = 0;
        if (string.IsNullOrEmpty(etag)) return "is required; read the resource to get its etag";
        if (etag.StartsWith("W/\"", StringComparison.Ordinal) && etag.EndsWith('"') && etag.Length > 4
            && long.TryParse(etag.AsSpan(3, etag.Length - 4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out version))
        {
            return null;
        }
        version = 0;
        return "is not an etag this service issued";
    }

    /// <summary>After a versioned UPDATE: nothing changed and the row exists → stale etag; the row is gone → not found.</summary>
    public static void EnsureUpdated(int rowsAffected, bool exists, string resourceType, string name)
    {
        if (rowsAffected > 0) return;
        if (!exists) throw new NotFoundException(resourceType, name);
        throw new ConcurrencyConflictException(resourceType, name);
    }
}
