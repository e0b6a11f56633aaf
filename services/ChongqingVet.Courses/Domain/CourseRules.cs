using ChongqingVet.Common.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Courses.Domain;

/// <summary>Validation of majors, courses, grades and credit rules.</summary>
public static class CourseRules
{
    /// <summary>Level of a 专业目录 code from its 大类: 中职 61–79, 高职专科 41–59, 职业本科 21–39.</summary>
    public static MajorLevel LevelOf(string code)
    {
        if (code.Length != 6 || !code.All(char.IsAsciiDigit)) return MajorLevel.Unspecified;
        var group = int.Parse(code.AsSpan(0, 2), System.Globalization.CultureInfo.InvariantCulture);
        return group switch
        {
            >= 61 and <= 79 => MajorLevel.Secondary,
            >= 41 and <= 59 => MajorLevel.HigherDiploma,
            >= 21 and <= 39 => MajorLevel.Bachelor,
            _ => MajorLevel.Unspecified,
        };
    }

    public static bool IsMajorCode(string code) => LevelOf(code) != MajorLevel.Unspecified;

    public static void Validate(Course course, Violations violations, string prefix = "course.")
    {
        var codeError = SkillCode.Validate(course.Code);
        if (codeError is not null) violations.Add(prefix + "code", codeError);
        violations.RequireText(course.Name, prefix + "name");
        violations.Check(course.Credits > 0 && course.Credits <= 30 && Math.Abs(course.Credits * 2 - Math.Round(course.Credits * 2)) < 1e-9,
            prefix + "credits", "must be more than 0 and at most 30, in steps of 0.5");
        violations.Check(course.Hours is >= 0 and <= 1000, prefix + "hours", "must be between 0 and 1000");
        violations.Check(course.Category != CourseCategory.Unspecified && Enum.IsDefined(course.Category), prefix + "category", "is required");
        violations.Check(course.PassMark is >= 0 and <= 100, prefix + "pass_mark", "must be between 0 and 100 (0 means 60)");
        if (course.OwnerCreditCode.Length > 0)
        {
            var creditError = UnifiedSocialCreditCode.Validate(course.OwnerCreditCode);
            if (creditError is not null) violations.Add(prefix + "owner_credit_code", creditError);
        }
        for (var i = 0; i < course.MajorCodes.Count; i++)
            violations.Check(IsMajorCode(course.MajorCodes[i]), $"{prefix}major_codes[{i}]", "is not a 6-digit 专业目录 code");
        var skills = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < course.SkillOutcomes.Count; i++)
        {
            var outcome = course.SkillOutcomes[i];
            var error = SkillCode.Validate(outcome.SkillCode);
            if (error is not null) violations.Add($"{prefix}skill_outcomes[{i}].skill_code", error);
            else if (!skills.Add(outcome.SkillCode)) violations.Add($"{prefix}skill_outcomes[{i}].skill_code", "is listed twice");
            violations.Check(outcome.Level != SkillLevel.Unspecified && Enum.IsDefined(outcome.Level), $"{prefix}skill_outcomes[{i}].level", "is required");
        }
    }

    public static bool IsTerm(string term) => System.Text.RegularExpressions.Regex.IsMatch(term, @"^(\d{4})-(\d{4})-[12]$")
                                             && int.Parse(term.AsSpan(5, 4), System.Globalization.CultureInfo.InvariantCulture) == int.Parse(term.AsSpan(0, 4), System.Globalization.CultureInfo.InvariantCulture) + 1;

    public static double EffectivePassMark(double passMark) => passMark <= 0 ? 60 : passMark;

    public static void Validate(CreditRule rule, Violations violations)
    {
        if (rule.MajorCode.Length > 0) violations.Check(IsMajorCode(rule.MajorCode), "rule.major_code", "is not a 6-digit 专业目录 code");
        switch (rule.SourceCase)
        {
            case CreditRule.SourceOneofCase.Certificate:
                var typeError = SkillCode.Validate(rule.Certificate.TypeCode);
                if (typeError is not null) violations.Add("rule.certificate.type_code", typeError);
                violations.Check(rule.Certificate.Level != CertificateLevel.Unspecified && Enum.IsDefined(rule.Certificate.Level), "rule.certificate.level", "is required");
                break;
            case CreditRule.SourceOneofCase.Competition:
                violations.Check(rule.Competition.Tier != CompetitionTier.Unspecified && Enum.IsDefined(rule.Competition.Tier), "rule.competition.tier", "is required");
                violations.Check(rule.Competition.AwardGrade is not (AwardGrade.Unspecified or AwardGrade.Participation) && Enum.IsDefined(rule.Competition.AwardGrade),
                    "rule.competition.award_grade", "must be an award");
                break;
            default:
                violations.Add("rule.source", "give a certificate or a competition source");
                break;
        }
        switch (rule.TargetCase)
        {
            case CreditRule.TargetOneofCase.Exemption:
                violations.Check(rule.Exemption.CourseCodes.Count is > 0 and <= 20, "rule.exemption.course_codes", "must list 1 to 20 courses");
                for (var i = 0; i < rule.Exemption.CourseCodes.Count; i++)
                    violations.Check(SkillCode.IsValid(rule.Exemption.CourseCodes[i]), $"rule.exemption.course_codes[{i}]", "is not a course code");
                violations.Check(rule.Exemption.ExemptGrade is >= 0 and <= 100, "rule.exemption.exempt_grade", "must be between 0 and 100 (0 means 90)");
                break;
            case CreditRule.TargetOneofCase.ElectiveCredits:
                violations.Check(rule.ElectiveCredits is > 0 and <= 20, "rule.elective_credits", "must be more than 0 and at most 20");
                break;
            default:
                violations.Add("rule.target", "give an exemption or elective credits");
                break;
        }
        violations.Check(rule.MaxCredits is >= 0 and <= 20, "rule.max_credits", "must be between 0 (the global limit) and 20");
        violations.Check(rule.Description.Length <= 500, "rule.description", "must be at most 500 characters");
    }
}
