using ChongqingVet.Common.V1;
using ChongqingVet.Domain.Matching;
using ChongqingVet.JobPostings.V1;

namespace ChongqingVet.JobPostings.Domain;

/// <summary>
/// The job postings service's side of the one match score (<see cref="MatchScorer"/> in ChongqingVet.Domain, which the
/// gateway's skill gap uses too): maps postings and learners' skills to the scorer and its results back to messages.
/// The ranking (JobPostingRepository.MatchAsync) scores every candidate posting with <see cref="Explain(JobPosting, LearnerSkills)"/>.
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

    /// <summary>The learner's skills for the scorer, deprecated codes standing for their successors.</summary>
    public static LearnerSkills Learner(IReadOnlyDictionary<string, SkillLevel> levels, SkillSuccessors successors) =>
        LearnerSkills.From(levels.Select(s => (s.Key, (int)s.Value)), successors);

    public static ScoredRequirement ToScored(Requirement requirement) =>
        new(requirement.SkillCode, (int)requirement.MinLevel, requirement.Weight, requirement.Essential);

    /// <summary>The total weight a posting stores for ranking (MatchScorer.ScoreFromTotals).</summary>
    public static double TotalWeight(JobPosting posting) => MatchScorer.TotalWeight(posting.Requirements.Select(ToScored));

    /// <summary>Explains one posting without deprecated codes resolved (a catalog without deprecations).</summary>
    public static PostingMatch Explain(JobPosting posting, IReadOnlyDictionary<string, SkillLevel> learner) =>
        Explain(posting, Learner(learner, SkillSuccessors.None));

    public static PostingMatch Explain(JobPosting posting, LearnerSkills learner) =>
        ToMessage(posting, MatchScorer.Score(posting.Requirements.Select(ToScored), learner));

    public static PostingMatch ToMessage(JobPosting posting, MatchResult result)
    {
        var match = new PostingMatch { Posting = posting, Score = result.Score, HasUnmetEssential = result.HasUnmetEssential };
        for (var i = 0; i < result.Outcomes.Count; i++)
        {
            var outcome = result.Outcomes[i];
            var item = new RequirementMatch { Requirement = posting.Requirements[i], LearnerLevel = (SkillLevel)outcome.LearnerLevel, LevelGap = outcome.LevelGap };
            (outcome.Met ? match.Met : match.Unmet).Add(item);
        }
        return match;
    }

    /// <summary>The ranking key of a scored posting.</summary>
    public static MatchRank Rank(PostingMatch match) =>
        new(match.HasUnmetEssential, match.Score, match.Posting.CreateTime.ToDateTimeOffset().ToUnixTimeMilliseconds(), match.Posting.Id);
}
