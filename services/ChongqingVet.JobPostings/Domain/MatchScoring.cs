using ChongqingVet.Common.V1;
using ChongqingVet.JobPostings.V1;

namespace ChongqingVet.JobPostings.Domain;

/// <summary>
/// How a learner stands against a posting: a requirement is met when the learner's level is at least its minimum;
/// score = met weight / total weight; a posting with an unmet essential requirement ranks below every posting without
/// one; ties go to the newer posting, then the smaller id. The database ranks with the same rules (JobPostingRepository);
/// this class explains one posting and is the reference the ranking is tested against.
/// </summary>
public static class MatchScoring
{
    /// <summary>The learner's skills by code, keeping the highest level of a repeated code.</summary>
    public static IReadOnlyDictionary<string, SkillLevel> LearnerLevels(IEnumerable<SkillRef> skills)
    {
        var levels = new Dictionary<string, SkillLevel>(StringComparer.Ordinal);
        foreach (var skill in skills)
        {
            if (!levels.TryGetValue(skill.SkillCode, out var known) || skill.Level > known) levels[skill.SkillCode] = skill.Level;
        }
        return levels;
    }

    public static PostingMatch Explain(JobPosting posting, IReadOnlyDictionary<string, SkillLevel> learner)
    {
        var match = new PostingMatch { Posting = posting };
        double total = 0, met = 0;
        foreach (var requirement in posting.Requirements)
        {
            total += requirement.Weight;
            var level = learner.TryGetValue(requirement.SkillCode, out var known) ? known : SkillLevel.Unspecified;
            var gap = Math.Max(0, (int)requirement.MinLevel - (int)level);
            var item = new RequirementMatch { Requirement = requirement, LearnerLevel = level, LevelGap = gap };
            if (level != SkillLevel.Unspecified && level >= requirement.MinLevel)
            {
                met += requirement.Weight;
                match.Met.Add(item);
            }
            else
            {
                match.Unmet.Add(item);
                if (requirement.Essential) match.HasUnmetEssential = true;
            }
        }
        match.Score = total > 0 ? met / total : 0;
        return match;
    }

    /// <summary>The ranking order: no unmet essential first, then score, then newest, then id.</summary>
    public static IOrderedEnumerable<PostingMatch> Rank(IEnumerable<PostingMatch> matches) =>
        matches.OrderBy(m => m.HasUnmetEssential)
            .ThenByDescending(m => m.Score)
            .ThenByDescending(m => m.Posting.CreateTime.ToDateTimeOffset())
            .ThenBy(m => m.Posting.Id, StringComparer.Ordinal);
}
