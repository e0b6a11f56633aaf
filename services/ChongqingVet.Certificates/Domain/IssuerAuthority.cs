using ChongqingVet.Certificates.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;

namespace ChongqingVet.Certificates.Domain;

/// <summary>
/// An institution issues, imports and revokes certificates only of the types its own organisation owns: the token's
/// <c>org</c> (unified social credit code) must be the type's <c>organisation_credit_code</c>.
/// </summary>
public static class IssuerAuthority
{
    public static bool Owns(Caller caller, CertificateType type) => caller.BelongsTo(type.OrganisationCreditCode);

    public static void EnsureOwns(Caller caller, CertificateType type)
    {
        if (!Owns(caller, type))
            throw new PermissionDeniedException("NOT_THE_ISSUING_ORGANISATION",
                $"Only the organisation that owns certificate type '{type.Code}' may issue or revoke its certificates.")
            {
                Metadata = new Dictionary<string, string> { ["type_code"] = type.Code },
            };
    }
}
