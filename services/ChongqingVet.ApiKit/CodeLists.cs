using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.ApiKit;

/// <summary>
/// Limits and checks of the repeated code fields of batch gets and list filters (BatchGetCourses, BatchGetCompetitions,
/// the <c>skill_codes</c> filter of ListCourses, ListCertificateTypes and ListEvents).
/// </summary>
public static class CodeLists
{
    /// <summary>Ids per batch get (BatchGetCourses, BatchGetCompetitions).</summary>
    public const int MaxBatchGet = 100;

    /// <summary>Codes per <c>skill_codes</c> list filter.</summary>
    public const int MaxSkillCodesFilter = 100;

    /// <summary>
    /// At most <paramref name="max"/> items, each passing <paramref name="validate"/> (null when valid); one violation per
    /// bad item (<c>field[i]</c>), checked up to the limit.
    /// </summary>
    public static void Check(IReadOnlyList<string> items, int max, string field, Func<string, string?> validate, Violations violations)
    {
        violations.Check(items.Count <= max, field, $"must have at most {max} items");
        for (var i = 0; i < items.Count && i < max; i++)
        {
            var error = validate(items[i]);
            if (error is not null) violations.Add($"{field}[{i}]", error);
        }
    }

    /// <summary>The <c>skill_codes</c> filter: at most <see cref="MaxSkillCodesFilter"/> valid skill codes.</summary>
    public static void CheckSkillCodes(IReadOnlyList<string> codes, Violations violations, string field = "skill_codes") =>
        Check(codes, MaxSkillCodesFilter, field, SkillCode.Validate, violations);

    /// <summary>The filter's value as one page-token binding (order and repeats do not change what is listed).</summary>
    public static string FilterKey(IEnumerable<string> codes) => string.Join(',', codes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
}
