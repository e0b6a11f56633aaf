using System.Text;

namespace ChongqingVet.Domain.Codes;

/// <summary>
/// A person's name as typed by people and legacy systems (DOMAIN.md §8). One rule for issuance, import and
/// verification: Unicode NFKC (full-width letters and digits become ASCII, compatibility forms their base
/// character), the middle-dot variants of minority and foreign names (· U+00B7, • U+2022, ． U+FF0E and the dots
/// NFKC turns them into) unified to U+00B7, and for indexing every white space removed ("张 三" = "张三").
/// Control, zero-width and bidirectional formatting characters are refused: they make names that look equal
/// compare unequal (or the reverse), so they are an error, not something to strip silently.
/// </summary>
public static class PersonName
{
    /// <summary>The one middle dot every variant becomes.</summary>
    public const char MiddleDot = '\u00B7';

    public const int DefaultMaxLength = 100;

    /// <summary>Returns null when the name is acceptable, otherwise what is wrong (never containing the name).</summary>
    public static string? Validate(string? value, int maxLength = DefaultMaxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) return "is required";
        foreach (var c in value)
        {
            if (IsForbidden(c)) return "must not contain control, zero-width or bidirectional formatting characters";
        }
        if (!IsWellFormed(value)) return "is not well-formed Unicode";
        var normalized = Normalize(value);
        if (normalized.Length > maxLength) return $"must be at most {maxLength} characters";
        return null;
    }

    public static bool IsValid(string? value, int maxLength = DefaultMaxLength) => Validate(value, maxLength) is null;

    /// <summary>The name to store and show: NFKC, trimmed, inner white space runs collapsed to one space, dots unified.</summary>
    public static string Normalize(string value)
    {
        var text = SafeNfkc(value);
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace) builder.Append(' ');
            pendingSpace = false;
            builder.Append(IsMiddleDotVariant(c) ? MiddleDot : c);
        }
        return builder.ToString();
    }

    /// <summary>The form a blind index or an exact comparison uses: <see cref="Normalize"/> without any white space.</summary>
    public static string IndexForm(string value)
    {
        var normalized = Normalize(value);
        return normalized.Contains(' ', StringComparison.Ordinal) ? normalized.Replace(" ", string.Empty, StringComparison.Ordinal) : normalized;
    }

    /// <summary>Control characters (Cc), zero-width characters and bidirectional formatting characters.</summary>
    public static bool IsForbidden(char c) =>
        char.IsControl(c)
        || c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF' // zero width space / non-joiner / joiner, word joiner, BOM
        || c is '\u200E' or '\u200F' or '\u061C' // LRM, RLM, Arabic letter mark
        || c is >= '\u202A' and <= '\u202E' // LRE, RLE, PDF, LRO, RLO
        || c is >= '\u2066' and <= '\u2069'; // LRI, RLI, FSI, PDI

    /// <summary>
    /// Dots written between the parts of a transliterated name: U+00B7 middle dot, U+2022 bullet, U+FF0E full-width
    /// full stop (NFKC makes it '.'), '.', U+30FB/U+FF65 katakana middle dot, U+2027 hyphenation point, U+2219 bullet
    /// operator, U+22C5 dot operator, U+0387 Greek ano teleia.
    /// </summary>
    public static bool IsMiddleDotVariant(char c) =>
        c is '\u00B7' or '\u2022' or '\uFF0E' or '.' or '\u30FB' or '\uFF65' or '\u2027' or '\u2219' or '\u22C5' or '\u0387';

    private static bool IsWellFormed(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(value[i])) return false;
        }
        return true;
    }

    // string.Normalize throws on lone surrogates; Validate refuses those, so here they are only passed through.
    private static string SafeNfkc(string value) => IsWellFormed(value) ? value.Normalize(NormalizationForm.FormKC) : value;
}
