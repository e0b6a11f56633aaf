using ChongqingVet.Domain.Security;

namespace ChongqingVet.ServiceDefaults.Security;

/// <summary>
/// chongqingvet.common.v1.ChangeFeedService, served by each of the four services: changes.read. The feed carries
/// learner ids with their records, so opening a stream is audited as a read of personal data (one record per stream,
/// written when it ends).
/// </summary>
public static class ChangeFeedAccess
{
    public static readonly IReadOnlyDictionary<string, AccessRule> Rules = new Dictionary<string, AccessRule>
    {
        ["WatchChanges"] = AccessRule.Requires(Scope.ChangesRead) with { PersonalData = true },
    };
}
