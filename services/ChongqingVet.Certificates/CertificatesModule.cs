using ChongqingVet.Data.Audit;
using ChongqingVet.Data.Changes;
using ChongqingVet.ServiceDefaults.Security;
using ChongqingVet.Certificates.Data;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.Domain.Credentials;
using ChongqingVet.Certificates.Grpc;
using ChongqingVet.Data;

namespace ChongqingVet.Certificates;

/// <summary>Registers and maps the certificates service.</summary>
public static class CertificatesModule
{
    /// <summary>How long verifiers may cache the JWKS: a new key is published at least this long before it signs.</summary>
    public const int JwksCacheSeconds = 300;

    public static WebApplicationBuilder AddCertificates(this WebApplicationBuilder builder)
    {
        builder.AddDatabase(typeof(CertificatesModule).Assembly);
        builder.AddAudit();
        builder.AddChangeFeed("certificates", ChongqingVet.Certificates.V1.Certificate.Descriptor, ChongqingVet.Certificates.V1.CertificateType.Descriptor);
        builder.Services.AddAccessRules(ChongqingVet.Audit.V1.AuditService.Descriptor, AuditAccess.Rules);
        builder.Services.AddAccessRules(ChongqingVet.Common.V1.ChangeFeedService.Descriptor, ChangeFeedAccess.Rules);
        builder.Services.AddAccessRules(ChongqingVet.Certificates.V1.CertificateService.Descriptor, CertificateAccess.Rules);
        builder.Services.AddSingleton(HolderIdentityKeys.FromConfiguration(builder.Configuration, builder.Environment,
            DevelopmentKeys.StartupLogger(builder, typeof(HolderIdentityProtector).FullName!)));
        builder.Services.AddSingleton(builder.Configuration.GetSection("Verification").Get<VerificationOptions>() ?? new VerificationOptions());
        builder.Services.AddSingleton<ChongqingVet.ApiKit.ListPages>();
        builder.Services.AddSingleton<CertificateStores>();
        builder.Services.AddSingleton<ChongqingVet.Certificates.Domain.RevokeCertificate>();
        builder.Services.AddSingleton<VerificationGuard>();
        builder.Services.AddSingleton<CertificateTypeRepository>();
        builder.Services.AddSingleton<CertificateRepository>();
        builder.Services.AddSingleton(builder.Configuration.GetSection(ImportOptions.SectionName).Get<ImportOptions>() ?? new ImportOptions());
        builder.Services.AddSingleton<ChongqingVet.Certificates.Domain.IssueCertificate>();
        builder.Services.AddSingleton<ImportCertificates>();
        builder.Services.AddSingleton<CertificateMetrics>();
        builder.Services.AddSingleton(builder.Configuration.GetSection(CredentialOptions.SectionName).Get<CredentialOptions>() ?? new CredentialOptions());
        builder.Services.AddSingleton(CredentialKeyConfiguration.FromConfiguration(builder.Configuration, builder.Environment,
            DevelopmentKeys.StartupLogger(builder, typeof(CredentialKeyConfiguration).FullName!)));
        builder.Services.AddSingleton<CertificateCredentials>();
        builder.Services.AddSingleton<CredentialVerifier>();
        builder.Services.AddSingleton<CredentialRepository>();
        builder.Services.AddSingleton<ISampleDataSeeder, CertificateSampleData>();
        return builder;
    }

    public static WebApplication MapCertificates(this WebApplication app)
    {
        app.MapGrpcService<CertificateGrpcService>();
        // Public by design: the public parts of every credential key (active and retired), for offline verifiers.
        app.MapGet("/.well-known/jwks.json", (HttpContext http, CredentialKeyRing keys) =>
        {
            http.Response.Headers.CacheControl = $"public, max-age={JwksCacheSeconds}";
            return Results.Text(keys.Jwks().ToJsonString(), "application/jwk-set+json");
        });
        app.MapAudit();
        app.MapChangeFeed();
        return app;
    }
}
