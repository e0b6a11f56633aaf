using ChongqingVet.Competitions.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;
using ChongqingVet.Domain.Time;

namespace ChongqingVet.Competitions.Domain;

/// <summary>
/// What the result and award-rule use cases read and write, bound to the idempotency transaction they run in
/// (<c>CompetitionStores.In(connection, transaction)</c>; unit tests supply a fake). Rows only: no rule.
/// </summary>
public interface ICompetitionStore
{
    Task<Competition?> CompetitionAsync(string id, CancellationToken cancellationToken);

    Task<Event?> EventAsync(string competitionId, string code, CancellationToken cancellationToken);

    /// <summary>The id of the result the learner already has in this event, if any.</summary>
    Task<string?> ParticipantResultAsync(string competitionId, string eventCode, string learnerId, CancellationToken cancellationToken);

    /// <summary>The (rank, score) of the event's other results that have both; <paramref name="exceptResultId"/> is left out.</summary>
    Task<IReadOnlyList<(int Rank, double Score)>> RankedScoresAsync(string competitionId, string eventCode, string exceptResultId, CancellationToken cancellationToken);

    /// <summary>Stores a result under a new id; ALREADY_EXISTS (PARTICIPANT_ALREADY_HAS_RESULT) when the participant index refuses it.</summary>
    Task<Result> InsertResultAsync(Result result, Participation participation, CancellationToken cancellationToken);

    Task<Result?> ResultAsync(string id, CancellationToken cancellationToken);

    /// <summary>Writes the result's editable fields if the version still matches (else ABORTED / NOT_FOUND).</summary>
    Task<Result> UpdateResultAsync(Result result, long expectedVersion, CancellationToken cancellationToken);

    Task<Competition> InsertCompetitionAsync(Competition competition, CancellationToken cancellationToken);

    /// <summary>Writes the competition if the version still matches (else ABORTED / NOT_FOUND).</summary>
    Task<Competition> UpdateCompetitionAsync(Competition competition, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Stores a new event; ALREADY_EXISTS when the competition already has one with its code.</summary>
    Task<Event> InsertEventAsync(Event competitionEvent, CancellationToken cancellationToken);

    /// <summary>Sets the level a (tier, award) credits; NOT_FOUND when the pair has no rule row.</summary>
    Task<AwardRule> SaveAwardRuleAsync(AwardRule rule, CancellationToken cancellationToken);
}

/// <summary>
/// RecordResult: the event must exist; only the competition's organiser records its results; the result fits the
/// event (award scheme, individual or team shape); and results exist only once the competition has started.
/// </summary>
public sealed class RecordResult(TimeProvider clock)
{
    public async Task<Result> RunAsync(ICompetitionStore store, Caller caller, Result result, CancellationToken cancellationToken)
    {
        var competitionEvent = await store.EventAsync(result.CompetitionId, result.EventCode, cancellationToken)
                               ?? throw new NotFoundException("Event", $"{result.CompetitionId}/{result.EventCode}");
        var competition = await store.CompetitionAsync(result.CompetitionId, cancellationToken)
                          ?? throw new NotFoundException("Competition", result.CompetitionId);
        OrganiserAuthority.EnsureMayRecordResults(caller, competition);
        var violations = new Violations();
        CompetitionRules.CheckAgainstEvent(result, competitionEvent, violations);
        violations.ThrowIfAny();
        if (!CompetitionRules.HasStarted(competition, ChinaTime.Today(clock)))
            throw new FailedPreconditionException("COMPETITION_NOT_STARTED", "Results can be recorded only once the competition has started.");
        // Checked first to name every learner who already has a result; the unique index still decides under concurrency.
        var duplicates = new List<(int Index, string LearnerId)>();
        for (var i = 0; i < result.Participants.Count; i++)
        {
            if (await store.ParticipantResultAsync(result.CompetitionId, result.EventCode, result.Participants[i].LearnerId, cancellationToken) is not null)
                duplicates.Add((i, result.Participants[i].LearnerId));
        }
        if (duplicates.Count > 0) throw DuplicateParticipants(result, duplicates);
        await ResultRanks.EnsureConsistentAsync(store, result, string.Empty, cancellationToken);
        return await store.InsertResultAsync(result, competitionEvent.Participation, cancellationToken);
    }

