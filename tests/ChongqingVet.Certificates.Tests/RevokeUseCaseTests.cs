using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;

namespace ChongqingVet.Certificates.Tests;

/// <summary>RevokeCertificate without gRPC or a database: a fake store stands for the transaction's rows.</summary>
public class RevokeUseCaseTests
{
    private const string Issuer = "12500000450000001X";

    private sealed class FakeStore(CertificateStatus status) : IRevocationStore
    {
        public List<string> Writes { get; } = [];

        public Task<Certificate?> CertificateAsync(string number, CancellationToken cancellationToken) =>
            Task.FromResult(number == "C-1" ? new Certificate { CertificateNumber = "C-1", TypeCode = "IR-OPS", Status = status } : null);

        public Task<CertificateType?> TypeAsync(string code, CancellationToken cancellationToken) =>
            Task.FromResult<CertificateType?>(new CertificateType { Code = code, OrganisationCreditCode = Issuer });

        public Task<Certificate> RevokeAsync(string number, string reason, long expectedVersion, CancellationToken cancellationToken)
        {
            Writes.Add($"{number} '{reason}' v{expectedVersion}");
            return Task.FromResult(new Certificate { CertificateNumber = number, Status = CertificateStatus.Revoked });
        }

        public Task SetCredentialStatusRevokedAsync(string number, CancellationToken cancellationToken)
        {
            Writes.Add($"{number} status bit");
            return Task.CompletedTask;
        }
    }

    private static Caller Institution(string organisation = Issuer) =>
        new("issuer-client", "u-1", new HashSet<string>(), Roles.Institution, organisation);

    [Fact]
    public async Task RevokeCertificate_Active_IsRevokedWithTheTrimmedReason()
    {
        var store = new FakeStore(CertificateStatus.Active);
        await new RevokeCertificate().RunAsync(store, Institution(), "C-1", " 证书信息有误 ", 2, CancellationToken.None);
        Assert.Equal(["C-1 '证书信息有误' v2", "C-1 status bit"], store.Writes); // the credential status bit, in the same store (transaction)
    }

    [Fact]
    public async Task RevokeCertificate_AlreadyRevoked_IsFailedPreconditionAndWritesNothing()
    {
        var store = new FakeStore(CertificateStatus.Revoked);
        var error = await Assert.ThrowsAsync<FailedPreconditionException>(() =>
            new RevokeCertificate().RunAsync(store, Institution(), "C-1", "again", 3, CancellationToken.None));
        Assert.Equal("CERTIFICATE_ALREADY_REVOKED", error.Reason);
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task RevokeCertificate_AnotherOrganisation_IsPermissionDenied()
    {
        var store = new FakeStore(CertificateStatus.Active);
        await Assert.ThrowsAsync<PermissionDeniedException>(() =>
            new RevokeCertificate().RunAsync(store, Institution("12500000450000009X"), "C-1", "x", 1, CancellationToken.None));
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task RevokeCertificate_Unknown_IsNotFound() =>
        await Assert.ThrowsAsync<NotFoundException>(() =>
            new RevokeCertificate().RunAsync(new FakeStore(CertificateStatus.Active), Institution(), "C-404", "x", 1, CancellationToken.None));
}
