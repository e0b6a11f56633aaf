namespace ChongqingVet.Domain.Matching;

/// <summary>
/// One requirement of a posting as the scorer sees it. Levels are the numbers of the shared SkillLevel enum
/// (0 = none/unspecified, 1 = 五级 … 5 = 一级): higher is more skilled.
/// </summary>
public readonly record struct ScoredRequirement(string SkillCode, int MinLevel, double Weight, bool Essential);

/// <summary>How the learner stands against one requirement: the learner's effective level, the steps missing, met or not.</summary>
public readonly record struct RequirementOutcome(ScoredRequirement Requirement, int LearnerLevel, int LevelGap, bool Met);

/// <summary>The score of one posting: met weight / total weight, whether an essential requirement is unmet, and per requirement.</summary>
public sealed record MatchResult(double Score, bool HasUnmetEssential, IReadOnlyList<RequirementOutcome> Outcomes)
{
    public IEnumerable<RequirementOutcome> Met => Outcomes.Where(o => o.Met);

    public IEnumerable<RequirementOutcome> Unmet => Outcomes.Where(o => !o.Met);
}

/// <summary>
/// Deprecated skill codes and their successors (the job postings catalog). A deprecated code keeps resolving: it stands
/// for its current code (the successor, following a chain of deprecations), on the learner's side and on a posting's.
/// </summary>
public sealed class SkillSuccessors
{
    /// <summary>A chain longer than this is treated as ending there (the catalog forbids a deprecated successor, so chains are short).</summary>
    private const int MaxChain = 16;

    public static readonly SkillSuccessors None = new([]);

    private readonly Dictionary<string, string> _successorOf;

    /// <param name="deprecated">Deprecated code → the successor named when it was deprecated.</param>
    public SkillSuccessors(IEnumerable<KeyValuePair<string, string>> deprecated)
    {
        _successorOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (code, successor) in deprecated)
        {
            if (!string.IsNullOrEmpty(successor) && successor != code) _successorOf[code] = successor;
        }
    }

    /// <summary>The code a skill stands for today: itself unless deprecated, else its successor's current code.</summary>
    public string Current(string code)
    {
        var current = code;
        for (var i = 0; i < MaxChain && _successorOf.TryGetValue(current, out var next); i++) current = next;
        return current;
    }

    /// <summary>
    /// Every code that stands for one of <paramref name="codes"/>' current codes: the codes, their current codes and every
    /// deprecated code that resolves to one of them (what a posting may name for a skill the learner holds).
    /// </summary>
    public IReadOnlySet<string> Aliases(IEnumerable<string> codes)
    {
        var aliases = new HashSet<string>(StringComparer.Ordinal);
        foreach (var code in codes)
        {
            aliases.Add(code);
            aliases.Add(Current(code));
        }
        var currents = aliases.Select(Current).ToHashSet(StringComparer.Ordinal);
        foreach (var deprecated in _successorOf.Keys)
        {
            if (currents.Contains(Current(deprecated))) aliases.Add(deprecated);
        }
        return aliases;
    }
}

/// <summary>A learner's skills by current code: a repeated code, or a deprecated code and its successor, keep the highest level.</summary>
public sealed class LearnerSkills
{
    private readonly Dictionary<string, int> _levels;
    private readonly SkillSuccessors _successors;

    private LearnerSkills(Dictionary<string, int> levels, SkillSuccessors successors)
    {
        _levels = levels;
        _successors = successors;
    }

    public static LearnerSkills From(IEnumerable<(string SkillCode, int Level)> held, SkillSuccessors successors)
    {
        var levels = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (code, level) in held)
        {
            if (level <= 0) continue;
            var current = successors.Current(code);
            if (!levels.TryGetValue(current, out var known) || level > known) levels[current] = level;
        }
        return new LearnerSkills(levels, successors);
    }

    /// <summary>The current codes the learner holds.</summary>
    public IReadOnlyCollection<string> CurrentCodes => _levels.Keys;

    /// <summary>The learner's level of the skill <paramref name="code"/> stands for; 0 when not held.</summary>
    public int LevelOf(string code) => _levels.GetValueOrDefault(_successors.Current(code));

    /// <summary>Whether the learner holds the skill a requirement code stands for (the match list's candidate rule).</summary>
    public bool Holds(string code) => _levels.ContainsKey(_successors.Current(code));
}

/// <summary>The key postings are ranked by: no unmet essential first, then score (descending), newest, id (ordinal).</summary>
public readonly record struct MatchRank(bool HasUnmetEssential, double Score, long CreatedAtUnixMs, string Id) : IComparable<MatchRank>
{
    public int CompareTo(MatchRank other)
    {
        var order = HasUnmetEssential.CompareTo(other.HasUnmetEssential);
        if (order == 0) order = other.Score.CompareTo(Score);
        if (order == 0) order = other.CreatedAtUnixMs.CompareTo(CreatedAtUnixMs);
        if (order == 0) order = string.CompareOrdinal(Id, other.Id);
        return order;
    }
}

/// <summary>
/// The one match score, used by the job postings ranking and explanation and by the gateway's skill gap.
/// A requirement is met when the learner holds the skill it stands for (deprecated codes resolve to their successor)
/// at a level at least its minimum; score = met weight / total weight (0 with no weight); a posting with an unmet
/// essential requirement ranks below every posting without one (<see cref="MatchRank"/>).
/// </summary>
public static class MatchScorer
{
    public static MatchResult Score(IEnumerable<ScoredRequirement> requirements, LearnerSkills learner)
    {
        var outcomes = new List<RequirementOutcome>();
        double total = 0, met = 0;
        var unmetEssential = false;
        foreach (var requirement in requirements)
        {
            total += requirement.Weight;
            var level = learner.LevelOf(requirement.SkillCode);
            var isMet = IsMet(level, requirement.MinLevel);
            if (isMet) met += requirement.Weight;
            else if (requirement.Essential) unmetEssential = true;
            outcomes.Add(new RequirementOutcome(requirement, level, Math.Max(0, requirement.MinLevel - level), isMet));
        }
        return new MatchResult(total > 0 ? met / total : 0, unmetEssential, outcomes);
    }

    /// <summary>
    /// The same score from a posting's stored totals (total weight = the sum of its weights in requirement order, count
    /// of essential requirements) and only the requirements that name a skill the learner holds — what the ranking reads
    /// from its covering index. Given those requirements in the posting's order, it equals <see cref="Score"/> to the bit.
    /// </summary>
    public static (double Score, bool HasUnmetEssential) ScoreFromTotals(IEnumerable<ScoredRequirement> heldRequirements, double totalWeight,
        int essentialCount, LearnerSkills learner)
    {
        double met = 0;
        var metEssential = 0;
        foreach (var requirement in heldRequirements)
        {
            if (!IsMet(learner.LevelOf(requirement.SkillCode), requirement.MinLevel)) continue;
            met += requirement.Weight;
            if (requirement.Essential) metEssential++;
        }
        return (totalWeight > 0 ? met / totalWeight : 0, metEssential < essentialCount);
    }

    /// <summary>The total weight as postings store it: the weights summed in requirement order.</summary>
    public static double TotalWeight(IEnumerable<ScoredRequirement> requirements)
    {
        double total = 0;
        foreach (var requirement in requirements) total += requirement.Weight;
        return total;
    }

    private static bool IsMet(int learnerLevel, int minLevel) => learnerLevel > 0 && learnerLevel >= minLevel;
}
