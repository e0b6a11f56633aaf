using ChongqingVet.Common.V1;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.JobPostings.V1;

namespace ChongqingVet.JobPostings.Domain;

/// <summary>Field rules of skills, employers, postings and placements (no database needed).</summary>
public static class JobPostingRules
{
    public const int MaxRequirements = 50;
    public const int MaxMatchSkills = 200;
    public const int MaxBatchGetSkills = 500;

    public static void Validate(Skill skill, Violations violations, string prefix = "skill")
    {
        var codeError = SkillCode.Validate(skill.Code);
        if (codeError is not null) violations.Add($"{prefix}.code", codeError);
        violations.RequireText(skill.NameZh, $"{prefix}.name_zh");
        violations.RequireText(skill.NameEn, $"{prefix}.name_en");
        violations.RequireText(skill.Category, $"{prefix}.category", 100);
        violations.RequireText(skill.Cluster, $"{prefix}.cluster", 100);
        for (var i = 0; i < skill.OccupationCodes.Count; i++)
        {
            var error = OccupationCode.Validate(skill.OccupationCodes[i]);
            if (error is not null) violations.Add($"{prefix}.occupation_codes[{i}]", error);
        }
        violations.Check(skill.OccupationCodes.Distinct().Count() == skill.OccupationCodes.Count, $"{prefix}.occupation_codes", "must not repeat a code");
    }

    public static void Validate(Employer employer, Violations violations, string prefix = "employer")
    {
        var codeError = UnifiedSocialCreditCode.Validate(employer.CreditCode);
        if (codeError is not null) violations.Add($"{prefix}.credit_code", codeError);
        violations.RequireText(employer.Name, $"{prefix}.name");
        var districtError = AreaCodes.ValidateEmployerLocation(employer.DistrictCode);
        if (districtError is not null) violations.Add($"{prefix}.district_code", districtError);
    }

