using ChongqingVet.Common.V1;
using ChongqingVet.Courses.Domain;
using ChongqingVet.Courses.V1;

namespace ChongqingVet.Courses.Tests;

/// <summary>The credit-bank engine against hand-computed cases.</summary>
public class CreditRecognitionEngineTests
{
    private const string Major = "510302";

    private static readonly Dictionary<string, CourseFacts> Courses = new[]
    {
        new CourseFacts("F1", 4, CourseCategory.Foundation),
        new CourseFacts("F2", 3, CourseCategory.Foundation),
        new CourseFacts("C1", 6, CourseCategory.Core),
        new CourseFacts("C2", 4, CourseCategory.Core),
        new CourseFacts("P1", 3, CourseCategory.Public),
        new CourseFacts("D1", 2, CourseCategory.Foundation),
    }.ToDictionary(c => c.Code, StringComparer.Ordinal);

    private static CreditRecognitionEngine Engine() => new(new CreditRecognitionOptions { DenyCourseCodes = ["D1"] });

    [Fact]
    public void Evaluate_CapOfTwentyPercent_TruncatesElectiveAndReportsCapReached()
    {
        // 45 professional credits → cap 9: a1 exempts F1 (4), a2 earns 4, a3 only 1 of its 2, a4 nothing.
        CreditRule[] rules =
        [
            Exempt("r1", Major, "1X-NET", CertificateLevel.XJunior, "F1"),
            Award("r2", "", CompetitionTier.National, AwardGrade.FirstPrize, 4),
            Elective("r3", "", "1X-BIM", CertificateLevel.XJunior, 2),
            Award("r4", "", CompetitionTier.Provincial, AwardGrade.FirstPrize, 3),
        ];
        var result = Engine().Evaluate(45, rules, Courses,
            [Cert("a1", "1X-NET", CertificateLevel.XJunior), Comp("a2", CompetitionTier.National, AwardGrade.FirstPrize),
             Cert("a3", "1X-BIM", CertificateLevel.XJunior), Comp("a4", CompetitionTier.Provincial, AwardGrade.FirstPrize)], Major);

        Assert.Equal(9, result.CapCredits);
        Assert.Equal(9, result.TotalCredits);
        Assert.Equal(["a1:r1:F1:4:90", "a2:r2::4:0", "a3:r3::1:0"], result.Recognitions.Select(Show));
        Assert.Equal(["a4:CapReached"], result.Unused.Select(u => $"{u.AchievementId}:{u.Reason}"));
    }

    [Fact]
    public void Evaluate_SameAchievementTwiceOrSameCourseTwice_CountsOnce()
    {
        CreditRule[] rules = [Exempt("r1", Major, "1X-NET", CertificateLevel.XJunior, "F1")];
        var result = Engine().Evaluate(100, rules, Courses,
            [Cert("a1", "1X-NET", CertificateLevel.XJunior), Cert("a1", "1X-NET", CertificateLevel.XJunior), Cert("a2", "1X-NET", CertificateLevel.XJunior)], Major);

        Assert.Equal(["a1:r1:F1:4:90"], result.Recognitions.Select(Show));
        Assert.Equal(["a1:AlreadyUsed", "a2:CourseAlreadyExempted"], result.Unused.Select(u => $"{u.AchievementId}:{u.Reason}"));
        Assert.Equal(4, result.TotalCredits);
    }

    [Fact]
    public void Evaluate_PublicAndDeniedCourses_AreNeverExempted()
    {
        CreditRule[] rules =
        [
            Exempt("r1", Major, "1X-NET", CertificateLevel.XJunior, "P1", "D1"),
            Exempt("r2", Major, "1X-AICOMP", CertificateLevel.XJunior, "P1", "F2"),
        ];
        var result = Engine().Evaluate(100, rules, Courses,
            [Cert("a1", "1X-NET", CertificateLevel.XJunior), Cert("a2", "1X-AICOMP", CertificateLevel.XJunior)], Major);

        Assert.Equal(["a2:r2:F2:3:90"], result.Recognitions.Select(Show));
        Assert.Equal(["a1:CourseNotExemptible"], result.Unused.Select(u => $"{u.AchievementId}:{u.Reason}"));
    }

    [Fact]
    public void Evaluate_EightCreditsPerCertificateAndRuleMax_LimitExemptions()
    {
        // C1 (6) fits the 8-credit limit, C1 + C2 (10) does not; with a rule max of 5, C1 alone is worth too much.
        var capped = Exempt("r2", Major, "1X-AICOMP", CertificateLevel.XJunior, "C1");
        capped.MaxCredits = 5;
        CreditRule[] rules = [Exempt("r1", Major, "1X-NET", CertificateLevel.XJunior, "C2", "C1"), capped];
        var result = Engine().Evaluate(100, rules, Courses,
            [Cert("a1", "1X-NET", CertificateLevel.XJunior), Cert("a2", "1X-AICOMP", CertificateLevel.XJunior)], Major);

        Assert.Equal(["a1:r1:C1:6:90"], result.Recognitions.Select(Show));
        Assert.Equal(["a2:CourseNotExemptible"], result.Unused.Select(u => $"{u.AchievementId}:{u.Reason}"));
    }

