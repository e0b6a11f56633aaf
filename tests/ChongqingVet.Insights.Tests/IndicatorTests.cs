using ChongqingVet.Insights.Domain;

namespace ChongqingVet.Insights.Tests;

/// <summary>Each indicator against figures computed by hand from <see cref="HandDataSet"/> (the computation is in each test).</summary>
public sealed class IndicatorTests
{
    private static readonly Derivations Derived = new(HandDataSet.Snapshot());
    private const double Tolerance = 1e-9;

    private static void AssertFigure(Figure figure, double numerator, double denominator)
    {
        Assert.Equal(numerator, figure.Numerator);
        Assert.Equal(denominator, figure.Denominator);
        Assert.Equal(denominator == 0 ? 0 : numerator / denominator, figure.Value, Tolerance);
    }

    private static Figure Of(Indicator indicator, string key) => Assert.Single(indicator.Figures, f => f.Key == key);

    [Fact]
    public void Derivations_HandDataSet_MajorsDistrictsAndTargets()
    {
        Assert.Equal(HandDataSet.M1, Derived.MajorOf("L1"));
        Assert.Equal(HandDataSet.M2, Derived.MajorOf("L4")); // a failed enrolment still says which major
        Assert.Equal(string.Empty, Derived.MajorOf("L9"));
        Assert.Equal("510107", Derived.DistrictOf("L2"));
        Assert.Equal("CQ-LJXQ", Derived.DistrictOf("L3"));
        Assert.Equal(string.Empty, Derived.DistrictOf("L4"));
        Assert.Equal(["智能装备及智能制造"], Derived.ClustersOf(HandDataSet.M1));
        Assert.Equal(["6-31-01-03"], Derived.OccupationsOf(HandDataSet.M1));
        Assert.Equal("2025-2026", Derivations.SchoolYear(new DateOnly(2026, 8, 31)));
        Assert.Equal("2026-2027", Derivations.SchoolYear(new DateOnly(2026, 9, 1)));
    }

    [Fact]
    public void SkillsHeld_HandDataSet_HighestLevelOfUnrevokedAwardedPassedRecords()
    {
        var held = Derived.SkillsHeld(HandDataSet.AllTime);
        Assert.Equal(4, held["L1"]["A"]); // K1 A@4 beats K2 A@3
        Assert.Equal(4, held["L2"]["A"]);
        Assert.False(held["L2"].ContainsKey("B")); // revoked certificate N2; participation R2 gives nothing
        Assert.Equal(4, held["L3"]["B"]);
        Assert.Equal(2, held["L3"]["C"]); // award R1 (event E1 tests C@2)
        Assert.Equal(3, held["L4"]["B"]); // certificate N1, the failed K3 gives nothing
        Assert.Equal(4, held["L5"]["C"]); // K4 C@4 beats the award's C@2
    }

    [Fact]
    public void SkillSupplyDemand_City_SupplyDemandAndGapByHand()
    {
        // Supply (any level): A {L1, L2} = 2; B {L3, L4} = 2; C {L3, L5} = 2.
        // Demand: A = P1 3×1.0 = 3 (P3 is closed); B = P1 3×0.5 + P2 2×1.0 = 3.5; C = 0.
        // Gap: A (3−2)/3; B (3.5−2)/3.5; C (0−2)/max(0,1) = −2.
        var report = Indicators.SkillSupplyDemand(Derived, HandDataSet.AllTime, GroupBy.City, 1, string.Empty, 10);
        Assert.Collection(report.Gaps,
            a => Assert.Equal(new SkillGap("", "A", 2, 3, 1), a),
            b => Assert.Equal(new SkillGap("", "B", 2, 3.5, 2), b),
            c => Assert.Equal(new SkillGap("", "C", 2, 0, 0), c));
        Assert.Equal(1.0 / 3, report.Gaps[0].GapIndex, Tolerance);
        Assert.Equal(1.5 / 3.5, report.Gaps[1].GapIndex, Tolerance);
        Assert.Equal(-2, report.Gaps[2].GapIndex, Tolerance);
        Assert.Equal(["B", "A"], report.TopShortages.Select(g => g.SkillCode)); // C has no demand
    }

