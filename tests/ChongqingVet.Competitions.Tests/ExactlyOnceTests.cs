using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using Dapper;
using Google.Protobuf;
using H = ChongqingVet.Competitions.Tests.CompetitionServiceHarness;

namespace ChongqingVet.Competitions.Tests;

/// <summary>request_id on the competitions service's updates.</summary>
public class ExactlyOnceTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task UpdateAwardRule_RetryWithRequestId_WritesOnceAndReplays(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var update = new UpdateAwardRuleRequest
        {
            Rule = new AwardRule { Tier = CompetitionTier.National, AwardGrade = AwardGrade.FirstPrize, CreditedLevel = SkillLevel._1SeniorTechnician },
            RequestId = Guid.NewGuid().ToString(),
        };

        var first = await harness.Client.UpdateAwardRuleAsync(update);
        var retried = await harness.Client.UpdateAwardRuleAsync(update);

        Assert.Equal(first.ToByteArray(), retried.ToByteArray());
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(2L, await connection.ExecuteScalarAsync<long>(
            "SELECT version FROM award_rules WHERE tier = @Tier AND award_grade = @Grade",
            new { Tier = (int)CompetitionTier.National, Grade = (int)AwardGrade.FirstPrize })); // seeded at 1, updated once
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM idempotency_keys WHERE operation = 'UpdateAwardRule'"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task UpdateCompetition_RetryWithRequestId_ReplaysInsteadOfAborting(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var competition = await harness.CreateCompetitionAsync();
        competition.Name += "（决赛）";
        var update = new UpdateCompetitionRequest
        {
            Competition = competition, UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "name" } }, RequestId = Guid.NewGuid().ToString(),
        };

        var first = await harness.Client.UpdateCompetitionAsync(update);
        var retried = await harness.Client.UpdateCompetitionAsync(update);

        Assert.Equal(first.ToByteArray(), retried.ToByteArray());
        Assert.Equal(first.Etag, (await harness.Client.GetCompetitionAsync(new GetCompetitionRequest { Id = competition.Id })).Etag);
    }
}
