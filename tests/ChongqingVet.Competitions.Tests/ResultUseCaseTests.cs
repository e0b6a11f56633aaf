using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.Domain;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;

namespace ChongqingVet.Competitions.Tests;

/// <summary>The result and award-rule use cases without gRPC or a database: a fake store stands for the transaction's rows.</summary>
public class ResultUseCaseTests
{
    private const string Organiser = "91500000MA5U0000X1";

    // 2026-05-10 08:00 China time.
    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 5, 10, 0, 0, 0, TimeSpan.Zero);
    }

    private sealed class FakeStore(Competition competition) : ICompetitionStore
    {
        public List<string> Writes { get; } = [];

        public Event Event { get; } = new()
        {
            CompetitionId = competition.Id, Code = "ZZ001", Participation = Participation.Individual, AwardScheme = AwardScheme.PrizeClass,
        };

        public Task<Competition?> CompetitionAsync(string id, CancellationToken cancellationToken) =>
            Task.FromResult(id == competition.Id ? competition : null);

        public Task<Event?> EventAsync(string competitionId, string code, CancellationToken cancellationToken) =>
            Task.FromResult(competitionId == Event.CompetitionId && code == Event.Code ? Event : null);

        public Task<Result> InsertResultAsync(Result result, Participation participation, CancellationToken cancellationToken)
        {
            Writes.Add($"result {result.Participants[0].LearnerId} {participation}");
            return Task.FromResult(result);
        }

        public Task<AwardRule> SaveAwardRuleAsync(AwardRule rule, CancellationToken cancellationToken)
        {
            Writes.Add($"rule {rule.Tier}/{rule.AwardGrade}={rule.CreditedLevel}");
            return Task.FromResult(rule);
        }
    }

    private static Competition StartingOn(int month, int day) => new()
    {
        Id = "c-1", OrganiserCreditCode = Organiser, StartDate = new Google.Type.Date { Year = 2026, Month = month, Day = day },
    };

    private static Caller Institution(string organisation) =>
        new("school-client", "u-1", new HashSet<string> { Scope.CatalogWrite }, Roles.Institution, organisation);

    private static Result Individual() => new()
    {
        CompetitionId = "c-1", EventCode = "ZZ001", AwardGrade = AwardGrade.FirstPrize, Rank = 1,
        Participants = { new Participant { LearnerId = "L0001", Role = ParticipantRole.Individual } },
    };

    [Fact]
    public async Task RecordResult_BeforeTheCompetitionStarts_IsFailedPreconditionAndWritesNothing()
    {
        var store = new FakeStore(StartingOn(5, 11));
        var error = await Assert.ThrowsAsync<FailedPreconditionException>(() =>
            new RecordResult(new FixedClock()).RunAsync(store, Institution(Organiser), Individual(), CancellationToken.None));
        Assert.Equal("COMPETITION_NOT_STARTED", error.Reason);
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task RecordResult_OnTheFirstDayByTheOrganiser_IsRecordedWithTheEventsParticipation()
    {
        var store = new FakeStore(StartingOn(5, 10));
        await new RecordResult(new FixedClock()).RunAsync(store, Institution(Organiser), Individual(), CancellationToken.None);
        Assert.Equal(["result L0001 Individual"], store.Writes);
    }

    [Fact]
    public async Task RecordResult_AnotherOrganisation_IsPermissionDenied()
    {
        var store = new FakeStore(StartingOn(5, 1));
        await Assert.ThrowsAsync<PermissionDeniedException>(() =>
            new RecordResult(new FixedClock()).RunAsync(store, Institution("91500000MA5U9999X9"), Individual(), CancellationToken.None));
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task RecordResult_AwardOutsideTheEventsScheme_IsInvalidOnAwardGrade()
    {
        var store = new FakeStore(StartingOn(5, 1));
        var result = Individual();
        result.AwardGrade = AwardGrade.Gold;
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            new RecordResult(new FixedClock()).RunAsync(store, Institution(Organiser), result, CancellationToken.None));
        Assert.Equal(["result.award_grade"], error.Violations.Select(v => v.Field));
    }

    [Fact]
    public async Task UpdateAwardRule_UnspecifiedTierAndUnknownLevel_AreViolationsAndNothingIsSaved()
    {
        var store = new FakeStore(StartingOn(5, 1));
        var error = await Assert.ThrowsAsync<ValidationException>(() => new UpdateAwardRule().RunAsync(store,
            new AwardRule { AwardGrade = AwardGrade.FirstPrize, CreditedLevel = (SkillLevel)77 }, CancellationToken.None));
        Assert.Equal(["rule.tier", "rule.credited_level"], error.Violations.Select(v => v.Field));
        Assert.Empty(store.Writes);
        await new UpdateAwardRule().RunAsync(store, new AwardRule { Tier = CompetitionTier.National, AwardGrade = AwardGrade.FirstPrize }, CancellationToken.None);
        Assert.Single(store.Writes);
    }
}
