using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Grpc.Core;
using H = ChongqingVet.Competitions.Tests.CompetitionServiceHarness;

namespace ChongqingVet.Competitions.Tests;

/// <summary>ListLearnerRecords (the common learner-record contract): results and the evidence their awards give, paged together.</summary>
public class CompetitionLearnerRecordsTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    /// <summary>L0002: a national team 一等奖, a national individual 三等奖, a school 二等奖; L0004: participation only.</summary>
    private static async Task RecordResultsAsync(H harness)
    {
        var national = await harness.CreateCompetitionAsync();
        var school = await harness.CreateCompetitionAsync(H.NewCompetition(CompetitionTier.School));
        var team = await harness.CreateEventAsync(H.TeamEvent(national.Id));
        var individual = await harness.CreateEventAsync(H.IndividualEvent(national.Id));
        var schoolEvent = await harness.CreateEventAsync(H.IndividualEvent(school.Id, "XJ-01"));
        await harness.Client.RecordResultAsync(H.Team(team, AwardGrade.FirstPrize, "L0001", "L0002", "L0003"));
        await harness.Client.RecordResultAsync(H.Individual(individual, "L0002", AwardGrade.ThirdPrize, rank: 30));
        await harness.Client.RecordResultAsync(H.Individual(schoolEvent, "L0002", AwardGrade.SecondPrize, rank: 2));
        await harness.Client.RecordResultAsync(H.Individual(individual, "L0004", AwardGrade.Participation, rank: 0));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListLearnerRecords_PagedOneByOne_RecordsAreTheLearnersResultsAndEvidenceMatchesTheSupersededRpc(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        await RecordResultsAsync(harness);

        var (records, evidence, pages) = await LearnerRecordPages.ReadAllAsync(
            request => harness.Client.ListLearnerRecordsAsync(request).ResponseAsync, "L0002", pageSize: 1);

        Assert.Equal(3, pages);
        var listed = await harness.Client.ListResultsAsync(new ListResultsRequest { LearnerId = "L0002" });
        Assert.Equal(listed.Results, records.Select(r => r.Record.Unpack<Result>()));
        Assert.All(records, r => Assert.Equal(EvidenceSourceKind.Competition, r.Kind));
        var superseded = await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0002", PageSize = 200 });
        Assert.Equal(superseded.Evidence, evidence);
        Assert.Equal(4, evidence.Count);

        var teamRecord = records.Single(r => r.Record.Unpack<Result>().Participants.Count == 3);
        Assert.Equal(2, evidence.Count(e => e.SourceName == teamRecord.Name)); // the team event's two skills
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListLearnerRecords_ParticipationOnly_ListsTheResultWithoutEvidence(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        await RecordResultsAsync(harness);

        var page = await harness.Client.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0004" });

        Assert.Equal(AwardGrade.Participation, Assert.Single(page.Records).Record.Unpack<Result>().AwardGrade);
        Assert.Empty(page.Evidence);
        Assert.Empty(page.NextPageToken);
        Assert.Empty((await harness.Client.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0099" })).Records);
    }

    [Fact]
    public async Task ListLearnerRecords_Learner_ReadsOwnButNotAnothers()
    {
        await using var harness = await H.StartAsync(DatabaseProvider.Sqlite);
        await RecordResultsAsync(harness);
        var learner = new CompetitionService.CompetitionServiceClient(harness.Factory.CreateChannel(TestAuthority.Shared.Learner("L0002")));

        Assert.Equal(3, (await learner.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0002" })).Records.Count);
        var other = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => learner.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0001" }).ResponseAsync);
        Assert.Equal("NOT_THIS_LEARNER_OR_SCOPE", RpcAssert.Reason(other));
    }
}
