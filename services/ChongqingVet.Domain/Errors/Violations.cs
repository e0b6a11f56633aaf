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
        return Check(value.Length <= maxLength, field, $"must be at most {maxLength} characters");
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
