using System.Text.RegularExpressions;

namespace ChongqingVet.JobPostings.Domain;

/// <summary>职业分类大典 (2022) codes: D-DD-DD-DD (大类 1–8, 中类, 小类, 职业). The S/L flags are kept apart from the code.</summary>
public static partial class OccupationCode
{
    [GeneratedRegex(@"^[1-8]-\d{2}-\d{2}-\d{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex Format();

    public static string? Validate(string? code)
    {
        if (string.IsNullOrEmpty(code)) return "is required";
        return Format().IsMatch(code) ? null : "must be a 职业分类大典 code D-DD-DD-DD, e.g. 6-31-01-03";
    }

    public static bool IsValid(string? code) => Validate(code) is null;
}
