using ChongqingVet.Domain.Security;
using ChongqingVet.ServiceDefaults.Security;
using static ChongqingVet.ServiceDefaults.Security.AccessRule;

namespace ChongqingVet.Gateway.Grpc;

/// <summary>Who may call which method of chongqingvet.profile.v1.LearnerProfileService (docs/SECURITY.md).</summary>
public static class LearnerProfileAccess
{
    public static readonly IReadOnlyDictionary<string, AccessRule> Rules = new Dictionary<string, AccessRule>
    {
        ["GetLearnerProfile"] = RequiresOrSelf(Scope.ProfilesRead),
        ["MatchJobs"] = RequiresOrSelf(Scope.ProfilesRead),
        ["GetSkillGap"] = RequiresOrSelf(Scope.ProfilesRead),
        ["GetTranscript"] = RequiresOrSelf(Scope.ProfilesRead),
        // The signed certificates in it are fetched with the forwarded token: the certificates service also requires certificates.read (or self).
        ["GetLearnerClr"] = RequiresOrSelf(Scope.ProfilesRead),
        // The certificates service's own rule for the call; it checks again (and audits) with the forwarded token.
        ["GetCertificateCredential"] = RequiresOrSelf(Scope.CertificatesRead),
    };
}
