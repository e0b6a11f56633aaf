namespace ChongqingVet.Domain.Codes;

/// <summary>
/// 统一社会信用代码 (GB 32100-2015): 18 characters over the 31-character set without I, O, S, V, Z;
/// the 18th is a check character. Prefix 12 = public institution, 52 = private non-enterprise unit, 91 = enterprise.
/// </summary>
public static class UnifiedSocialCreditCode
{
    private const string Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    public static string Normalize(string value) => value.Trim().ToUpperInvariant();

    /// <summary>Returns null when valid, otherwise what is wrong.</summary>
    public static string? Validate(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return "is required";
        var code = Normalize(value);
        if (code.Length != 18) return "must have 18 characters";
        foreach (var c in code)
        {
            if (Alphabet.IndexOf(c) < 0) return "may only contain digits and the letters A–Y without I, O, S, V, Z";
        }
        return ComputeCheckCharacter(code) == code[17] ? null : "has a wrong check character";
    }

    public static bool IsValid(string? value) => Validate(value) is null;

    public static char ComputeCheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++) sum += Alphabet.IndexOf(first17[i]) * Weights[i];
        return Alphabet[(31 - sum % 31) % 31];
    }
}
