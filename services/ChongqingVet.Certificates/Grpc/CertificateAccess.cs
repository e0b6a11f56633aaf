using ChongqingVet.Domain.Security;
using ChongqingVet.ServiceDefaults.Security;
using static ChongqingVet.ServiceDefaults.Security.AccessRule;

namespace ChongqingVet.Certificates.Grpc;

/// <summary>Who may call which method of chongqingvet.certificates.v1.CertificateService (docs/SECURITY.md).</summary>
public static class CertificateAccess
{
    public static readonly IReadOnlyDictionary<string, AccessRule> Rules = new Dictionary<string, AccessRule>
    {
        ["CreateCertificateType"] = Requires(Scope.CatalogWrite),
        ["UpdateCertificateType"] = Requires(Scope.CatalogWrite),
        ["GetCertificateType"] = Requires(Scope.CatalogRead),
        ["ListCertificateTypes"] = Requires(Scope.CatalogRead),
        ["IssueCertificate"] = Requires(Scope.CertificatesIssue),
        ["ImportCertificates"] = Requires(Scope.CertificatesIssue),
        ["StreamImportCertificates"] = Requires(Scope.CertificatesIssue),
        ["RevokeCertificate"] = Requires(Scope.CertificatesRevoke),
        ["GetCertificate"] = Requires(Scope.CertificatesRead) with { PersonalData = true },
        ["ListCertificates"] = RequiresOrSelf(Scope.CertificatesRead),
        ["VerifyCertificate"] = Anonymous,
        ["ListLearnerSkillEvidence"] = RequiresOrSelf(Scope.ProfilesRead),
        ["ListLearnerRecords"] = RequiresOrSelf(Scope.ProfilesRead),
        ["GetCertificateCredential"] = RequiresOrSelf(Scope.CertificatesRead),
        ["VerifyCredential"] = Anonymous,
        ["GetCredentialKeys"] = Anonymous,
        ["GetStatusListCredential"] = Anonymous,
    };
}
