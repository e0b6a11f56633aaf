using System.Data.Common;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.V1;

namespace ChongqingVet.Certificates.Data;

/// <summary>Binds the certificates repositories to one transaction for the Domain use cases (not the import: CertificateImporter).</summary>
public sealed class CertificateStores(CertificateRepository certificates, CertificateTypeRepository types)
{
    public IRevocationStore In(DbConnection connection, DbTransaction transaction) => new RevocationStore(certificates, types, connection, transaction);

    private sealed class RevocationStore(
        CertificateRepository certificates,
        CertificateTypeRepository types,
        DbConnection connection,
        DbTransaction transaction) : IRevocationStore
    {
        public Task<Certificate?> CertificateAsync(string number, CancellationToken cancellationToken) =>
            certificates.GetAsync(connection, transaction, number, includeHolderName: false, cancellationToken);

        public Task<CertificateType?> TypeAsync(string code, CancellationToken cancellationToken) =>
            types.GetAsync(connection, transaction, code, cancellationToken);

        public Task<Certificate> RevokeAsync(string number, string reason, long expectedVersion, CancellationToken cancellationToken) =>
            certificates.RevokeAsync(connection, transaction, number, reason, expectedVersion, cancellationToken);
    }
}
