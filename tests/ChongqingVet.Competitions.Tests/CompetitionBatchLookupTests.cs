using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Grpc.Core;

namespace ChongqingVet.Competitions.Tests;

/// <summary>BatchGetCompetitions and the skill_codes filter of ListEvents (the transcript's and the skill gap's batch look-ups).</summary>
public class CompetitionBatchLookupTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task BatchGetCompetitions_KnownAndUnknownIds_FoundInRequestOrderOnceAndMissingListed(DatabaseProvider provider)
    {
        await using var harness = await CompetitionServiceHarness.StartAsync(provider);
        var national = await harness.CreateCompetitionAsync(CompetitionServiceHarness.NewCompetition(CompetitionTier.National));
        var municipal = await harness.CreateCompetitionAsync(CompetitionServiceHarness.NewCompetition(CompetitionTier.Provincial));

        var batch = await harness.Client.BatchGetCompetitionsAsync(new BatchGetCompetitionsRequest { Ids = { municipal.Id, "gone", national.Id, municipal.Id } });

        Assert.Equal([municipal, national], batch.Competitions); // the same messages GetCompetition answers with
        Assert.Equal(["gone"], batch.MissingIds);
    }

    [Fact]
    public async Task BatchGetCompetitions_OverTheLimitOrBadIds_InvalidArgumentNamingTheFields()
    {
        await using var harness = await CompetitionServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        Assert.Equal(100, (await harness.Client.BatchGetCompetitionsAsync(new BatchGetCompetitionsRequest { Ids = { Enumerable.Range(0, 100).Select(i => $"id-{i}") } })).MissingIds.Count);

        await RpcAssert.InvalidArgumentAsync(() => harness.Client.BatchGetCompetitionsAsync(
            new BatchGetCompetitionsRequest { Ids = { Enumerable.Range(0, 101).Select(i => $"id-{i}") } }).ResponseAsync, "ids");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.BatchGetCompetitionsAsync(
            new BatchGetCompetitionsRequest { Ids = { "ok", "", new string('x', 37) } }).ResponseAsync, "ids[1]", "ids[2]");
    }

    [Fact]
    public async Task BatchGetCompetitions_TokenWithoutCatalogRead_PermissionDenied()
    {
        await using var harness = await CompetitionServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        var client = new CompetitionService.CompetitionServiceClient(harness.Factory.CreateChannel(TestAuthority.Shared.Issue("no-catalog", "learner", ["openid", "learner.self"], subject: "L0001")));

        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => client.BatchGetCompetitionsAsync(new BatchGetCompetitionsRequest { Ids = { "c1" } }).ResponseAsync);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListEvents_SkillCodes_EventsTestingAnyOfThem(DatabaseProvider provider)
    {
        await using var harness = await CompetitionServiceHarness.StartAsync(provider);
        var competition = await harness.CreateCompetitionAsync(CompetitionServiceHarness.NewCompetition(startInDays: 30));
        await harness.CreateEventAsync(CompetitionServiceHarness.TeamEvent(competition.Id, "ZZ013"));       // AUTO-ENG, AUTO-DIAG
        await harness.CreateEventAsync(CompetitionServiceHarness.IndividualEvent(competition.Id, "ZZ017")); // DIGI-MAINT

        var both = await harness.Client.ListEventsAsync(new ListEventsRequest { SkillCodes = { "AUTO-DIAG", "DIGI-MAINT", "IR-OPS" }, UpcomingOnly = true });
        Assert.Equal(["ZZ013", "ZZ017"], both.Events.Select(e => e.Code));
        var one = await harness.Client.ListEventsAsync(new ListEventsRequest { SkillCodes = { "DIGI-MAINT" } });
        Assert.Equal(["ZZ017"], one.Events.Select(e => e.Code));
        Assert.Empty((await harness.Client.ListEventsAsync(new ListEventsRequest { SkillCodes = { "IR-OPS" } })).Events);

        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListEventsAsync(
            new ListEventsRequest { SkillCodes = { Enumerable.Range(0, 101).Select(i => $"SK-{i:D3}") } }).ResponseAsync, "skill_codes");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListEventsAsync(new ListEventsRequest { SkillCodes = { "lower" } }).ResponseAsync, "skill_codes[0]");
    }
}