    [Fact]
    public void Evaluate_TieBreak_MajorRuleBeforeAllMajorsThenRuleIdThenAchievementId()
    {
        CreditRule[] rules =
        [
            Elective("r-a", "", "1X-NET", CertificateLevel.XJunior, 2),
            Elective("r-c", Major, "1X-NET", CertificateLevel.XJunior, 1),
            Elective("r-b", Major, "1X-NET", CertificateLevel.XJunior, 1.5),
            Exempt("r-d", Major, "1X-BIM", CertificateLevel.XJunior, "F2"),
        ];
        Achievement[] input = [Cert("z", "1X-BIM", CertificateLevel.XJunior), Cert("n", "1X-NET", CertificateLevel.XIntermediate), Cert("b", "1X-BIM", CertificateLevel.XSenior)];
        var result = Engine().Evaluate(100, rules, Courses, input, Major);

        Assert.Equal(["b:r-d:F2:3:90", "n:r-b::1.5:0"], result.Recognitions.Select(Show));
        Assert.Equal(["z:CourseAlreadyExempted"], result.Unused.Select(u => $"{u.AchievementId}:{u.Reason}"));
        var again = Engine().Evaluate(100, rules.Reverse().ToArray(), Courses, input.Reverse(), Major);
        Assert.Equal(result, again);
    }

    [Fact]
    public void Evaluate_OtherMajorOtherLadderOrLowerLevel_HasNoRule()
    {
        CreditRule[] rules = [Exempt("r1", "460301", "1X-NET", CertificateLevel.XJunior, "F1"), Elective("r2", Major, "MOHRSS-ELEC", CertificateLevel.National4, 2)];
        var result = Engine().Evaluate(100, rules, Courses,
            [Cert("a1", "1X-NET", CertificateLevel.XSenior), Cert("a2", "MOHRSS-ELEC", CertificateLevel.National5), Cert("a3", "MOHRSS-ELEC", CertificateLevel.National3)], Major);

        Assert.Equal(["a3:r2::2:0"], result.Recognitions.Select(Show));
        Assert.Equal(["a1:NoRule", "a2:NoRule"], result.Unused.Select(u => $"{u.AchievementId}:{u.Reason}"));
    }

    [Fact]
    public void Evaluate_CoursePassedAlready_IsNotExempted()
    {
        CreditRule[] rules = [Exempt("r1", Major, "1X-NET", CertificateLevel.XJunior, "F1")];
        var result = Engine().Evaluate(100, rules, Courses, [Cert("a1", "1X-NET", CertificateLevel.XJunior)], Major, ["F1"]);
        Assert.Empty(result.Recognitions);
        Assert.Equal(UnusedReason.CourseAlreadyExempted, Assert.Single(result.Unused).Reason);
    }

    [Theory]
    [InlineData("660301", MajorLevel.Secondary)]
    [InlineData("460301", MajorLevel.HigherDiploma)]
    [InlineData("510203", MajorLevel.HigherDiploma)]
    [InlineData("260604", MajorLevel.Bachelor)]
    [InlineData("800101", MajorLevel.Unspecified)]
    [InlineData("46030", MajorLevel.Unspecified)]
    [InlineData("4603O1", MajorLevel.Unspecified)]
    public void LevelOf_CodeRanges_GiveLevel(string code, MajorLevel expected) => Assert.Equal(expected, CourseRules.LevelOf(code));

    [Theory]
    [InlineData("2025-2026-1", true)]
    [InlineData("2025-2026-2", true)]
    [InlineData("2025-2027-1", false)]
    [InlineData("2025-2026-3", false)]
    public void IsTerm_Formats_AreChecked(string term, bool expected) => Assert.Equal(expected, CourseRules.IsTerm(term));

    private static string Show(Recognition r) => $"{r.AchievementId}:{r.RuleId}:{r.CourseCode}:{r.Credits}:{r.Grade}";

    private static CreditRule Exempt(string id, string major, string type, CertificateLevel level, params string[] courses) => new()
    {
        Id = id, MajorCode = major, Certificate = new CertificateSource { TypeCode = type, Level = level }, Exemption = new CourseExemption { CourseCodes = { courses } },
    };

    private static CreditRule Elective(string id, string major, string type, CertificateLevel level, double credits) => new()
    {
        Id = id, MajorCode = major, Certificate = new CertificateSource { TypeCode = type, Level = level }, ElectiveCredits = credits,
    };

    private static CreditRule Award(string id, string major, CompetitionTier tier, AwardGrade award, double credits) => new()
    {
        Id = id, MajorCode = major, Competition = new CompetitionSource { Tier = tier, AwardGrade = award }, ElectiveCredits = credits,
    };

    private static Achievement Cert(string id, string type, CertificateLevel level) => new() { Id = id, Certificate = new CertificateAchievement { TypeCode = type, Level = level } };

    private static Achievement Comp(string id, CompetitionTier tier, AwardGrade award) => new() { Id = id, Competition = new CompetitionAchievement { Tier = tier, AwardGrade = award } };
}
