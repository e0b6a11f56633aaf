using ChongqingVet.Domain.Errors;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.ServiceDefaults;

/// <summary>Update masks (AIP-134): an empty mask means every updatable field; an unknown path is INVALID_ARGUMENT.</summary>
public static class UpdateMasks
{
    public static IReadOnlyList<string> Resolve(FieldMask? mask, IReadOnlyList<string> updatable)
    {
        if (mask is null || mask.Paths.Count == 0) return updatable;
        var unknown = mask.Paths.Where(path => !updatable.Contains(path)).ToArray();
        if (unknown.Length > 0)
        {
            throw new ValidationException(unknown
                .Select(path => new FieldViolation("update_mask", $"'{path}' cannot be updated; updatable: {string.Join(", ", updatable)}"))
                .ToArray());
        }
        return mask.Paths.ToArray();
    }
}
