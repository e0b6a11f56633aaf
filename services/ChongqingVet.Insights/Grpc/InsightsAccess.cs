using ChongqingVet.Domain.Security;
using ChongqingVet.ServiceDefaults.Security;
using static ChongqingVet.ServiceDefaults.Security.AccessRule;

namespace ChongqingVet.Insights.Grpc;

/// <summary>
/// Who may call which method of chongqingvet.insights.v1.InsightsService (docs/SECURITY.md): insights.read for all.
/// The read model holds learner ids but no names or ID numbers, and every method returns aggregates only, so no call
/// reads personal data (none is audited as such).
/// </summary>
public static class InsightsAccess
{
    public static readonly IReadOnlyDictionary<string, AccessRule> Rules = new Dictionary<string, AccessRule>
    {
        ["GetSkillSupplyDemand"] = Requires(Scope.InsightsRead),
        ["GetProgrammeIndustryMatch"] = Requires(Scope.InsightsRead),
        ["GetEmploymentRelevance"] = Requires(Scope.InsightsRead),
        ["GetLocalRetention"] = Requires(Scope.InsightsRead),
        ["GetAchievementOutcomes"] = Requires(Scope.InsightsRead),
        ["GetFeedStatus"] = Requires(Scope.InsightsRead),
    };
}