    [Fact]
    public void SkillSupplyDemand_MinLevelTechnician_CountsOnlyHoldersAndRequirementsAtOrAbove()
    {
        // Level ≥ 4: supply A {L1, L2} = 2, B {L3} = 1 (L4 holds B@3), C {L5} = 1 (L3 holds C@2).
        // Demand: A = P1 3×1 = 3; B = P2 2×1 = 2 (P1 requires B at 3 only).
        var report = Indicators.SkillSupplyDemand(Derived, HandDataSet.AllTime, GroupBy.City, 4, string.Empty, 10);
        Assert.Equal(
            [new SkillGap("", "A", 2, 3, 1), new SkillGap("", "B", 1, 2, 1), new SkillGap("", "C", 1, 0, 0)],
            report.Gaps);
        Assert.Equal(0.5, report.Gaps[1].GapIndex, Tolerance);
    }

    [Fact]
    public void SkillSupplyDemand_ByDistrict_LearnersWhereTheyArePlacedPostingsWhereTheyAre()
    {
        // Learners: L1, L5 → 500112 (E1); L2 → 510107 (E2); L3 → CQ-LJXQ (E3); L4 → "" (no placement).
        // Demand: 500112 A 3, B 1.5 (P1); 510107 B 2 (P2).
        var report = Indicators.SkillSupplyDemand(Derived, HandDataSet.AllTime, GroupBy.District, 1, string.Empty, 3);
        Assert.Equal(
            [
                new SkillGap("", "B", 1, 0, 0),
                new SkillGap("500112", "A", 1, 3, 1), new SkillGap("500112", "B", 0, 1.5, 1), new SkillGap("500112", "C", 1, 0, 0),
                new SkillGap("510107", "A", 1, 0, 0), new SkillGap("510107", "B", 0, 2, 1),
                new SkillGap("CQ-LJXQ", "B", 1, 0, 0), new SkillGap("CQ-LJXQ", "C", 1, 0, 0),
            ],
            report.Gaps);
        // Gap 1 for both B rows: the higher demand first; then 500112 A at (3−1)/3.
        Assert.Equal([("510107", "B"), ("500112", "B"), ("500112", "A")], report.TopShortages.Select(g => (g.Key, g.SkillCode)));
        var filtered = Indicators.SkillSupplyDemand(Derived, HandDataSet.AllTime, GroupBy.District, 1, "510107", 3);
        Assert.All(filtered.Gaps, g => Assert.Equal("510107", g.Key));
        Assert.Equal(2, filtered.Gaps.Count);
    }

    [Fact]
    public void SkillSupplyDemand_ByClusterOccupationAndMajor_ByHand()
    {
        var cluster = Indicators.SkillSupplyDemand(Derived, HandDataSet.AllTime, GroupBy.Cluster, 1, string.Empty, 10);
        Assert.Contains(new SkillGap("智能装备及智能制造", "A", 2, 3, 1), cluster.Gaps);
        Assert.Contains(new SkillGap("软件信息服务", "B", 2, 3.5, 2), cluster.Gaps);
        var occupation = Indicators.SkillSupplyDemand(Derived, HandDataSet.AllTime, GroupBy.Occupation, 1, string.Empty, 10);
        Assert.Contains(new SkillGap("2-02-10-09", "B", 2, 3.5, 2), occupation.Gaps);
        // By major: supply by the learner's major; demand of a skill under each major that teaches it (A: M1, B: M2).
        var major = Indicators.SkillSupplyDemand(Derived, HandDataSet.AllTime, GroupBy.Major, 1, string.Empty, 10);
        Assert.Equal(
            [
                new SkillGap(HandDataSet.M1, "A", 2, 3, 1),
                new SkillGap(HandDataSet.M2, "B", 2, 3.5, 2), new SkillGap(HandDataSet.M2, "C", 1, 0, 0),
                new SkillGap(HandDataSet.M3, "C", 1, 0, 0),
            ],
            major.Gaps);
    }

    [Fact]
    public void ProgrammeIndustryMatch_HandDataSet_ThreeOfFourPoints()
    {
        // Points: (S1, M1), (S2, M1), (S1, M2), (S1, M3). M1 targets 智能装备及智能制造, M2 软件信息服务 (key clusters);
        // M3 targets 非重点 only. 3 / 4.
        var indicator = Indicators.ProgrammeIndustryMatch(Derived, HandDataSet.AllTime);
        AssertFigure(indicator.Total, 3, 4);
        AssertFigure(Of(indicator, HandDataSet.M1), 2, 2);
        AssertFigure(Of(indicator, HandDataSet.M2), 1, 1);
        AssertFigure(Of(indicator, HandDataSet.M3), 0, 1);
        Assert.Equal("机电一体化技术", Of(indicator, HandDataSet.M1).Label);
    }

