using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.Data;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using H = ChongqingVet.Competitions.Tests.CompetitionServiceHarness;

namespace ChongqingVet.Competitions.Tests;

/// <summary>An institution records and corrects results only of the competitions its own organisation organises.</summary>
public class CompetitionOwnershipTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    private const string OtherOrganisation = "91110108MA01ABCD1X";

    private static readonly string[] InstitutionScopes = ["catalog.read", "profiles.read", "results.write"];

    private static CompetitionService.CompetitionServiceClient InstitutionClient(H harness, string organisation) =>
        new(harness.Factory.CreateChannel(TestAuthority.Shared.Issue("institution-a", "institution", InstitutionScopes, organisation: organisation)));

    [Theory, MemberData(nameof(Providers))]
    public async Task RecordAndUpdateResult_ByAnotherOrganisation_AreDeniedAndWriteNothing_TheOrganiserSucceeds(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var competition = await harness.CreateCompetitionAsync();
        Assert.Equal(TestAuthority.TestOrganisation, competition.OrganiserCreditCode);
        var competitionEvent = await harness.CreateEventAsync(H.IndividualEvent(competition.Id));
        var stranger = InstitutionClient(harness, OtherOrganisation);
        var organiser = InstitutionClient(harness, TestAuthority.TestOrganisation);

        var refused = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied,
            () => stranger.RecordResultAsync(H.Individual(competitionEvent, "L0001")).ResponseAsync);
        Assert.Equal("NOT_THE_ORGANISER", RpcAssert.Reason(refused));
        Assert.Equal(0, await CountAsync(harness, "SELECT COUNT(*) FROM competition_results"));
        Assert.Equal(0, await CountAsync(harness, "SELECT COUNT(*) FROM result_participants"));

        var recorded = await organiser.RecordResultAsync(H.Individual(competitionEvent, "L0001"));
        Assert.Equal(1, await CountAsync(harness, "SELECT COUNT(*) FROM competition_results"));

        var change = recorded.Clone();
        change.Rank = 2;
        change.AwardGrade = AwardGrade.SecondPrize;
        var mask = new FieldMask { Paths = { "rank", "award_grade" } };
        var refusedUpdate = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied,
            () => stranger.UpdateResultAsync(new UpdateResultRequest { RequestId = Guid.NewGuid().ToString(), Result = change, UpdateMask = mask }).ResponseAsync);
        Assert.Equal("NOT_THE_ORGANISER", RpcAssert.Reason(refusedUpdate));
        var unchanged = Assert.Single((await harness.Client.ListResultsAsync(new ListResultsRequest { CompetitionId = competition.Id })).Results);
        Assert.Equal(recorded, unchanged);

        var updated = await organiser.UpdateResultAsync(new UpdateResultRequest { RequestId = Guid.NewGuid().ToString(), Result = change, UpdateMask = mask });
        Assert.Equal(2, updated.Rank);
        Assert.Equal(AwardGrade.SecondPrize, updated.AwardGrade);
    }

    [Fact]
    public async Task RecordResult_CompetitionWithoutOrganiser_OnlyACatalogWriterMayRecord()
    {
        await using var harness = await H.StartAsync(DatabaseProvider.Sqlite);
        var legacy = H.NewCompetition();
        legacy.OrganiserCreditCode = "";
        var competition = await harness.CreateCompetitionAsync(legacy);
        Assert.Equal("", competition.OrganiserCreditCode);
        var competitionEvent = await harness.CreateEventAsync(H.IndividualEvent(competition.Id));

        var refused = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied,
            () => InstitutionClient(harness, TestAuthority.TestOrganisation).RecordResultAsync(H.Individual(competitionEvent, "L0001")).ResponseAsync);
        Assert.Equal("NOT_THE_ORGANISER", RpcAssert.Reason(refused));
        Assert.Equal(0, await CountAsync(harness, "SELECT COUNT(*) FROM competition_results"));

        await harness.Client.RecordResultAsync(H.Individual(competitionEvent, "L0001")); // the default token holds catalog.write
        Assert.Equal(1, await CountAsync(harness, "SELECT COUNT(*) FROM competition_results"));
    }

    [Fact]
    public async Task CreateCompetition_OrganiserCreditCode_IsValidatedAndStoredUpperCase()
    {
        await using var harness = await H.StartAsync(DatabaseProvider.Sqlite);
        var wrongCheck = H.NewCompetition();
        wrongCheck.OrganiserCreditCode = "91350100M000100Y44";
        await RpcAssert.InvalidArgumentAsync(() => harness.CreateCompetitionAsync(wrongCheck), "competition.organiser_credit_code");

        var lowerCase = H.NewCompetition();
        lowerCase.OrganiserCreditCode = "125000002166dhx7jt";
        var created = await harness.CreateCompetitionAsync(lowerCase);
        Assert.Equal("125000002166DHX7JT", (await harness.Client.GetCompetitionAsync(new GetCompetitionRequest { Id = created.Id })).OrganiserCreditCode);
    }

    [Fact]
    public void SampleCompetitions_HaveValidOrganiserCodes_AndTheDevInstitutionOrganisesOne()
    {
        Assert.All(CompetitionSampleData.Competitions, c => Assert.True(UnifiedSocialCreditCode.IsValid(c.OrganiserCreditCode), c.Id));
        Assert.Contains(CompetitionSampleData.Competitions, c => c.OrganiserCreditCode == "125000002166DHX7JT"); // institution-cqipc's org
    }

    private static async Task<long> CountAsync(H harness, string sql)
    {
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
