using ChongqingVet.Certificates.V1;
using ChongqingVet.Credentials;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Certificates.Domain.Credentials;

/// <summary>Settings of signed credentials (section <c>Credentials</c>); the keys are read by <c>CredentialKeyConfiguration</c> (Data/).</summary>
public sealed class CredentialOptions
{
    public const string SectionName = "Credentials";

    /// <summary>The base of every id in a credential (issuer, credential, achievement, skill, status list): this deployment's public URL.</summary>
    public string IssuerBaseUrl { get; set; } = "https://certificates.chongqingvet.example";

    /// <summary>How long verifiers may cache a status list (<c>Cache-Control: max-age</c>, and the list's <c>ttl</c>): a revocation is visible within this time.</summary>
    public int StatusListCacheSeconds { get; set; } = 300;
}

/// <summary>
/// The signed credential of one certificate: only an active certificate has one; the holder is named only by the
/// keyed-salt identity hash (<see cref="HolderIdentityProtector.CredentialIdentity"/>); its revocation status is its
/// entry in a Bitstring Status List; signed with the active key.
/// </summary>
public sealed class CertificateCredentials(CredentialKeyRing keys, CredentialOptions options, HolderIdentityProtector identity)
{
    public CertificateCredential Create(Certificate certificate, CertificateType type, string holderIdNumber, StatusListEntry status)
    {
        EnsureActive(certificate);
        var (identityHash, salt) = identity.CredentialIdentity(holderIdNumber, certificate.CertificateNumber);
        var payload = OpenBadgeCredential.Build(options.IssuerBaseUrl, certificate, type, identityHash, status);
        return new CertificateCredential { Jws = CompactJws.Sign(payload, keys.Active), KeyId = keys.Active.KeyId, HolderIdentitySalt = salt };
    }

    /// <summary>Only an active certificate has a signed credential (checked before a status list index is drawn for it).</summary>
    public static void EnsureActive(Certificate certificate)
    {
        if (certificate.Status != CertificateStatus.Active)
        {
            throw new FailedPreconditionException("CERTIFICATE_NOT_ACTIVE",
                $"Certificate '{certificate.CertificateNumber}' is {certificate.Status}; only an active certificate has a signed credential.");
        }
    }
}
