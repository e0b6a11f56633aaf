using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.Domain;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Competitions.Tests;

public class CompetitionRulesTests
{
    [Theory]
    [InlineData(AwardScheme.PrizeClass, AwardGrade.SecondPrize, true)]
    [InlineData(AwardScheme.PrizeClass, AwardGrade.Silver, false)]
    [InlineData(AwardScheme.Medal, AwardGrade.Bronze, true)]
    [InlineData(AwardScheme.Worldskills, AwardGrade.MedallionForExcellence, true)]
    [InlineData(AwardScheme.Worldskills, AwardGrade.FirstPrize, false)]
    [InlineData(AwardScheme.None, AwardGrade.Participation, true)]
    [InlineData(AwardScheme.None, AwardGrade.Gold, false)]
    [InlineData(AwardScheme.Medal, AwardGrade.Participation, true)]
    public void SchemeAllows_GradeAndScheme_IsConsistent(AwardScheme scheme, AwardGrade grade, bool expected) =>
        Assert.Equal(expected, CompetitionRules.SchemeAllows(scheme, grade));

    [Theory]
    [InlineData(CompetitionTier.National, AwardGrade.FirstPrize, SkillLevel._2Technician)]
    [InlineData(CompetitionTier.National, AwardGrade.Silver, SkillLevel._3Advanced)]
    [InlineData(CompetitionTier.National, AwardGrade.ThirdPrize, SkillLevel._4Intermediate)]
    [InlineData(CompetitionTier.Provincial, AwardGrade.FirstPrize, SkillLevel._3Advanced)]
    [InlineData(CompetitionTier.CrossRegional, AwardGrade.Bronze, SkillLevel._4Intermediate)]
    [InlineData(CompetitionTier.District, AwardGrade.FirstPrize, SkillLevel._4Intermediate)]
    [InlineData(CompetitionTier.District, AwardGrade.ThirdPrize, SkillLevel._5Beginner)]
    [InlineData(CompetitionTier.School, AwardGrade.ThirdPrize, SkillLevel._5Beginner)]
    [InlineData(CompetitionTier.World, AwardGrade.WorldskillsBronze, SkillLevel._1SeniorTechnician)]
    [InlineData(CompetitionTier.World, AwardGrade.MedallionForExcellence, SkillLevel._2Technician)]
    [InlineData(CompetitionTier.National, AwardGrade.Participation, SkillLevel.Unspecified)]
    public void DefaultCreditedLevel_TierAndAward_GivesDocumentedLevel(CompetitionTier tier, AwardGrade grade, SkillLevel expected) =>
        Assert.Equal(expected, CompetitionRules.DefaultCreditedLevel(tier, grade));

    [Fact]
    public void CheckAgainstEvent_IndividualEventWithTeam_ReportsParticipantsAndTeamName()
    {
        var competitionEvent = new Event { Participation = Participation.Individual, MinTeamSize = 1, MaxTeamSize = 1, AwardScheme = AwardScheme.Medal };
        var result = new Result
        {
            TeamName = "队",
            AwardGrade = AwardGrade.FirstPrize,
            Participants = { new Participant { LearnerId = "L0001" }, new Participant { LearnerId = "L0002" } },
        };
        var violations = new Violations();
        CompetitionRules.CheckAgainstEvent(result, competitionEvent, violations);
        Assert.Equal(["result.award_grade", "result.participants", "result.team_name"], violations.Items.Select(v => v.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CheckAgainstEvent_TeamWithinBoundsAndOneLeader_IsValid()
    {
        var competitionEvent = new Event { Participation = Participation.Team, MinTeamSize = 2, MaxTeamSize = 3, AwardScheme = AwardScheme.PrizeClass };
        var result = new Result
        {
            TeamName = "永川职教中心代表队",
            AwardGrade = AwardGrade.ThirdPrize,
            Participants =
            {
                new Participant { LearnerId = "L0001", Role = ParticipantRole.Leader },
                new Participant { LearnerId = "L0002", Role = ParticipantRole.Member },
            },
        };
        var violations = new Violations();
        CompetitionRules.CheckAgainstEvent(result, competitionEvent, violations);
        Assert.False(violations.Any);
    }

    [Theory]
    [InlineData("ZZ013", true)]
    [InlineData("GZ001", true)]
    [InlineData("ZZ13", false)]
    [InlineData("CQ-IR", false)]
    public void CheckAgainstCompetition_NationalEventCode_MustBeZzOrGz(string code, bool valid)
    {
        var violations = new Violations();
        CompetitionRules.CheckAgainstCompetition(new Event { Code = code }, new Competition { Tier = CompetitionTier.National }, violations);
        Assert.Equal(valid, !violations.Any);
        var provincial = new Violations();
        CompetitionRules.CheckAgainstCompetition(new Event { Code = code }, new Competition { Tier = CompetitionTier.Provincial }, provincial);
        Assert.False(provincial.Any);
    }

    [Fact]
    public void ValidateRankAndScore_NegativeRankAndNaNScore_BothReported()
    {
        var violations = new Violations();
        CompetitionRules.ValidateRankAndScore(-1, double.NaN, violations);
        Assert.Equal(["result.rank", "result.score"], violations.Items.Select(v => v.Field));
    }

    [Theory]
    [InlineData(1, 95.0, 2, 90.0, true)]
    [InlineData(1, 90.0, 2, 95.0, false)]
    [InlineData(3, 70.0, 2, 80.0, true)]
    [InlineData(2, 80.0, 2, 80.0, true)]
    [InlineData(2, 80.0, 2, 81.0, false)]
    public void RankAgreesWithScore_BetterRankNeedsHigherOrEqualScore(int rank, double score, int otherRank, double otherScore, bool expected) =>
        Assert.Equal(expected, CompetitionRules.RankAgreesWithScore(rank, score, otherRank, otherScore));

    [Fact]
    public void HasStarted_StartDateTodayOrEarlier_IsTrue()
    {
        var today = new DateOnly(2026, 11, 28);
        Assert.True(CompetitionRules.HasStarted(new Competition { StartDate = today.ToProtoDate() }, today));
        Assert.False(CompetitionRules.HasStarted(new Competition { StartDate = today.AddDays(1).ToProtoDate() }, today));
    }
}
