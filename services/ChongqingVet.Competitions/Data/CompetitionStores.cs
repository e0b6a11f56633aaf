using System.Data.Common;
using ChongqingVet.Competitions.Domain;
using ChongqingVet.Competitions.V1;

namespace ChongqingVet.Competitions.Data;

/// <summary>Binds the competitions repositories to one transaction for the Domain use cases.</summary>
public sealed class CompetitionStores(CompetitionRepository competitions, ResultRepository results, AwardRuleRepository awardRules)
{
    public ICompetitionStore In(DbConnection connection, DbTransaction transaction) =>
        new Store(competitions, results, awardRules, connection, transaction);

    private sealed class Store(
        CompetitionRepository competitions,
        ResultRepository results,
        AwardRuleRepository awardRules,
        DbConnection connection,
        DbTransaction transaction) : ICompetitionStore
    {
        public Task<Competition?> CompetitionAsync(string id, CancellationToken cancellationToken) =>
            competitions.GetAsync(connection, transaction, id, cancellationToken);

        public Task<Event?> EventAsync(string competitionId, string code, CancellationToken cancellationToken) =>
            competitions.GetEventAsync(connection, transaction, competitionId, code, cancellationToken);

        public Task<Result> InsertResultAsync(Result result, Participation participation, CancellationToken cancellationToken) =>
            results.RecordAsync(connection, transaction, result, participation, cancellationToken);

        public Task<string?> ParticipantResultAsync(string competitionId, string eventCode, string learnerId, CancellationToken cancellationToken) =>
            ResultRepository.ParticipantResultAsync(connection, transaction, competitionId, eventCode, learnerId, cancellationToken);

        public Task<IReadOnlyList<(int Rank, double Score)>> RankedScoresAsync(string competitionId, string eventCode, string exceptResultId,
            CancellationToken cancellationToken) =>
            ResultRepository.RankedScoresAsync(connection, transaction, competitionId, eventCode, exceptResultId, cancellationToken);

        public Task<Result?> ResultAsync(string id, CancellationToken cancellationToken) => results.GetAsync(connection, transaction, id, cancellationToken);

        public Task<Result> UpdateResultAsync(Result result, long expectedVersion, CancellationToken cancellationToken) =>
            results.UpdateAsync(connection, transaction, result, expectedVersion, cancellationToken);

        public Task<Competition> InsertCompetitionAsync(Competition competition, CancellationToken cancellationToken) =>
            competitions.CreateAsync(connection, transaction, competition, cancellationToken);

        public Task<Competition> UpdateCompetitionAsync(Competition competition, long expectedVersion, CancellationToken cancellationToken) =>
            competitions.UpdateAsync(connection, transaction, competition, expectedVersion, cancellationToken);

        public Task<Event> InsertEventAsync(Event competitionEvent, CancellationToken cancellationToken) =>
            competitions.CreateEventAsync(connection, transaction, competitionEvent, cancellationToken);

        public Task<AwardRule> SaveAwardRuleAsync(AwardRule rule, CancellationToken cancellationToken) =>
            awardRules.UpdateAsync(connection, transaction, rule, cancellationToken);
    }
}