    [Fact]
    public void EmploymentRelevance_HandDataSet_ByMajorAndSchoolYear()
    {
        // L1 via P1 (6-31-01-03, 智能装备) for M1: relevant. L2 via P2 (2-02-10-09, 软件) for M1: not. L3 via P2 for M2: relevant.
        // L5 without posting for M3: not. 2 / 4. School years: L1 2025-10-01 and L2 2026-03-01 → 2025-2026; L3 2026-09-15 → 2026-2027.
        var indicator = Indicators.EmploymentRelevance(Derived, HandDataSet.AllTime);
        AssertFigure(indicator.Total, 2, 4);
        AssertFigure(Of(indicator, HandDataSet.M1), 1, 2);
        AssertFigure(Of(indicator, HandDataSet.M1 + "/2025-2026"), 1, 2);
        AssertFigure(Of(indicator, HandDataSet.M2 + "/2026-2027"), 1, 1);
        AssertFigure(Of(indicator, HandDataSet.M3), 0, 1);
    }

    [Fact]
    public void LocalRetention_HandDataSet_ChongqingDistrictsAndZones()
    {
        // L1 500112 local; L2 510107 (Chengdu) not; L3 CQ-LJXQ (functional zone) local; L5 500112 local. 3 / 4.
        var indicator = Indicators.LocalRetention(Derived, HandDataSet.AllTime);
        AssertFigure(indicator.Total, 3, 4);
        AssertFigure(Of(indicator, HandDataSet.M1), 1, 2);
        AssertFigure(Of(indicator, HandDataSet.M2), 1, 1);
        AssertFigure(Of(indicator, HandDataSet.M3), 1, 1);
    }

    [Fact]
    public void LocalRetention_Window_CountsOnlyPlacementsStartingInIt()
    {
        // 2026 only: L2 (not local) and L3 (local). 1 / 2.
        var indicator = Indicators.LocalRetention(Derived, new DataWindow(new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)));
        AssertFigure(indicator.Total, 1, 2);
        Assert.Equal(new DateOnly(2026, 1, 1), indicator.Window.Start);
    }

    [Fact]
    public void Outcomes_HandDataSet_CertificatesAwardsAndUptake()
    {
        // Certificates: N2 (2025, revoked), N1 (2026). Awards: R1 (provincial); R2 is participation.
        // 书证融通: unrevoked holders {L4} → M1 0/2, M2 1/2, M3 0/1, city 1/5. 赛教融合: {L3, L5} → M1 0/2, M2 1/2, M3 1/1, city 2/5.
        var outcomes = Indicators.Outcomes(Derived, HandDataSet.AllTime);
        Assert.Equal(
            [new CountRow("T1/CERTIFICATE_LEVEL_X_INTERMEDIATE/2025", 1), new CountRow("T1/CERTIFICATE_LEVEL_X_INTERMEDIATE/2026", 1)],
            outcomes.CertificatesByTypeLevelYear);
        Assert.Equal(2, outcomes.CertificatesIssued);
        Assert.Equal(1, outcomes.CertificatesRevoked);
        Assert.Equal([new CountRow("COMPETITION_TIER_PROVINCIAL", 1)], outcomes.AwardsByTier);
        AssertFigure(outcomes.CertificateUptake.Total, 1, 5);
        AssertFigure(Of(outcomes.CertificateUptake, HandDataSet.M2), 1, 2);
        AssertFigure(Of(outcomes.CertificateUptake, HandDataSet.M1), 0, 2);
        AssertFigure(outcomes.AwardUptake.Total, 2, 5);
        AssertFigure(Of(outcomes.AwardUptake, HandDataSet.M3), 1, 1);
        AssertFigure(Of(outcomes.AwardUptake, HandDataSet.M2), 1, 2);
    }

    [Fact]
    public void DataWindow_Resolve_DefaultsToEarliestRecordAndToday()
    {
        var window = DataWindow.Resolve(null, null, HandDataSet.Snapshot(), new DateOnly(2026, 11, 30));
        Assert.Equal(new DateOnly(2025, 9, 1), window.Start); // the courses' creation
        Assert.Equal(new DateOnly(2026, 11, 30), window.End);
    }
}
