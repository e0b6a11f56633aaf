using ChongqingVet.Credentials;
using ChongqingVet.Data.Audit;
using ChongqingVet.Data.Changes;
using ChongqingVet.ServiceDefaults.Security;
using ChongqingVet.Certificates.Data;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.Domain.Credentials;
using ChongqingVet.Certificates.Grpc;
using ChongqingVet.Data;

namespace ChongqingVet.Certificates;

/// <summary>How a status list credential is served over HTTP (the certificates service and the gateway alike).</summary>
public static class StatusListResults
{
    public const string MediaType = "application/jwt";

    /// <summary>200 with the JWS, or 304 when If-None-Match names its ETag, or 404 when there is no such list.</summary>
    public static IResult Serve(HttpContext http, string? jws, string? etag, int maxAgeSeconds)
    {
        if (jws is null || etag is null) return Results.NotFound();
        http.Response.Headers.CacheControl = $"public, max-age={maxAgeSeconds}";
        http.Response.Headers.ETag = etag;
        var ifNoneMatch = http.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && (ifNoneMatch.Trim() == "*" || ifNoneMatch.Split(',').Any(tag => tag.Trim().Replace("W/", "", StringComparison.Ordinal) == etag)))
            return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Text(jws, MediaType);
    }
}

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
        builder.Services.AddSingleton<StatusListRepository>();
        builder.Services.AddSingleton<StatusListPublisher>();
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
        // Public by design, like the JWKS (not rate-limited): the signed Bitstring Status Lists that credentials point to.
        app.MapGet("/credentials/status/{listId:long}", async (long listId, HttpContext http, StatusListPublisher publisher, StatusListRepository lists,
            CredentialOptions options) =>
        {
            var list = listId > 0 ? await publisher.GetAsync(lists, listId, http.RequestAborted) : null;
            return StatusListResults.Serve(http, list?.Jws, list?.ETag, options.StatusListCacheSeconds);
        });
        app.MapAudit();
        app.MapChangeFeed();
        return app;
    }
}
