using ChongqingVet.Certificates.V1;
using ChongqingVet.ServiceDefaults;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.Certificates.Grpc;

/// <summary>Applies an update mask (AIP-134) to a certificate type.</summary>
public static class CertificateTypeMapper
{
    private static readonly string[] Updatable = ["name", "organisation_name", "organisation_credit_code", "levels", "validity_months", "active"];

    public static CertificateType ApplyMask(CertificateType current, CertificateType changes, FieldMask? mask)
    {
        var paths = UpdateMasks.Resolve(mask, Updatable);
        var updated = current.Clone();
        foreach (var path in paths)
        {
            switch (path)
            {
                case "name": updated.Name = changes.Name; break;
                case "organisation_name": updated.OrganisationName = changes.OrganisationName; break;
                case "organisation_credit_code": updated.OrganisationCreditCode = changes.OrganisationCreditCode; break;
                case "validity_months": updated.ValidityMonths = changes.ValidityMonths; break;
                case "active": updated.Active = changes.Active; break;
                case "levels":
                    updated.Levels.Clear();
                    updated.Levels.AddRange(changes.Levels);
                    break;
            }
        }
        return updated;
    }
}
