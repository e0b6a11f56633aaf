using ChongqingVet.Domain.Security;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.Insights.V1;
using ChongqingVet.ServiceDefaults.Security;
using Grpc.Core;
using static ChongqingVet.ServiceDefaults.Security.AccessRule;

namespace ChongqingVet.Gateway.Grpc;

/// <summary>
/// chongqingvet.insights.v1.InsightsService through the gateway: each call goes unchanged to the insights service (its
/// backend pipeline; the caller's token, deadline and cancellation travel with it), so REST/JSON (the contract's
/// google.api.http routes, /v1/insights/…) and gRPC-Web reach it too. Mapped only when Services:Insights:Address is set.
/// The insights service checks the scope again and computes everything; the gateway adds nothing.
/// </summary>
public sealed class InsightsPassThroughService(InsightsService.InsightsServiceClient insights, BackendCaller backends) : InsightsService.InsightsServiceBase
{
    public override Task<SkillSupplyDemandReport> GetSkillSupplyDemand(GetSkillSupplyDemandRequest request, ServerCallContext context) =>
        backends.CallAsync(Backends.Insights, token => insights.GetSkillSupplyDemandAsync(request, cancellationToken: token).ResponseAsync, context.CancellationToken);

    public override Task<IndicatorReport> GetProgrammeIndustryMatch(GetProgrammeIndustryMatchRequest request, ServerCallContext context) =>
        backends.CallAsync(Backends.Insights, token => insights.GetProgrammeIndustryMatchAsync(request, cancellationToken: token).ResponseAsync, context.CancellationToken);

    public override Task<IndicatorReport> GetEmploymentRelevance(GetEmploymentRelevanceRequest request, ServerCallContext context) =>
        backends.CallAsync(Backends.Insights, token => insights.GetEmploymentRelevanceAsync(request, cancellationToken: token).ResponseAsync, context.CancellationToken);

    public override Task<IndicatorReport> GetLocalRetention(GetLocalRetentionRequest request, ServerCallContext context) =>
        backends.CallAsync(Backends.Insights, token => insights.GetLocalRetentionAsync(request, cancellationToken: token).ResponseAsync, context.CancellationToken);

    public override Task<AchievementOutcomesReport> GetAchievementOutcomes(GetAchievementOutcomesRequest request, ServerCallContext context) =>
        backends.CallAsync(Backends.Insights, token => insights.GetAchievementOutcomesAsync(request, cancellationToken: token).ResponseAsync, context.CancellationToken);

    public override Task<FeedStatus> GetFeedStatus(GetFeedStatusRequest request, ServerCallContext context) =>
        backends.CallAsync(Backends.Insights, token => insights.GetFeedStatusAsync(request, cancellationToken: token).ResponseAsync, context.CancellationToken);
}

/// <summary>The gateway's rule table for the pass-through: the same as the insights service's (docs/SECURITY.md).</summary>
public static class InsightsPassThroughAccess
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
