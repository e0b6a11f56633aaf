using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace ChongqingVet.ServiceDefaults.Security;

/// <summary>
/// <c>Auth:Mtls:*</c> — mutual TLS for system callers. When enabled, every HTTPS endpoint asks for a client
/// certificate; a call without a bearer token is authenticated by its certificate, which must chain to the configured
/// CA (<c>CaCertificatePath</c>, PEM), be within its validity and carry the client-authentication EKU; its subject's
/// common name maps to a configured client (<c>Clients:&lt;CN&gt;</c>: ClientId, Role, Scopes, Organisation).
/// </summary>
public sealed class MutualTlsOptions
{
    public const string SectionName = "Auth:Mtls";

    public bool Enabled { get; set; }

    public string CaCertificatePath { get; set; } = string.Empty;

    public Dictionary<string, CertificateClient> Clients { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The identity a client certificate's subject stands for.</summary>
public sealed class CertificateClient
{
    public string ClientId { get; set; } = string.Empty;
    public string Role { get; set; } = string.Empty;
    public string[] Scopes { get; set; } = [];
    public string? Organisation { get; set; }
}

public static class MutualTls
{
    public const string BearerOrCertificateScheme = "BearerOrCertificate";

    public static void Add(WebApplicationBuilder builder, AuthenticationBuilder authentication, MutualTlsOptions options)
    {
        if (!File.Exists(options.CaCertificatePath))
            throw new InvalidOperationException("Auth:Mtls:CaCertificatePath must name the PEM file of the CA that signs client certificates.");
        var ca = X509CertificateLoader.LoadCertificateFromFile(options.CaCertificatePath);

        // Kestrel asks every HTTPS connection for a certificate and leaves judging it to the authentication handler,
        // so a bad certificate gets a clear UNAUTHENTICATED status instead of a failed handshake.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.AllowAnyClientCertificate();
        }));

        authentication
            .AddCertificate(certificate =>
            {
                certificate.AllowedCertificateTypes = CertificateTypes.Chained;
                certificate.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
                certificate.CustomTrustStore.Add(ca);
                certificate.RevocationMode = X509RevocationMode.NoCheck;
                certificate.ValidateCertificateUse = true;
                certificate.ValidateValidityPeriod = true;
                certificate.Events = new CertificateAuthenticationEvents
                {
                    OnCertificateValidated = context =>
                    {
                        var subject = context.ClientCertificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
                        if (!options.Clients.TryGetValue(subject, out var client))
                        {
                            context.Fail("The client certificate's subject is not a configured client.");
                            return Task.CompletedTask;
                        }
                        var claims = new List<Claim>
                        {
                            new(CallerClaims.Subject, client.ClientId),
                            new(CallerClaims.ClientId, client.ClientId),
                            new(CallerClaims.Scope, string.Join(' ', client.Scopes)),
                            new(CallerClaims.Role, client.Role),
                        };
                        if (!string.IsNullOrEmpty(client.Organisation)) claims.Add(new(CallerClaims.Organisation, client.Organisation));
                        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, context.Scheme.Name, CallerClaims.Subject, CallerClaims.Role));
                        context.Success();
                        return Task.CompletedTask;
                    },
                };
            })
            .AddPolicyScheme(BearerOrCertificateScheme, "Bearer token, else client certificate", policy =>
                policy.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.Count == 0 && context.Connection.ClientCertificate is not null
                        ? CertificateAuthenticationDefaults.AuthenticationScheme
                        : JwtBearerDefaults.AuthenticationScheme);
    }
}
