using ChongqingVet.Certificates.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;

namespace ChongqingVet.Certificates.Domain;

/// <summary>
/// What RevokeCertificate reads and writes, bound to the idempotency transaction it runs in
/// (<c>CertificateStores.In(connection, transaction)</c>; unit tests supply a fake). Rows only: no rule.
/// </summary>
public interface IRevocationStore
{
    /// <summary>The certificate without its holder's name; null when there is none.</summary>
    Task<Certificate?> CertificateAsync(string number, CancellationToken cancellationToken);

    Task<CertificateType?> TypeAsync(string code, CancellationToken cancellationToken);

    /// <summary>Marks the certificate revoked with the reason if the version still matches (else ABORTED).</summary>
    Task<Certificate> RevokeAsync(string number, string reason, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Sets the certificate's bit in its Bitstring Status List, if it has an entry (docs/CREDENTIALS.md).</summary>
    Task SetCredentialStatusRevokedAsync(string number, CancellationToken cancellationToken);
}

/// <summary>
/// RevokeCertificate: only the organisation that owns the certificate's type revokes it, and a certificate is revoked
/// once — revoking a revoked certificate is FAILED_PRECONDITION (CERTIFICATE_ALREADY_REVOKED). The certificate's bit in
/// its credential status list is set in the same transaction, so a published list never lags a committed revocation.
/// </summary>
public sealed class RevokeCertificate
{
    public async Task<Certificate> RunAsync(IRevocationStore store, Caller caller, string number, string reason, long expectedVersion,
        CancellationToken cancellationToken)
    {
        var existing = await store.CertificateAsync(number, cancellationToken) ?? throw new NotFoundException("Certificate", number);
        var type = await store.TypeAsync(existing.TypeCode, cancellationToken) ?? throw new NotFoundException("CertificateType", existing.TypeCode);
        IssuerAuthority.EnsureOwns(caller, type);
        if (existing.Status == CertificateStatus.Revoked)
            throw new FailedPreconditionException("CERTIFICATE_ALREADY_REVOKED", $"Certificate '{number}' is already revoked.");
        var revoked = await store.RevokeAsync(number, reason.Trim(), expectedVersion, cancellationToken);
        await store.SetCredentialStatusRevokedAsync(number, cancellationToken);
        return revoked;
    }
}
