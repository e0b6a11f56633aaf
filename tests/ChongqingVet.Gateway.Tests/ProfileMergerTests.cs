using ChongqingVet.Common.V1;
using ChongqingVet.Gateway.Profile;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.Gateway.Tests;

public class ProfileMergerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);
    private static readonly ProfileMerger Merger = new(new ProfileMergeOptions());

    private static SkillEvidence Evidence(string skill, SkillLevel level, EvidenceSourceKind kind, double weight, string source, DateTimeOffset? expires = null) => new()
    {
        SkillCode = skill,
        Level = level,
        SourceKind = kind,
        SourceName = source,
        Weight = weight,
        AchieveTime = Timestamp.FromDateTimeOffset(Now.AddDays(-100)),
        ExpireTime = expires is null ? null : Timestamp.FromDateTimeOffset(expires.Value),
    };

    [Fact]
    public void Merge_SingleCertificate_CreditsItsLevelWithItsWeight()
    {
        var skill = Assert.Single(Merger.Merge([Evidence("IR-OPS", SkillLevel._3Advanced, EvidenceSourceKind.Certificate, 1, "certificates/A")], Now));
        Assert.Equal(SkillLevel._3Advanced, skill.Level);
        Assert.Equal(1.0, skill.Confidence);
        Assert.Contains("certificates/A", skill.Explanation);
    }

    [Fact]
    public void Merge_Corroboration_RaisesConfidenceByNoisyOr()
    {
        var course = Evidence("PLC-PROG", SkillLevel._4Intermediate, EvidenceSourceKind.Course, 0.8, "enrollments/1"); // 0.8 × 0.7 = 0.56
        var alone = Assert.Single(Merger.Merge([course], Now));
        Assert.Equal(0.56, alone.Confidence, 4);

        var placement = Evidence("PLC-PROG", SkillLevel._4Intermediate, EvidenceSourceKind.Placement, 0.5, "placements/1"); // 0.5 × 0.8 = 0.4
        var both = Assert.Single(Merger.Merge([course, placement], Now));
        Assert.Equal(1 - (1 - 0.56) * (1 - 0.4), both.Confidence, 4);
        Assert.True(both.Confidence > alone.Confidence);
    }

    [Fact]
    public void Merge_WeakHigherLevel_DoesNotOutrankWellSupportedLowerLevel()
    {
        var weakHigh = Evidence("CNC-MILL", SkillLevel._2Technician, EvidenceSourceKind.Course, 0.6, "enrollments/9"); // 0.42 < 0.5
        var strongLow = Evidence("CNC-MILL", SkillLevel._4Intermediate, EvidenceSourceKind.Certificate, 1, "certificates/B");
        var skill = Assert.Single(Merger.Merge([weakHigh, strongLow], Now));
        Assert.Equal(SkillLevel._4Intermediate, skill.Level); // support for 二级 is 0.42; for 四级 and above 1.42
    }

    [Fact]
    public void Merge_ExpiredEvidence_CountsNothing()
    {
        var expired = Evidence("BIM-MODEL", SkillLevel._3Advanced, EvidenceSourceKind.Certificate, 1, "certificates/OLD", Now.AddDays(-1));
        var course = Evidence("BIM-MODEL", SkillLevel._5Beginner, EvidenceSourceKind.Course, 0.9, "enrollments/2");
        var skill = Assert.Single(Merger.Merge([expired, course], Now));
        Assert.Equal(SkillLevel._5Beginner, skill.Level);
        Assert.Contains("certificates/OLD", skill.Explanation); // listed as not counted
        Assert.Empty(Merger.Merge([expired], Now));
    }

    [Fact]
    public void Merge_SourceWeights_AreConfigurable()
    {
        var merger = new ProfileMerger(new ProfileMergeOptions { CourseWeight = 0.2 });
        var course = Evidence("SW-TEST", SkillLevel._4Intermediate, EvidenceSourceKind.Course, 1, "enrollments/3");
        Assert.Equal(0.2, Assert.Single(merger.Merge([course], Now)).Confidence, 4);
        Assert.Equal(0.7, Assert.Single(Merger.Merge([course], Now)).Confidence, 4);
    }

    [Fact]
    public void Merge_TimeDecay_HalvesWeightEachHalfLife()
    {
        var merger = new ProfileMerger(new ProfileMergeOptions { HalfLifeDays = 100 });
        var item = Evidence("DB-SQL", SkillLevel._4Intermediate, EvidenceSourceKind.Certificate, 1, "certificates/C");
        Assert.Equal(0.5, merger.EffectiveWeight(item, Now), 6);
    }

    [Fact]
    public void Merge_SameInputInAnyOrder_GivesSameOutput()
    {
        var items = new[]
        {
            Evidence("A-1", SkillLevel._3Advanced, EvidenceSourceKind.Course, 0.9, "enrollments/1"),
            Evidence("A-1", SkillLevel._3Advanced, EvidenceSourceKind.Competition, 1, "results/7"),
            Evidence("B-2", SkillLevel._5Beginner, EvidenceSourceKind.Placement, 0.75, "placements/2"),
            Evidence("A-1", SkillLevel._2Technician, EvidenceSourceKind.Certificate, 1, "certificates/D"),
        };
        var first = Merger.Merge(items, Now);
        var second = Merger.Merge(items.Reverse(), Now);
        Assert.Equal(first, second);
        Assert.Equal(["A-1", "B-2"], first.Select(s => s.SkillCode));
        Assert.Equal(SkillLevel._2Technician, first[0].Level);
    }

    /// <summary>
    /// The whole output for a mixed input, pinned: levels, confidences, the order of the evidence (ties keep input order)
    /// and every explanation, so a faster implementation of the same rule cannot change a character.
    /// </summary>
    [Fact]
    public void Merge_MixedEvidence_GivesExactlyThePinnedOutput()
    {
        var late = Evidence("D-4", SkillLevel._4Intermediate, EvidenceSourceKind.Course, 0.5, "enrollments/5");
        late.AchieveTime = Timestamp.FromDateTimeOffset(Now.AddDays(-1));
        var items = new[]
        {
            Evidence("A-1", SkillLevel._3Advanced, EvidenceSourceKind.Course, 0.9, "enrollments/1"),
            Evidence("B-2", SkillLevel._5Beginner, EvidenceSourceKind.Placement, 0.4, "placements/2"),
            Evidence("A-1", SkillLevel._3Advanced, EvidenceSourceKind.Competition, 1, "results/7"),
            Evidence("D-4", SkillLevel._4Intermediate, EvidenceSourceKind.Course, 0.5, "enrollments/5"),
            Evidence("A-1", SkillLevel._2Technician, EvidenceSourceKind.Certificate, 0.3, "certificates/D"),
            Evidence("C-3", SkillLevel.Unspecified, EvidenceSourceKind.Course, 1, "enrollments/x"),
            Evidence("A-1", SkillLevel._3Advanced, EvidenceSourceKind.Placement, 0, "placements/0"),
            late,
            Evidence("A-1", SkillLevel._4Intermediate, EvidenceSourceKind.Certificate, 1, "certificates/OLD", expires: Now.AddDays(-1)),
            Evidence("B-2", SkillLevel._5Beginner, EvidenceSourceKind.Course, 0.2, "enrollments/9"),
        };

        var skills = Merger.Merge(items, Now);

        var dump = string.Join("\n", skills.Select(s =>
            $"{s.SkillCode} {s.Level} {s.Confidence} [{string.Join(" ", s.Evidence.Select(e => $"{e.SourceName}@{e.AchieveTime.Seconds}"))}] {s.Explanation}"));
        Assert.Equal(PinnedMixedOutput, dump);
    }

    private const string PinnedMixedOutput =
        "A-1 _3Advanced 0.9741 [results/7@1787184000 enrollments/1@1787184000 certificates/D@1787184000 placements/0@1787184000 certificates/OLD@1787184000] Level 三级/高级工: support 1.83 ≥ threshold 0.5 from results/7 (三级/高级工, weight 1 × source 0.9 = 0.9), enrollments/1 (三级/高级工, weight 0.9 × source 0.7 = 0.63), certificates/D (二级/技师, weight 0.3 × source 1 = 0.3). Confidence 1 − Π(1 − w) = 0.9741. Not counted (expired or zero weight): placements/0, certificates/OLD.\n" +
        "D-4 _4Intermediate 0.5775 [enrollments/5@1787184000 enrollments/5@1795737600] Level 四级/中级工: support 0.7 ≥ threshold 0.5 from enrollments/5 (四级/中级工, weight 0.5 × source 0.7 = 0.35), enrollments/5 (四级/中级工, weight 0.5 × source 0.7 = 0.35). Confidence 1 − Π(1 − w) = 0.5775.\n" +
        "B-2 _5Beginner 0.4152 [placements/2@1787184000 enrollments/9@1787184000] Level 五级/初级工: no level reaches threshold 0.5; strongest item placements/2 (五级/初级工, weight 0.4 × source 0.8 = 0.32), enrollments/9 (五级/初级工, weight 0.2 × source 0.7 = 0.14). Confidence 1 − Π(1 − w) = 0.4152.";
}