    /// <summary>ALREADY_EXISTS (PARTICIPANT_ALREADY_HAS_RESULT) naming the participants who already have a result in the event.</summary>
    public static AlreadyExistsException DuplicateParticipants(Result result, IReadOnlyList<(int Index, string LearnerId)> duplicates) =>
        new("Result", $"{result.CompetitionId}/{result.EventCode}", "PARTICIPANT_ALREADY_HAS_RESULT")
        {
            Metadata = new Dictionary<string, string>
            {
                ["fields"] = string.Join(",", duplicates.Select(d => $"result.participants[{d.Index}].learner_id")),
                ["learner_ids"] = string.Join(",", duplicates.Select(d => d.LearnerId)),
            },
        };
}

/// <summary>Within an event, a better rank never has a lower score (ties allowed); checked when both are given.</summary>
public static class ResultRanks
{
    public static async Task EnsureConsistentAsync(ICompetitionStore store, Result result, string exceptResultId, CancellationToken cancellationToken)
    {
        if (result.Rank <= 0 || !result.HasScore) return;
        var others = await store.RankedScoresAsync(result.CompetitionId, result.EventCode, exceptResultId, cancellationToken);
        foreach (var (rank, score) in others)
        {
            if (!CompetitionRules.RankAgreesWithScore(result.Rank, result.Score, rank, score))
                throw new ValidationException("result.rank", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"disagrees with the scores: rank {rank} of this event has score {score}"));
        }
    }
}

/// <summary>
/// UpdateResult: only the competition's organiser changes its results; the merged result keeps a real award grade, a
/// consistent rank and score, a team name of at most 200 characters, fits its event, and agrees with the event's
/// other ranked scores. The result is loaded once, inside the transaction.
/// </summary>
public sealed class UpdateResult
{
    /// <param name="change">Applies the caller's masked changes to the current result (the Grpc layer's field mask).</param>
    public async Task<Result> RunAsync(ICompetitionStore store, Caller caller, string id, long expectedVersion, Func<Result, Result> change,
        CancellationToken cancellationToken)
    {
        var current = await store.ResultAsync(id, cancellationToken) ?? throw new NotFoundException("Result", id);
        var competition = await store.CompetitionAsync(current.CompetitionId, cancellationToken)
                          ?? throw new NotFoundException("Competition", current.CompetitionId);
        OrganiserAuthority.EnsureMayRecordResults(caller, competition);
        var updated = change(current);
        var violations = new Violations();
        violations.CheckEnum(updated.AwardGrade, "result.award_grade", required: true);
        CompetitionRules.ValidateRankAndScore(updated.Rank, updated.HasScore ? updated.Score : null, violations);
        violations.Check(updated.TeamName.Length <= 200, "result.team_name", "must be at most 200 characters");
        var competitionEvent = await store.EventAsync(current.CompetitionId, current.EventCode, cancellationToken)
                               ?? throw new NotFoundException("Event", $"{current.CompetitionId}/{current.EventCode}");
        CompetitionRules.CheckAgainstEvent(updated, competitionEvent, violations);
        violations.ThrowIfAny();
        await ResultRanks.EnsureConsistentAsync(store, updated, updated.Id, cancellationToken);
        return await store.UpdateResultAsync(updated, expectedVersion, cancellationToken);
    }
}

/// <summary>UpdateAwardRule: a rule names a real tier and award grade; the credited level is a level or UNSPECIFIED (credits nothing).</summary>
public sealed class UpdateAwardRule
{
    public static void Validate(AwardRule rule, Violations violations, string prefix = "rule.")
    {
        violations.CheckEnum(rule.Tier, prefix + "tier", required: true);
        violations.CheckEnum(rule.AwardGrade, prefix + "award_grade", required: true);
        violations.CheckEnum(rule.CreditedLevel, prefix + "credited_level"); // UNSPECIFIED credits nothing
    }

    public async Task<AwardRule> RunAsync(ICompetitionStore store, AwardRule rule, CancellationToken cancellationToken)
    {
        var violations = new Violations();
        Validate(rule, violations);
        violations.ThrowIfAny();
        return await store.SaveAwardRuleAsync(rule, cancellationToken);
    }
}
