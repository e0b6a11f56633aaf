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

        public Task<AwardRule> SaveAwardRuleAsync(AwardRule rule, CancellationToken cancellationToken) =>
            awardRules.UpdateAsync(connection, transaction, rule, cancellationToken);
    }
}
