using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;
using H = ChongqingVet.Competitions.Tests.CompetitionServiceHarness;

namespace ChongqingVet.Competitions.Tests;

/// <summary>Enum values and dates out of range are INVALID_ARGUMENT naming the field.</summary>
public class CompetitionInputTests
{
    [Fact]
    public async Task ListCompetitions_UndefinedEnumsOrYearOutOfRange_AreInvalidArgument()
    {
        await using var harness = await H.StartAsync(DatabaseProvider.Sqlite);

        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCompetitionsAsync(
            new ListCompetitionsRequest { Status = (CompetitionStatus)77, Tier = (CompetitionTier)77 }).ResponseAsync, "status", "tier");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCompetitionsAsync(new ListCompetitionsRequest { Year = 1948 }).ResponseAsync, "year");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCompetitionsAsync(new ListCompetitionsRequest { Year = H.Today.Year + 2 }).ResponseAsync, "year");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListAwardRulesAsync(new ListAwardRulesRequest { Tier = (CompetitionTier)77 }).ResponseAsync, "tier");
        await harness.Client.ListCompetitionsAsync(new ListCompetitionsRequest { Year = H.Today.Year + 1, Status = CompetitionStatus.Open });
    }

    [Fact]
    public async Task CreateCompetition_DatesBefore1949OrYearAfterNext_AreInvalidArgument()
    {
        await using var harness = await H.StartAsync(DatabaseProvider.Sqlite);
        var competition = H.NewCompetition();
        competition.StartDate = new DateOnly(1900, 1, 1).ToProtoDate();
        competition.Year = H.Today.Year + 2;
        competition.Status = (CompetitionStatus)77;

        await RpcAssert.InvalidArgumentAsync(() => harness.CreateCompetitionAsync(competition),
            "competition.start_date", "competition.year", "competition.status");
    }

    [Fact]
    public async Task UpdateAwardRule_UndefinedEnums_AreInvalidArgument()
    {
        await using var harness = await H.StartAsync(DatabaseProvider.Sqlite);

        await RpcAssert.InvalidArgumentAsync(() => harness.Client.UpdateAwardRuleAsync(new UpdateAwardRuleRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Rule = new AwardRule { Tier = CompetitionTier.Unspecified, AwardGrade = (AwardGrade)77, CreditedLevel = (SkillLevel)77 },
        }).ResponseAsync, "rule.tier", "rule.award_grade", "rule.credited_level");
    }
}
