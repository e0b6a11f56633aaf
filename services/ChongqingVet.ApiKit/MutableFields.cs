using ChongqingVet.Domain.Errors;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.ApiKit;

/// <summary>
/// Update masks (AIP-134) over an allow-list of the mutable fields of one message: an empty mask means every mutable
/// field; a path that is not a field of the message, or names an output-only or immutable field, is INVALID_ARGUMENT
/// on update_mask (one violation per path). The chosen fields are copied with Google.Protobuf's
/// <see cref="FieldMask.Merge"/>, replacing repeated and message fields and clearing a field the change leaves unset.
/// The allow-list is checked against the message's descriptor when the policy is built (at type load), so a typo
/// fails at start-up, not on a call.
/// </summary>
public sealed class MutableFields<T> where T : class, IMessage<T>, new()
{
    private static readonly FieldMask.MergeOptions Replace = new()
    {
        ReplaceMessageFields = true,
        ReplaceRepeatedFields = true,
        ReplacePrimitiveFields = true,
    };

    private readonly MessageDescriptor _descriptor = new T().Descriptor;
    private readonly string[] _mutable;

    public MutableFields(params string[] mutable)
    {
        foreach (var path in mutable)
        {
            if (_descriptor.FindFieldByName(path) is null)
                throw new ArgumentException($"'{path}' is not a field of {_descriptor.FullName}.", nameof(mutable));
        }
        _mutable = mutable;
    }

    public IReadOnlyList<string> Mutable => _mutable;

    /// <summary>The paths an update touches: the mask's, or every mutable field for an empty mask.</summary>
    public IReadOnlyList<string> Resolve(FieldMask? mask, string field = "update_mask")
    {
        if (mask is null || mask.Paths.Count == 0) return _mutable;
        var violations = new Violations();
        foreach (var path in mask.Paths)
        {
            if (_mutable.Contains(path, StringComparer.Ordinal)) continue;
            violations.Add(field, _descriptor.FindFieldByName(path) is null
                ? $"'{path}' is not a field of {_descriptor.Name}"
                : $"'{path}' cannot be updated; updatable: {string.Join(", ", _mutable)}");
        }
        violations.ThrowIfAny();
        return mask.Paths.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>A copy of <paramref name="current"/> with the masked fields taken from <paramref name="changes"/>.</summary>
    public T Apply(T current, T changes, FieldMask? mask, string field = "update_mask")
    {
        var paths = Resolve(mask, field);
        var updated = current.Clone();
        var source = changes.Clone();
        new FieldMask { Paths = { paths } }.Merge(source, updated, Replace);
        // Merge copies a proto3 `optional` scalar only when the change sets it; a masked one left unset clears it.
        foreach (var path in paths)
        {
            var descriptor = _descriptor.FindFieldByName(path);
            if (descriptor is { HasPresence: true, IsRepeated: false } && !descriptor.Accessor.HasValue(source))
                descriptor.Accessor.Clear(updated);
        }
        return updated;
    }
}
