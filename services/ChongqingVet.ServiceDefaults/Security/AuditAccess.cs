using ChongqingVet.Domain.Security;

namespace ChongqingVet.ServiceDefaults.Security;

/// <summary>chongqingvet.audit.v1.AuditService: the audit log is for auditors only (not administrators: 三权分立).</summary>
public static class AuditAccess
{
    public static readonly IReadOnlyDictionary<string, AccessRule> Rules = new Dictionary<string, AccessRule>
    {
        ["ListAuditRecords"] = AccessRule.Requires(Scope.AuditRead),
        ["VerifyAuditChain"] = AccessRule.Requires(Scope.AuditRead),
    };
}
