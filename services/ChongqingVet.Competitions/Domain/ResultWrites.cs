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

    Task<Result> InsertResultAsync(Result result, Participation participation, CancellationToken cancellationToken);

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
        return await store.InsertResultAsync(result, competitionEvent.Participation, cancellationToken);
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
