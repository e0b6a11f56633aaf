using ChongqingVet.Certificates.V1;
using ChongqingVet.ApiKit;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.Certificates.Grpc;

/// <summary>Applies an update mask (AIP-134) to a certificate type.</summary>
public static class CertificateTypeMapper
{
    /// <summary>The mutable fields of a certificate type; code, kind and etag are fixed.</summary>
    public static readonly MutableFields<CertificateType> Mutable =
        new("name", "organisation_name", "organisation_credit_code", "levels", "validity_months", "active");

    public static CertificateType ApplyMask(CertificateType current, CertificateType changes, FieldMask? mask) =>
        Mutable.Apply(current, changes, mask);
}