    /// <summary>The posting's own fields; that its skills exist and are current is checked against the catalog.</summary>
    public static void Validate(JobPosting posting, DateTimeOffset now, Violations violations, string prefix = "job_posting")
    {
        violations.RequireText(posting.Title, $"{prefix}.title");
        var occupationError = OccupationCode.Validate(posting.OccupationCode);
        if (occupationError is not null) violations.Add($"{prefix}.occupation_code", occupationError);
        var creditError = UnifiedSocialCreditCode.Validate(posting.EmployerCreditCode);
        if (creditError is not null) violations.Add($"{prefix}.employer_credit_code", creditError);
        var districtError = ChongqingDistricts.Validate(posting.DistrictCode, allowFunctionalZones: true);
        if (districtError is not null) violations.Add($"{prefix}.district_code", districtError);
        violations.Check(posting.SalaryMin >= 0, $"{prefix}.salary_min", "must not be negative");
        violations.Check(posting.SalaryMax >= posting.SalaryMin, $"{prefix}.salary_max", "must not be below salary_min");
        violations.Check(posting.Headcount > 0, $"{prefix}.headcount", "must be at least 1");
        if (posting.Cluster.Length > 0) violations.Check(posting.Cluster.Length <= 100, $"{prefix}.cluster", "must be at most 100 characters");
        if (violations.Check(posting.ValidThrough is not null, $"{prefix}.valid_through", "is required"))
            violations.Check(posting.ValidThrough!.ToDateTimeOffset() > now, $"{prefix}.valid_through", "must be in the future");
        if (violations.Check(posting.Requirements.Count > 0, $"{prefix}.requirements", "needs at least one requirement"))
            violations.Check(posting.Requirements.Count <= MaxRequirements, $"{prefix}.requirements", $"must have at most {MaxRequirements} requirements");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < posting.Requirements.Count; i++)
        {
            var requirement = posting.Requirements[i];
            var field = $"{prefix}.requirements[{i}]";
            var skillError = SkillCode.Validate(requirement.SkillCode);
            if (skillError is not null) violations.Add($"{field}.skill_code", skillError);
            else violations.Check(seen.Add(requirement.SkillCode), $"{field}.skill_code", "repeats a skill of an earlier requirement");
            violations.Check(IsLevel(requirement.MinLevel), $"{field}.min_level", "must be a skill level");
            violations.Check(requirement.Weight > 0 && double.IsFinite(requirement.Weight) && requirement.Weight <= 1000, $"{field}.weight", "must be more than 0 (at most 1000)");
        }
    }

    public static void Validate(Placement placement, Violations violations, string prefix = "placement")
    {
        var learnerError = LearnerId.Validate(placement.LearnerId);
        if (learnerError is not null) violations.Add($"{prefix}.learner_id", learnerError);
        var creditError = UnifiedSocialCreditCode.Validate(placement.EmployerCreditCode);
        if (creditError is not null) violations.Add($"{prefix}.employer_credit_code", creditError);
        if (placement.PostingId.Length > 0) violations.Check(placement.PostingId.Length <= 36, $"{prefix}.posting_id", "is not a posting id");
        var start = ToDate(placement.StartDate, $"{prefix}.start_date", violations);
        var end = ToDate(placement.EndDate, $"{prefix}.end_date", violations);
        if (start is not null && end is not null) violations.Check(end >= start, $"{prefix}.end_date", "must not be before start_date");
        violations.Check(placement.Status is PlacementStatus.InProgress or PlacementStatus.Completed, $"{prefix}.status", "must be IN_PROGRESS or COMPLETED");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < placement.Ratings.Count; i++)
        {
            var rating = placement.Ratings[i];
            var field = $"{prefix}.ratings[{i}]";
            var skillError = SkillCode.Validate(rating.SkillCode);
            if (skillError is not null) violations.Add($"{field}.skill_code", skillError);
            else violations.Check(seen.Add(rating.SkillCode), $"{field}.skill_code", "repeats a skill of an earlier rating");
            violations.Check(IsLevel(rating.Level), $"{field}.level", "must be a skill level");
            violations.Check(rating.Comment.Length <= 500, $"{field}.comment", "must be at most 500 characters");
        }
    }

    public static void ValidateMatchSkills(IReadOnlyList<SkillRef> skills, Violations violations)
    {
        violations.Check(skills.Count <= MaxMatchSkills, "skills", $"must have at most {MaxMatchSkills} skills");
        for (var i = 0; i < skills.Count && i < MaxMatchSkills; i++)
        {
            var error = SkillCode.Validate(skills[i].SkillCode);
            if (error is not null) violations.Add($"skills[{i}].skill_code", error);
            violations.Check(IsLevel(skills[i].Level), $"skills[{i}].level", "must be a skill level");
        }
    }

    public static bool IsLevel(SkillLevel level) => level is >= SkillLevel._5Beginner and <= SkillLevel._1SeniorTechnician;

    /// <summary>The cluster of a posting that names none: the cluster with the most requirement weight, then by name.</summary>
    public static string DeriveCluster(IEnumerable<(string Cluster, double Weight)> requirements) =>
        requirements.GroupBy(r => r.Cluster, StringComparer.Ordinal)
            .Select(g => (Cluster: g.Key, Weight: g.Sum(r => r.Weight)))
            .OrderByDescending(g => g.Weight).ThenBy(g => g.Cluster, StringComparer.Ordinal)
            .Select(g => g.Cluster).FirstOrDefault() ?? string.Empty;

    private static DateOnly? ToDate(Google.Type.Date? date, string field, Violations violations)
    {
        if (date is null)
        {
            violations.Add(field, "is required");
            return null;
        }
        try
        {
            return new DateOnly(date.Year, date.Month, date.Day);
        }
        catch (ArgumentOutOfRangeException)
        {
            violations.Add(field, "is not a calendar date");
            return null;
        }
    }
}
