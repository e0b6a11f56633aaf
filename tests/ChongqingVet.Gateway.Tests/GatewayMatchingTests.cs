using ChongqingVet.Common.V1;
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
}
