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

        /// <summary>Results already in the event: id, learner, rank, score.</summary>
        public List<(string Id, string LearnerId, int Rank, double? Score)> Existing { get; } = [];

        public Task<string?> ParticipantResultAsync(string competitionId, string eventCode, string learnerId, CancellationToken cancellationToken) =>
            Task.FromResult(Existing.Where(e => e.LearnerId == learnerId).Select(e => e.Id).FirstOrDefault());

        public Task<IReadOnlyList<(int Rank, double Score)>> RankedScoresAsync(string competitionId, string eventCode, string exceptResultId,
            CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<(int Rank, double Score)>>(
                Existing.Where(e => e.Id != exceptResultId && e.Rank > 0 && e.Score is not null).Select(e => (e.Rank, e.Score!.Value)).ToList());

        public Task<Result?> ResultAsync(string id, CancellationToken cancellationToken) =>
            Task.FromResult(Existing.Where(e => e.Id == id).Select(e => (Result?)new Result
            {
                Id = e.Id, CompetitionId = competition.Id, EventCode = Event.Code, AwardGrade = AwardGrade.SecondPrize, Rank = e.Rank, Score = e.Score ?? 0,
                Participants = { new Participant { LearnerId = e.LearnerId, Role = ParticipantRole.Individual } },
            }).FirstOrDefault());

        public Task<Result> UpdateResultAsync(Result result, long expectedVersion, CancellationToken cancellationToken)
        {
            Writes.Add($"update {result.Id} {result.AwardGrade} v{expectedVersion}");
            return Task.FromResult(result);
        }

        public Task<Competition> InsertCompetitionAsync(Competition newCompetition, CancellationToken cancellationToken)
        {
            Writes.Add("competition " + newCompetition.Name);
            return Task.FromResult(newCompetition);
        }

        public Task<Competition> UpdateCompetitionAsync(Competition updated, long expectedVersion, CancellationToken cancellationToken)
        {
            Writes.Add($"competition {updated.Name} v{expectedVersion}");
            return Task.FromResult(updated);
        }

        public Task<Event> InsertEventAsync(Event competitionEvent, CancellationToken cancellationToken)
        {
            Writes.Add("event " + competitionEvent.Code);
            return Task.FromResult(competitionEvent);
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

    [Fact]
    public async Task RecordResult_ParticipantAlreadyHasAResult_IsAlreadyExistsNamingThemAndWritesNothing()
    {
        var store = new FakeStore(StartingOn(5, 1));
        store.Existing.Add(("r-1", "L0001", 2, 80));
        var error = await Assert.ThrowsAsync<AlreadyExistsException>(() =>
            new RecordResult(new FixedClock()).RunAsync(store, Institution(Organiser), Individual(), CancellationToken.None));
        Assert.Equal("PARTICIPANT_ALREADY_HAS_RESULT", error.Reason);
        Assert.Equal("result.participants[0].learner_id", error.Metadata!["fields"]);
        Assert.Equal("L0001", error.Metadata["learner_ids"]);
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task RecordResult_BetterRankWithALowerScore_IsInvalidOnRank()
    {
        var store = new FakeStore(StartingOn(5, 1));
        store.Existing.Add(("r-2", "L0002", 2, 90));
        var result = Individual();
        result.Score = 85; // rank 1 below rank 2's 90
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            new RecordResult(new FixedClock()).RunAsync(store, Institution(Organiser), result, CancellationToken.None));
        Assert.Equal("result.rank", Assert.Single(error.Violations).Field);
        Assert.Empty(store.Writes);
        result.Score = 95;
        await new RecordResult(new FixedClock()).RunAsync(store, Institution(Organiser), result, CancellationToken.None);
        Assert.Single(store.Writes);
    }

    [Fact]
    public async Task UpdateResult_ByTheOrganiser_AppliesTheChangeAndIgnoresItsOwnOldScore()
    {
        var store = new FakeStore(StartingOn(5, 1));
        store.Existing.Add(("r-1", "L0001", 1, 99));
        await new UpdateResult().RunAsync(store, Institution(Organiser), "r-1", 3, current =>
        {
            current.AwardGrade = AwardGrade.FirstPrize;
            current.Score = 50;
            return current;
        }, CancellationToken.None);
        Assert.Equal(["update r-1 FirstPrize v3"], store.Writes);
    }

    [Fact]
    public async Task UpdateResult_AnotherOrganisation_IsPermissionDeniedBeforeTheChangeIsApplied()
    {
        var store = new FakeStore(StartingOn(5, 1));
        store.Existing.Add(("r-1", "L0001", 1, 99));
        var applied = false;
        await Assert.ThrowsAsync<PermissionDeniedException>(() => new UpdateResult().RunAsync(store, Institution("91500000MA5U9999X9"), "r-1", 1,
            current =>
            {
                applied = true;
                return current;
            }, CancellationToken.None));
        Assert.False(applied);
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task UpdateResult_MergedResultBreaksTheRules_AreViolations()
    {
        var store = new FakeStore(StartingOn(5, 1));
        store.Existing.Add(("r-1", "L0001", 2, 80));
        store.Existing.Add(("r-3", "L0003", 1, 90));
        var error = await Assert.ThrowsAsync<ValidationException>(() => new UpdateResult().RunAsync(store, Institution(Organiser), "r-1", 1, current =>
        {
            current.AwardGrade = AwardGrade.Gold; // not of the event's prize-class scheme
            current.TeamName = new string('队', 201);
            return current;
        }, CancellationToken.None));
        Assert.Equal(["result.team_name", "result.award_grade", "result.team_name"], error.Violations.Select(v => v.Field)); // too long, and an individual event has no team
        var rank = await Assert.ThrowsAsync<ValidationException>(() => new UpdateResult().RunAsync(store, Institution(Organiser), "r-1", 1, current =>
        {
            current.Score = 95; // rank 2 above rank 1's 90
            return current;
        }, CancellationToken.None));
        Assert.Equal("result.rank", Assert.Single(rank.Violations).Field);
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task UpdateResult_Unknown_IsNotFound() =>
        await Assert.ThrowsAsync<NotFoundException>(() =>
            new UpdateResult().RunAsync(new FakeStore(StartingOn(5, 1)), Institution(Organiser), "r-404", 1, current => current, CancellationToken.None));

    [Fact]
    public async Task UpdateCompetition_MergedCompetitionAfterNextYear_IsInvalidAndNothingIsWritten()
    {
        var competition = StartingOn(5, 1);
        competition.Name = "重庆市职业院校技能大赛";
        var store = new FakeStore(competition);
        var error = await Assert.ThrowsAsync<ValidationException>(() => new UpdateCompetition(new FixedClock()).RunAsync(store, "c-1", 2, current =>
        {
            var changed = current.Clone();
            changed.Year = 2030;
            return changed;
        }, CancellationToken.None));
        Assert.Contains(error.Violations, v => v.Field == "competition.year");
        Assert.Empty(store.Writes);
        await Assert.ThrowsAsync<NotFoundException>(() => new UpdateCompetition(new FixedClock()).RunAsync(store, "c-404", 2, c => c, CancellationToken.None));
    }

    [Fact]
    public async Task CreateEvent_NationalCompetitionNeedsAZzOrGzCode_AndAnUnknownCompetitionIsNotFound()
    {
        var competition = StartingOn(5, 1);
        competition.Tier = CompetitionTier.National;
        var store = new FakeStore(competition);
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            new CreateEvent().RunAsync(store, new Event { CompetitionId = "c-1", Code = "CQ001" }, CancellationToken.None));
        Assert.Equal("event.code", Assert.Single(error.Violations).Field);
        await new CreateEvent().RunAsync(store, new Event { CompetitionId = "c-1", Code = "ZZ002" }, CancellationToken.None);
        Assert.Equal(["event ZZ002"], store.Writes);
        await Assert.ThrowsAsync<NotFoundException>(() =>
            new CreateEvent().RunAsync(store, new Event { CompetitionId = "c-404", Code = "ZZ003" }, CancellationToken.None));
    }
}
