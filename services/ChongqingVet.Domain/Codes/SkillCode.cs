namespace ChongqingVet.Domain.Codes;

/// <summary>
/// The shared skill vocabulary's code format (owned by the job postings catalog, checked by format everywhere):
/// 3–32 characters of upper-case letters, digits, '-' and '.'.
/// </summary>
public static class SkillCode
{
    public const int MinLength = 3;
    public const int MaxLength = 32;

    public static string? Validate(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "is required";
        if (value.Length is < MinLength or > MaxLength) return $"must have {MinLength} to {MaxLength} characters";
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
                return "may only contain upper-case letters, digits, '-' and '.'";
        }
        return null;
    }

    public static bool IsValid(string? value) => Validate(value) is null;
}

/// <summary>
/// A learner's identifier as other government systems send it: 1–64 characters of letters, digits, '-' and '_',
/// starting with a letter or digit. Opaque; never a national ID number.
/// </summary>
public static class LearnerId
{
    public const int MaxLength = 64;

    public static string? Validate(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "is required";
        if (value.Length > MaxLength) return $"must be at most {MaxLength} characters";
        if (!char.IsAsciiLetterOrDigit(value[0])) return "must start with a letter or digit";
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return "may only contain letters, digits, '-' and '_'";
        }
        return null;
    }

    public static bool IsValid(string? value) => Validate(value) is null;
}
