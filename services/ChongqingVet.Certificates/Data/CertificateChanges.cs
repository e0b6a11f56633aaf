using System.Data.Common;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Data.Changes;

namespace ChongqingVet.Certificates.Data;

/// <summary>
/// The certificates service's outbox rows (docs/CHANGE_FEEDS.md): <c>certificates/{number}</c> ISSUED and REVOKED,
/// <c>certificateTypes/{code}</c> CREATED and UPDATED. Appended by the repository method that writes the row, in its
/// transaction. A certificate is published as ListCertificates shows it to a caller without certificates.holder.read:
/// no holder name, no masked ID number.
/// </summary>
public static class CertificateChanges
{
    public static string TypeNameOf(string code) => "certificateTypes/" + code;

    /// <summary>Appends the certificate's change and returns the certificate unchanged (for the caller to return).</summary>
    public static async Task<Certificate> AppendAsync(DbConnection connection, DbTransaction transaction, string kind, Certificate certificate,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        await ChangeOutbox.AppendAsync(connection, transaction, CertificateRepository.NameOf(certificate.CertificateNumber), kind, Published(certificate),
            clock, cancellationToken);
        return certificate;
    }

    /// <summary>Appends one ISSUED change per certificate of a batch (an import), in one statement.</summary>
    public static async Task<IReadOnlyList<Certificate>> AppendIssuedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Certificate> certificates,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        await ChangeOutbox.AppendAsync(connection, transaction,
            certificates.Select(c => new PendingChange(CertificateRepository.NameOf(c.CertificateNumber), ChangeKind.Issued, Published(c))).ToArray(),
            clock, cancellationToken);
        return certificates;
    }

    public static async Task<CertificateType> AppendAsync(DbConnection connection, DbTransaction transaction, string kind, CertificateType type,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        await ChangeOutbox.AppendAsync(connection, transaction, TypeNameOf(type.Code), kind, type, clock, cancellationToken);
        return type;
    }

    /// <summary>The certificate without its holder's name and masked ID number.</summary>
    public static Certificate Published(Certificate certificate)
    {
        var published = certificate.Clone();
        published.HolderName = string.Empty;
        published.HolderIdNumberMasked = string.Empty;
        return published;
    }
}
