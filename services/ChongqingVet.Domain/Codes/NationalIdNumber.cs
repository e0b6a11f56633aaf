using System.Globalization;

namespace ChongqingVet.Domain.Codes;

/// <summary>
/// 公民身份号码 (GB 11643-1999): 6-digit address, 8-digit birth date, 3-digit sequence, 1 check character.
/// Also accepts the legacy 15-digit form (6 address + YYMMDD + 3 sequence, no check, 19xx births), which is the
/// same person as its 18-digit form: <see cref="Normalize"/> converts it (insert "19" after the address code, compute
/// the check character; 110105491231002 → 11010519491231002X), so indexes, masks and comparisons see one identity.
/// The address code is not checked against today's district list: codes keep the value they had at issue.
/// </summary>
public static class NationalIdNumber
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    /// <summary>
    /// The one form of a number for indexing, masking and comparing: trimmed, upper-case X, and a legacy 15-digit
    /// number that is valid in form (15 digits, a real 19YYMMDD birth date) converted to 18 digits. Anything else is
    /// returned trimmed and upper-cased (validation reports it).
    /// </summary>
    public static string Normalize(string value)
    {
        var id = value.Trim().ToUpperInvariant();
        return id.Length == 15 && IsLegacyInForm(id) ? ToEighteen(id) : id;
    }

    /// <summary>The 18-digit form of a legacy 15-digit number: address (6) + "19" + YYMMDD + sequence (3) + check.</summary>
    public static string ToEighteen(string fifteen)
    {
        if (fifteen.Length != 15 || !fifteen.All(char.IsAsciiDigit)) throw new ArgumentException("A legacy number has 15 digits.", nameof(fifteen));
        var first17 = string.Concat(fifteen.AsSpan(0, 6), "19", fifteen.AsSpan(6));
        return first17 + ComputeCheckCharacter(first17);
    }

    private static bool IsLegacyInForm(string id) =>
        id.All(char.IsAsciiDigit) && id[0] != '0'
        && DateOnly.TryParseExact("19" + id.Substring(6, 6), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    /// <summary>Returns null when valid, otherwise a description of what is wrong (never containing the number).</summary>
    public static string? Validate(string? value, DateOnly today)
    {
        if (string.IsNullOrWhiteSpace(value)) return "is required";
        var id = Normalize(value);
        return id.Length switch
        {
            18 => Validate18(id, today),
            15 => Validate15(id, today),
            _ => "must have 18 characters (or 15 digits for a legacy number)",
        };
    }

    public static bool IsValid(string? value, DateOnly today) => Validate(value, today) is null;

    public static char ComputeCheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++) sum += (first17[i] - '0') * Weights[i];
        return CheckCharacters[sum % 11];
    }

    /// <summary>
    /// Masked for display so the mask helps no guesser: only the first 4 characters (the region) and 14 stars, never
    /// the check character and never more than 6 of the 18 characters (DOMAIN.md §7), e.g. 5001**************.
    /// Applying it to an older, longer-revealing mask gives the same result.
    /// </summary>
    public static string Mask(string value)
    {
        var id = Normalize(value);
        return id.Length < 4 ? new string('*', 18) : id[..4] + new string('*', 14);
    }

    private static string? Validate18(string id, DateOnly today)
    {
        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(id[i])) return "must be 17 digits followed by a digit or X";
        }
        if (!char.IsAsciiDigit(id[17]) && id[17] != 'X') return "must be 17 digits followed by a digit or X";
        if (id[0] == '0') return "has an invalid address code";
        var birthError = CheckBirthDate(id.AsSpan(6, 8), "yyyyMMdd", today);
        if (birthError is not null) return birthError;
        return ComputeCheckCharacter(id) == id[17] ? null : "has a wrong check character";
    }

    private static string? Validate15(string id, DateOnly today)
    {
        foreach (var c in id)
        {
            if (!char.IsAsciiDigit(c)) return "a 15-character number must be all digits";
        }
        if (id[0] == '0') return "has an invalid address code";
        return CheckBirthDate(("19" + id.Substring(6, 6)).AsSpan(), "yyyyMMdd", today);
    }

    private static string? CheckBirthDate(ReadOnlySpan<char> digits, string format, DateOnly today)
    {
        if (!DateOnly.TryParseExact(digits, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var birth))
            return "contains a birth date that does not exist";
        if (birth > today) return "contains a birth date in the future";
        if (birth.Year < 1880) return "contains a birth date before 1880";
        return null;
    }
}
