using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.Profile.V1;

namespace ChongqingVet.Gateway.Tests;

/// <summary>The skill gap and the match list score a posting the same way (the one MatchScorer).</summary>
public class GatewayMatchingTests
{
    [Fact]
    public async Task SkillGap_PostingRequiresDeprecatedSkill_LearnerHoldsSuccessor_AgreesWithMatchList()
    {
        await using var fakes = await FakeBackends.StartAsync();
        // The learner (fake evidence) holds IR-OPS at 三级, IR-PROG at 二级 and PLC-PROG at 四级. The posting still names
        // IR-OLD, deprecated for IR-OPS after it was published.
        fakes.JobPostings.Deprecated["IR-OLD"] = "IR-OPS";
        var posting = new JobPosting
        {
            Id = "P-1", Title = "运维",
            Requirements =
            {
                new Requirement { SkillCode = "IR-OLD", MinLevel = SkillLevel._3Advanced, Weight = 2, Essential = true },
                new Requirement { SkillCode = "PLC-PROG", MinLevel = SkillLevel._3Advanced, Weight = 1 },
            },
        };
        fakes.JobPostings.Postings.Add(posting);
        // What the job postings service answers for this posting and learner (JobPostingServiceTests.
        // MatchJobPostings_PostingRequiresSkillDeprecatedLater_LearnerHoldingSuccessorMeetsIt runs the same case for real).
        fakes.JobPostings.Matches = new MatchJobPostingsResponse
        {
            Matches =
            {
                new PostingMatch
                {
                    Posting = posting, Score = 2.0 / 3, HasUnmetEssential = false,
                    Met = { new RequirementMatch { Requirement = posting.Requirements[0], LearnerLevel = SkillLevel._3Advanced } },
                    Unmet = { new RequirementMatch { Requirement = posting.Requirements[1], LearnerLevel = SkillLevel._4Intermediate, LevelGap = 1 } },
                },
            },
        };
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var matches = await gateway.Client.MatchJobsAsync(new MatchJobsRequest { LearnerId = "L0001" });
        var gap = await gateway.Client.GetSkillGapAsync(new GetSkillGapRequest { LearnerId = "L0001", PostingId = "P-1" });

        var match = Assert.Single(matches.Matches);
        Assert.Equal(match.Score, gap.Score); // 2/3: the deprecated requirement is met through its successor
        Assert.Equal(2.0 / 3, gap.Score, 12);
        Assert.Equal(match.Unmet.Select(u => (u.SkillCode, u.LearnerLevel, u.RequiredLevel)), gap.Gaps.Select(g => (g.SkillCode, g.CurrentLevel, g.RequiredLevel)));
        Assert.DoesNotContain(gap.Gaps, g => g.SkillCode == "IR-OLD"); // before: IR-OLD was reported as a gap and the score was 0
        Assert.Equal(["IR-OLD"], match.Met.Select(m => m.SkillCode));
    }

    [Fact]
    public async Task SkillGap_OffersOverSeveralPages_BestOfAllPagesPerKind_EachOnce()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.JobPostings.CatalogCodes.Add("SK-A");
        fakes.JobPostings.Postings.Add(new JobPosting
        {
            Id = "P-1", Title = "运维",
            Requirements = { new Requirement { SkillCode = "SK-A", MinLevel = SkillLevel._3Advanced, Weight = 1, Essential = true } },
        });
        static Course Teaching(string code, SkillLevel level, double credits, string skill = "SK-A") =>
            new() { Code = code, Name = "课程" + code, Credits = credits, SkillOutcomes = { new SkillRef { SkillCode = skill, Level = level } } };
        static CertificateTypeLevel Attests(CertificateLevel level, SkillLevel skillLevel) =>
            new() { Level = level, AttestedSkills = { new SkillRef { SkillCode = "SK-A", Level = skillLevel } } };
        static Event Testing(string competition, string code, SkillLevel level, string skill = "SK-A") =>
            new() { CompetitionId = competition, Code = code, Name = "赛项" + code, SkillsTested = { new SkillRef { SkillCode = skill, Level = level } } };
        // The best offers come on the last page; one course is listed twice; some items do not reach the level or skill.
        fakes.Courses.CoursePages =
        [
            [Teaching("C-FAR", SkillLevel._1SeniorTechnician, 1), Teaching("C-MID", SkillLevel._2Technician, 2), Teaching("C-BELOW", SkillLevel._4Intermediate, 1), Teaching("C-OTHER", SkillLevel._3Advanced, 1, "SK-B")],
            [Teaching("C-MID", SkillLevel._2Technician, 2), Teaching("C-CHEAP", SkillLevel._3Advanced, 1)],
        ];
        fakes.Certificates.CertificateTypePages =
        [
            [new CertificateType { Code = "T-B", Name = "证书B", Levels = { Attests(CertificateLevel.XJunior, SkillLevel._3Advanced), Attests(CertificateLevel.XSenior, SkillLevel._1SeniorTechnician) } }],
            [new CertificateType { Code = "T-A", Name = "证书A", Levels = { Attests(CertificateLevel.XIntermediate, SkillLevel._2Technician) } },
             new CertificateType { Code = "T-C", Name = "证书C", Levels = { Attests(CertificateLevel.XJunior, SkillLevel._4Intermediate) } }],
        ];
        fakes.Competitions.EventPages =
        [
            [Testing("c2", "e1", SkillLevel._4Intermediate), Testing("c1", "e9", SkillLevel._2Technician)],
            [Testing("c1", "e2", SkillLevel._3Advanced), Testing("c0", "e1", SkillLevel._3Advanced, "SK-B")],
        ];
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var gap = Assert.Single((await gateway.Client.GetSkillGapAsync(new GetSkillGapRequest { LearnerId = "L0001", PostingId = "P-1" })).Gaps);

        // Within a kind: the closest level at or above the one required first (courses then by credits, events that reach
        // it before those that do not), then by code.
        Assert.Equal(
            [
                (1, RecommendationKind.Course, "C-CHEAP", SkillLevel._3Advanced),
                (2, RecommendationKind.Course, "C-MID", SkillLevel._2Technician),
                (3, RecommendationKind.Course, "C-FAR", SkillLevel._1SeniorTechnician),
                (4, RecommendationKind.CertificateType, "T-B", SkillLevel._3Advanced),
                (5, RecommendationKind.CertificateType, "T-A", SkillLevel._2Technician),
                (6, RecommendationKind.CertificateType, "T-B", SkillLevel._1SeniorTechnician),
                (7, RecommendationKind.CompetitionEvent, "c1/e2", SkillLevel._3Advanced),
                (8, RecommendationKind.CompetitionEvent, "c1/e9", SkillLevel._2Technician),
                (9, RecommendationKind.CompetitionEvent, "c2/e1", SkillLevel._4Intermediate),
            ],
            gap.Recommendations.Select(r => (r.Rank, r.Kind, r.Id, r.Level)));
        Assert.Equal(2, fakes.Courses.CatalogListCalls); // one call per page
    }
}
