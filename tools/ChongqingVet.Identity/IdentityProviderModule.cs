using ChongqingVet.Identity.Account;
using ChongqingVet.Identity.Configuration;
using ChongqingVet.Identity.Protocol;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace ChongqingVet.Identity;

/// <summary>
/// The development OpenID Connect provider: OpenIddict's server in degraded mode (no database), with the clients and
/// learners of the <c>Identity</c> configuration section. It is a development tool and refuses any other environment.
/// </summary>
public static class IdentityProviderModule
{
    public const string TestingEnvironment = "Testing";

    public static WebApplicationBuilder AddDevelopmentIdentityProvider(this WebApplicationBuilder builder)
    {
        var environment = builder.Environment;
        if (!environment.IsDevelopment() && !environment.IsEnvironment(TestingEnvironment))
        {
            throw new InvalidOperationException(
                $"ChongqingVet.Identity is a DEVELOPMENT OpenID Connect provider (sample clients, shared learner password) and " +
                $"runs only in the Development or Testing environment; this one is '{environment.EnvironmentName}'. " +
                "Set ASPNETCORE_ENVIRONMENT=Development for the local suite; production uses the city's identity provider.");
        }

        var settings = builder.Configuration.GetSection(IdentityProviderSettings.SectionName).Get<IdentityProviderSettings>()
                       ?? new IdentityProviderSettings();
        var catalogue = ClientCatalogue.Create(settings);
        var keyPath = string.IsNullOrWhiteSpace(settings.SigningKeyPath)
            ? null
            : Path.GetFullPath(settings.SigningKeyPath, environment.ContentRootPath);
        var keys = DevelopmentKeys.LoadOrCreate(keyPath);

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(catalogue);
        builder.Services.AddLearnerSession();
        builder.Services.AddHealthChecks();
        // Browser clients (the learner page) redeem their code at the token endpoint from their own origin.
        var origins = catalogue.Clients.SelectMany(client => client.RedirectUris)
            .Select(uri => new Uri(uri).GetLeftPart(UriPartial.Authority)).Distinct().ToArray();
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy.WithOrigins(origins).WithMethods("POST").WithHeaders("content-type")));

        builder.Services.AddOpenIddict().AddServer(options =>
        {
            options.SetIssuer(new Uri(settings.Issuer, UriKind.Absolute))
                   .SetAuthorizationEndpointUris(ConnectEndpoints.AuthorizationPath.TrimStart('/'))
                   .SetTokenEndpointUris(ConnectEndpoints.TokenPath.TrimStart('/'))
                   .SetEndSessionEndpointUris(ConnectEndpoints.EndSessionPath.TrimStart('/'));

            options.AllowClientCredentialsFlow()
                   .AllowAuthorizationCodeFlow()
                   .AllowRefreshTokenFlow()
                   .RequireProofKeyForCodeExchange();
            options.Configure(server =>
            {
                server.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain); // S256 only: plain protects nothing
                // Clients authenticate with their secret only (basic or post); do not advertise JWT client assertions.
                server.ClientAuthenticationMethods.Remove(ClientAuthenticationMethods.PrivateKeyJwt);
                server.ClientAuthenticationMethods.Remove(ClientAuthenticationMethods.ClientSecretJwt);
            });

            options.RegisterScopes([.. catalogue.Scopes]);
            options.RegisterClaims(Claims.Subject, Claims.Name, Claims.Role, IdentityRoles.OrganisationClaim, Claims.ClientId, Claims.Scope);
            options.SetAccessTokenLifetime(settings.AccessTokenLifetime);

            // Signed JWT access tokens that any JwtBearer validates against the JWKS; codes and refresh tokens stay encrypted.
            options.AddSigningKey(keys.Signing)
                   .AddEncryptionKey(keys.Encryption)
                   .DisableAccessTokenEncryption();

            // No application, authorization or token store: clients come from configuration and are checked here.
            options.EnableDegradedMode();
            foreach (var handler in RequestValidation.Handlers) options.AddEventHandler(handler);

            options.UseAspNetCore()
                   .EnableAuthorizationEndpointPassthrough()
                   .EnableTokenEndpointPassthrough()
                   .EnableEndSessionEndpointPassthrough()
                   .DisableTransportSecurityRequirement(); // plain HTTP on 127.0.0.1: development only
        });
        return builder;
    }

    public static WebApplication MapDevelopmentIdentityProvider(this WebApplication app)
    {
        app.UseCors();
        app.UseAuthentication();
        app.UseAntiforgery();
        app.MapConnectEndpoints();
        app.MapAccountEndpoints();
        app.MapHealthChecks("/healthz");
        return app;
    }
}
