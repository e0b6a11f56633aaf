namespace ChongqingVet.Domain.Errors;

/// <summary>
/// Collects every field violation of one request, so the caller learns all of them at once.
/// Usage: <c>var v = new Violations(); v.Require(...); v.ThrowIfAny();</c>
/// </summary>
public sealed class Violations
{
    private readonly List<FieldViolation> _items = [];

    public IReadOnlyList<FieldViolation> Items => _items;

    public bool Any => _items.Count > 0;

    public Violations Add(string field, string description)
    {
        _items.Add(new FieldViolation(field, description));
        return this;
    }

    /// <summary>Adds a violation when <paramref name="condition"/> is false. Returns the condition.</summary>
    public bool Check(bool condition, string field, string description)
    {
        if (!condition) Add(field, description);
        return condition;
    }

    public bool RequireText(string? value, string field, int maxLength = 200)
    {
        if (string.IsNullOrWhiteSpace(value)) return Check(false, field, "is required");
        if (!Check(value.Length <= maxLength, field, $"must be at most {maxLength} characters")) return false;
        return Check(!HasForbiddenCharacter(value), field, "must not contain NUL or bidirectional control characters");
    }

    /// <summary>
    /// NUL (PostgreSQL text cannot store it) and the bidirectional embedding/override/isolate controls (U+202A–U+202E,
    /// U+2066–U+2069), which let stored text display differently from what it is.
    /// </summary>
    public static bool HasForbiddenCharacter(string value) =>
        value.AsSpan().IndexOfAny('\0', '\u202A', '\u202B') >= 0 || value.Any(c => c is >= '\u202C' and <= '\u202E' or >= '\u2066' and <= '\u2069');

    /// <summary>
    /// An enum field or filter: a number that is not a defined value (a client may send any int, e.g. status: 77) is a
    /// violation; with <paramref name="required"/> the zero value (…_UNSPECIFIED) is one too. Returns whether it is fine.
    /// </summary>
    public bool CheckEnum<TEnum>(TEnum value, string field, bool required = false)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value)) return Check(false, field, $"is not a known value ({Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)})");
        return !required || Check(!EqualityComparer<TEnum>.Default.Equals(value, default), field, "is required");
    }

    /// <summary>
    /// A calendar date between <paramref name="earliest"/> and <paramref name="latest"/> (inclusive; null = unbounded).
    /// A null <paramref name="value"/> is a violation only when <paramref name="required"/>.
    /// </summary>
    public bool CheckDate(DateOnly? value, string field, DateOnly? earliest, DateOnly? latest, bool required = true)
    {
        if (value is not { } date) return !required || Check(false, field, "is required and must be a real date");
        if (earliest is { } min && date < min)
            return Check(false, field, $"must not be before {min:yyyy-MM-dd}");
        if (latest is { } max && date > max)
            return Check(false, field, max == DateOnly.MaxValue ? "is out of range" : $"must not be after {max:yyyy-MM-dd}");
        return true;
    }

    /// <summary>Adds the violations of a nested item, prefixing each field with <paramref name="prefix"/>.</summary>
    public void AddNested(string prefix, IEnumerable<FieldViolation> nested)
    {
        foreach (var violation in nested) Add($"{prefix}.{violation.Field}", violation.Description);
    }

    public void ThrowIfAny(string reason = "INVALID_ARGUMENT")
    {
        if (_items.Count > 0) throw new ValidationException(_items.ToArray(), reason);
    }
}
