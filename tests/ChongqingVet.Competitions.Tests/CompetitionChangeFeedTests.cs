using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;
using Google.Protobuf.WellKnownTypes;
using H = ChongqingVet.Competitions.Tests.CompetitionServiceHarness;

namespace ChongqingVet.Competitions.Tests;

/// <summary>The competitions service's writes emit their changes (the feed's behaviour is tested once, on the certificates service).</summary>
public class CompetitionChangeFeedTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task Writes_EmitChanges_InCommitOrder(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var competition = await harness.CreateCompetitionAsync();
        var competitionEvent = await harness.CreateEventAsync(H.IndividualEvent(competition.Id));
        var recorded = await harness.Client.RecordResultAsync(H.Individual(competitionEvent, "L0001", AwardGrade.SecondPrize, rank: 5));
        var correction = recorded.Clone();
        correction.Rank = 4;
        await harness.Client.UpdateResultAsync(new UpdateResultRequest { RequestId = Guid.NewGuid().ToString(), Result = correction, UpdateMask = new FieldMask { Paths = { "rank" } } });
        await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() => harness.Client.RecordResultAsync(H.Individual(competitionEvent, "L0001")).ResponseAsync); // refused: no change

        var (changes, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel());

        var resultName = $"competitions/{competition.Id}/events/{competitionEvent.Code}/results/{recorded.Id}";
        Assert.Equal(
            [($"competitions/{competition.Id}", "CREATED"), ($"competitions/{competition.Id}/events/{competitionEvent.Code}", "CREATED"),
                (resultName, "RECORDED"), (resultName, "UPDATED")],
            changes.Select(c => (c.ResourceName, c.Kind)));
        Assert.Equal([1L, 2, 3, 4], changes.Select(c => c.Sequence));
        Assert.Equal(Result.Descriptor.FullName, changes[3].ResourceType);
        Assert.Equal(4, (int)changes[3].State.Fields["rank"].NumberValue);
        Assert.Equal("L0001", changes[3].State.Fields["participants"].ListValue.Values[0].StructValue.Fields["learnerId"].StringValue);
    }
}
