using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Time;

namespace ChongqingVet.Competitions.Domain;

/// <summary>The competition's dates: its year is at most next year; start and end dates between the earliest date and the end of next year.</summary>
public static class CompetitionDates
{
    public static void Check(Competition competition, DateOnly today, Violations violations)
    {
        var latest = new DateOnly(DateBounds.LatestYear(today), 12, 31);
        violations.Check(competition.Year <= DateBounds.LatestYear(today), "competition.year", "must not be after next year");
        violations.CheckDate(competition.StartDate.ToDateOnly(), "competition.start_date", DateBounds.Earliest, latest, required: false);
        violations.CheckDate(competition.EndDate.ToDateOnly(), "competition.end_date", DateBounds.Earliest, latest, required: false);
    }
}

/// <summary>CreateCompetition: a new competition (its fields and dates were checked by <see cref="CompetitionRules"/> and <see cref="CompetitionDates"/>).</summary>
public sealed class CreateCompetition
{
    public Task<Competition> RunAsync(ICompetitionStore store, Competition competition, CancellationToken cancellationToken) =>
        store.InsertCompetitionAsync(competition, cancellationToken);
}

/// <summary>UpdateCompetition: the merged competition obeys the competition rules and its dates. Loaded once, inside the transaction.</summary>
public sealed class UpdateCompetition(TimeProvider clock)
{
    /// <param name="change">Applies the caller's masked changes to the current competition (the Grpc layer's field mask).</param>
    public async Task<Competition> RunAsync(ICompetitionStore store, string id, long expectedVersion, Func<Competition, Competition> change,
        CancellationToken cancellationToken)
    {
        var current = await store.CompetitionAsync(id, cancellationToken) ?? throw new NotFoundException("Competition", id);
        var updated = change(current);
        var violations = new Violations();
        CompetitionRules.Validate(updated, violations);
        CompetitionDates.Check(updated, ChinaTime.Today(clock), violations);
        violations.ThrowIfAny();
        return await store.UpdateCompetitionAsync(updated, expectedVersion, cancellationToken);
    }
}

/// <summary>CreateEvent: the competition must exist and the event must fit it (<see cref="CompetitionRules.CheckAgainstCompetition"/>).</summary>
public sealed class CreateEvent
{
    public async Task<Event> RunAsync(ICompetitionStore store, Event competitionEvent, CancellationToken cancellationToken)
    {
        var competition = await store.CompetitionAsync(competitionEvent.CompetitionId, cancellationToken)
                          ?? throw new NotFoundException("Competition", competitionEvent.CompetitionId);
        var violations = new Violations();
        CompetitionRules.CheckAgainstCompetition(competitionEvent, competition, violations);
        violations.ThrowIfAny();
        return await store.InsertEventAsync(competitionEvent, cancellationToken);
    }
}
