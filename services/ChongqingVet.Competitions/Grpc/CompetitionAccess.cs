using ChongqingVet.Domain.Security;
using ChongqingVet.ServiceDefaults.Security;
using static ChongqingVet.ServiceDefaults.Security.AccessRule;

namespace ChongqingVet.Competitions.Grpc;

/// <summary>Who may call which method of chongqingvet.competitions.v1.CompetitionService (docs/SECURITY.md).</summary>
public static class CompetitionAccess
{
    public static readonly IReadOnlyDictionary<string, AccessRule> Rules = new Dictionary<string, AccessRule>
    {
        ["CreateCompetition"] = Requires(Scope.CatalogWrite),
        ["UpdateCompetition"] = Requires(Scope.CatalogWrite),
        ["CreateEvent"] = Requires(Scope.CatalogWrite),
        ["UpdateAwardRule"] = Requires(Scope.CatalogWrite),
        ["GetCompetition"] = Requires(Scope.CatalogRead),
        ["BatchGetCompetitions"] = Requires(Scope.CatalogRead),
        ["ListCompetitions"] = Requires(Scope.CatalogRead),
        ["GetEvent"] = Requires(Scope.CatalogRead),
        ["ListEvents"] = Requires(Scope.CatalogRead),
        ["ListAwardRules"] = Requires(Scope.CatalogRead),
        ["RecordResult"] = Requires(Scope.ResultsWrite),
        ["UpdateResult"] = Requires(Scope.ResultsWrite),
        ["ListResults"] = RequiresOrSelf(Scope.ProfilesRead),
        ["ListLearnerSkillEvidence"] = RequiresOrSelf(Scope.ProfilesRead),
        ["ListLearnerRecords"] = RequiresOrSelf(Scope.ProfilesRead),
    };
}
