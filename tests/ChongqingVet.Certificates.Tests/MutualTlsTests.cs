using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Data;
using ChongqingVet.ServiceDefaults;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ChongqingVet.Certificates.Tests;

/// <summary>
/// Mutual TLS for system callers, on a real Kestrel HTTPS listener: the tests make their own CA and certificates.
/// </summary>
public sealed class MutualTlsTests : IAsyncLifetime
{
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    private readonly string _directory = Directory.CreateTempSubdirectory("cqv-mtls-").FullName;
    private readonly X509Certificate2 _ca = CreateAuthority("CN=ChongqingVet Test CA");
    private readonly X509Certificate2 _otherCa = CreateAuthority("CN=Somebody Else's CA");
    private TestDatabase? _database;
    private WebApplication? _app;
    private string _address = string.Empty;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "ca.pem"), _ca.ExportCertificatePem());
        var server = Issue(_ca, "localhost", ServerAuth, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        await File.WriteAllBytesAsync(Path.Combine(_directory, "server.pfx"), server.Export(X509ContentType.Pfx, "test"));

        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = _database.ToConfiguration();
        settings["Kestrel:Endpoints:Grpc:Url"] = "https://127.0.0.1:0";
        settings["Kestrel:Endpoints:Grpc:Certificate:Path"] = Path.Combine(_directory, "server.pfx");
        settings["Kestrel:Endpoints:Grpc:Certificate:Password"] = "test";
        settings["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0";
        settings["Auth:Authority"] = TestAuthority.Issuer;
        settings["Auth:RequireHttpsMetadata"] = "false";
        settings["Auth:Mtls:Enabled"] = "true";
        settings["Auth:Mtls:CaCertificatePath"] = Path.Combine(_directory, "ca.pem");
        settings["Auth:Mtls:Clients:cq-hrss-system:ClientId"] = "cq-hrss-system";
        settings["Auth:Mtls:Clients:cq-hrss-system:Role"] = "government";
        settings["Auth:Mtls:Clients:cq-hrss-system:Scopes:0"] = "catalog.read";
        settings["Auth:Mtls:Clients:cq-hrss-system:Scopes:1"] = "certificates.read";
        settings[DevelopmentKeys.AllowSetting] = "true";

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults("certificates");
        builder.AddCertificates();
        builder.Services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.BackchannelHttpHandler = TestAuthority.Shared.Handler);
        _app = builder.Build();
        _app.MapServiceDefaults();
        _app.MapCertificates();
        await _app.StartAsync();
        _address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(a => a.StartsWith("https", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ClientCertificate_FromTheCa_IsTheMappedClient()
    {
        var client = Client(Issue(_ca, "cq-hrss-system", ClientAuth, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)));

        await client.ListCertificateTypesAsync(new ListCertificateTypesRequest()); // catalog.read granted by the mapping
        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => client.IssueCertificateAsync(CertificateServiceHarness.Issue()).ResponseAsync);
    }

    [Fact]
    public async Task BearerToken_OverMutualTls_TakesPrecedence()
    {
        var client = Client(Issue(_ca, "cq-hrss-system", ClientAuth, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)), TestAuthority.Shared.SuperUserToken());

        await client.CreateCertificateTypeAsync(new CreateCertificateTypeRequest { RequestId = Guid.NewGuid().ToString(), CertificateType = CertificateServiceHarness.RobotOperatorType() });
    }

    [Fact]
    public async Task NoClientCertificate_IsRefused()
    {
        var client = Client(null);

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.ListCertificateTypesAsync(new ListCertificateTypesRequest()).ResponseAsync);
        Assert.NotEqual(StatusCode.OK, refused.StatusCode);
    }

    public static TheoryData<string> BadCertificates => new() { "other-ca", "expired", "not-yet-valid", "server-eku", "unknown-subject" };

    [Theory, MemberData(nameof(BadCertificates))]
    public async Task BadClientCertificate_IsUnauthenticated(string kind)
    {
        var now = DateTimeOffset.UtcNow;
        var certificate = kind switch
        {
            "other-ca" => Issue(_otherCa, "cq-hrss-system", ClientAuth, now.AddDays(-1), now.AddDays(30)),
            "expired" => Issue(_ca, "cq-hrss-system", ClientAuth, now.AddDays(-30), now.AddDays(-1)),
            "not-yet-valid" => Issue(_ca, "cq-hrss-system", ClientAuth, now.AddDays(1), now.AddDays(30)),
            "server-eku" => Issue(_ca, "cq-hrss-system", ServerAuth, now.AddDays(-1), now.AddDays(30)),
            _ => Issue(_ca, "stranger", ClientAuth, now.AddDays(-1), now.AddDays(30)),
        };

        await RpcAssert.ThrowsAsync(StatusCode.Unauthenticated, () => Client(certificate).ListCertificateTypesAsync(new ListCertificateTypesRequest()).ResponseAsync);
    }

    private CertificateService.CertificateServiceClient Client(X509Certificate2? certificate, string? token = null)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, server, _, _) => server is not null && server.Issuer == _ca.Subject;
        if (certificate is not null) handler.SslOptions.ClientCertificates = [certificate];
        HttpMessageHandler outer = token is null ? handler : new BearerTokenHandler(token, handler);
        return new CertificateService.CertificateServiceClient(GrpcChannel.ForAddress(_address, new GrpcChannelOptions { HttpHandler = outer }));
    }

    private static X509Certificate2 CreateAuthority(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(authority.Export(X509ContentType.Pfx), null);
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string commonName, string usage, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(commonName);
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(authority, notBefore, notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }
}
