using ChongqingVet.Domain.Matching;

namespace ChongqingVet.Domain.Tests;

/// <summary>
/// The one match score. DOMAIN.md defines no vectors for it, so these are hand-computed from its rule (met weight /
/// total weight; met = held at a level ≥ the minimum; unmet essentials rank last) — the same example the job postings
/// service's ranking test runs end to end. Levels: 1 = 五级 … 5 = 一级.
/// </summary>
public class MatchScorerTests
{
    private static ScoredRequirement R(string code, int min, double weight, bool essential = false) => new(code, min, weight, essential);

    private static LearnerSkills Learner(SkillSuccessors successors, params (string, int)[] held) => LearnerSkills.From(held, successors);

    // Learner: A at 三级 (3), B at 四级 (2), C at 一级 (5).
    public static TheoryData<string, ScoredRequirement[], double, bool> Vectors => new()
    {
        { "P1", [R("A", 3, 2, true), R("B", 3, 1)], 2.0 / 3, false },
        { "P2", [R("A", 2, 1), R("B", 2, 1)], 1.0, false },
        { "P3", [R("C", 1, 1), R("D", 1, 3, true)], 0.25, true },
        { "P4", [R("A", 4, 1, true), R("C", 1, 9)], 0.9, true },
        { "P5", [R("A", 1, 2), R("D", 1, 1)], 2.0 / 3, false },
        { "no weight", [R("A", 1, 0)], 0, false },
        { "no requirements", [], 0, false },
    };

    [Theory, MemberData(nameof(Vectors))]
    public void Score_HandComputedVectors(string name, ScoredRequirement[] requirements, double score, bool unmetEssential)
    {
        var result = MatchScorer.Score(requirements, Learner(SkillSuccessors.None, ("A", 3), ("B", 2), ("C", 5)));

        Assert.True(Math.Abs(score - result.Score) < 1e-12, $"{name}: {result.Score}");
        Assert.Equal(unmetEssential, result.HasUnmetEssential);
    }

    [Theory, MemberData(nameof(Vectors))]
    public void ScoreFromTotals_HeldRequirementsAndStoredTotals_EqualsFullScoreExactly(string name, ScoredRequirement[] requirements, double score, bool unmetEssential)
    {
        var successors = new SkillSuccessors([KeyValuePair.Create("D", "C")]);
        foreach (var known in new[] { SkillSuccessors.None, successors })
        {
            var learner = Learner(known, ("A", 3), ("B", 2), ("C", 5));
            var full = MatchScorer.Score(requirements, learner);
            var ranked = MatchScorer.ScoreFromTotals(requirements.Where(r => learner.Holds(r.SkillCode)), MatchScorer.TotalWeight(requirements),
                requirements.Count(r => r.Essential), learner);

            Assert.Equal((full.Score, full.HasUnmetEssential), ranked); // bit-equal: ranking and explanation never disagree
        }
        var plain = Learner(SkillSuccessors.None, ("A", 3), ("B", 2), ("C", 5));
        var (rankedScore, rankedUnmet) = MatchScorer.ScoreFromTotals(requirements.Where(r => plain.Holds(r.SkillCode)), MatchScorer.TotalWeight(requirements),
            requirements.Count(r => r.Essential), plain);
        Assert.True(Math.Abs(score - rankedScore) < 1e-12, name);
        Assert.Equal(unmetEssential, rankedUnmet);
    }

    [Fact]
    public void Score_ReportsLevelAndGapPerRequirement_RepeatedCodeKeepsHighestLevel()
    {
        var result = MatchScorer.Score([R("A", 3, 2, true), R("B", 3, 1), R("C", 2, 1)],
            Learner(SkillSuccessors.None, ("A", 3), ("B", 2), ("B", 1)));

        Assert.Equal(0.5, result.Score, 12);
        Assert.Equal([("A", 3, 0)], result.Met.Select(o => (o.Requirement.SkillCode, o.LearnerLevel, o.LevelGap)));
        Assert.Equal([("B", 2, 1), ("C", 0, 2)], result.Unmet.Select(o => (o.Requirement.SkillCode, o.LearnerLevel, o.LevelGap)));
    }

    [Fact]
    public void Successors_DeprecatedCodeStandsForItsSuccessor_OnBothSides_AndThroughChains()
    {
        var successors = new SkillSuccessors([KeyValuePair.Create("OLD", "MID"), KeyValuePair.Create("MID", "NEW")]);

        Assert.Equal("NEW", successors.Current("OLD"));
        Assert.Equal("NEW", successors.Current("NEW"));
        Assert.Equal("X", successors.Current("X"));
        // Posting names the deprecated code, learner holds the successor (and the other way round).
        Assert.Equal(1.0, MatchScorer.Score([R("OLD", 3, 1)], Learner(successors, ("NEW", 3))).Score);
        Assert.Equal(1.0, MatchScorer.Score([R("NEW", 3, 1)], Learner(successors, ("OLD", 3))).Score);
        // A deprecated code and its successor held at different levels: the higher counts for both.
        var both = Learner(successors, ("OLD", 4), ("NEW", 2));
        Assert.Equal(4, both.LevelOf("NEW"));
        Assert.Equal(4, both.LevelOf("MID"));
        Assert.True(both.Holds("OLD"));
        Assert.Equal(["MID", "NEW", "OLD"], successors.Aliases(["NEW"]).Order(StringComparer.Ordinal));
        Assert.Equal(["X"], successors.Aliases(["X"]));
    }

    [Fact]
    public void Successors_CycleDoesNotHang()
    {
        var successors = new SkillSuccessors([KeyValuePair.Create("A", "B"), KeyValuePair.Create("B", "A")]);

        Assert.Contains(successors.Current("A"), new[] { "A", "B" });
    }

    [Fact]
    public void Rank_NoUnmetEssentialFirst_ThenScoreDescending_ThenNewest_ThenId()
    {
        var ranks = new[]
        {
            new MatchRank(true, 0.9, 5, "p4"),
            new MatchRank(false, 2.0 / 3, 1, "p1"),
            new MatchRank(false, 1, 2, "p2"),
            new MatchRank(false, 2.0 / 3, 5, "p5"),
            new MatchRank(false, 2.0 / 3, 5, "p0"),
            new MatchRank(true, 0.25, 3, "p3"),
        };

        Assert.Equal(["p2", "p0", "p5", "p1", "p4", "p3"], ranks.Order().Select(r => r.Id));
    }
}
