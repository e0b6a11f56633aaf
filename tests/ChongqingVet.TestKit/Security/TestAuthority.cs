using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChongqingVet.TestKit.Security;

/// <summary>
/// An OIDC authority for in-memory functional tests: a discovery document and a JWKS served through
/// <see cref="Handler"/> (the services' JwtBearer back channel), and tokens signed with its key — valid ones with the
/// claims the development identity provider issues, and deliberately broken ones (expired, wrong issuer, wrong
/// audience, unknown key, <c>alg: none</c>) for the rejection tests. The real provider (tools/ChongqingVet.Identity)
/// is exercised by its own tests and by the suite tests over real processes.
/// </summary>
public sealed class TestAuthority
{
    public const string Issuer = "http://identity.test/";
    public const string Audience = "chongqingvet";

    /// <summary>Every scope the services know: the default token of a test channel holds them all.</summary>
    public static readonly string[] AllScopes =
    [
        "catalog.read", "catalog.write", "profiles.read", "certificates.read", "certificates.holder.read",
        "certificates.issue", "certificates.revoke", "results.write", "enrolments.write", "jobs.write",
        "placements.write", "audit.read", "changes.read",
    ];

    /// <summary>The organisation of the default test institution: the issuer of the tests' sample certificate type.</summary>
    public const string TestOrganisation = "91350100M000100Y43";

    private readonly RsaSecurityKey _key;

    public TestAuthority(string keyId = "test-key-1")
    {
        _key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = keyId };
        Handler = new MetadataHandler(this);
    }

    /// <summary>One authority per test process is enough: its key signs every test token.</summary>
    public static TestAuthority Shared { get; } = new();

    public HttpMessageHandler Handler { get; }

    /// <summary>Makes a host built by hand trust this authority; call it before <c>AddServiceDefaults</c>.</summary>
    public void TrustedBy(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder)
    {
        Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(builder.Configuration, new Dictionary<string, string?>
        {
            ["Auth:Authority"] = Issuer,
            ["Auth:Audience"] = Audience,
            ["Auth:RequireHttpsMetadata"] = "false",
        });
        Microsoft.Extensions.DependencyInjection.OptionsServiceCollectionExtensions.Configure<Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerOptions>(
            builder.Services, Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerDefaults.AuthenticationScheme, options => options.BackchannelHttpHandler = Handler);
    }

    /// <summary>A token with every scope, for tests about something other than permissions.</summary>
    public string SuperUserToken() => Issue("test-all", "administrator", AllScopes, organisation: TestOrganisation);

    public string Issue(string clientId, string role, IEnumerable<string> scopes, string? subject = null, string? organisation = null,
        Action<SecurityTokenDescriptor>? change = null)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = subject ?? clientId,
            ["client_id"] = clientId,
            ["scope"] = string.Join(' ', scopes),
            ["role"] = role,
        };
        if (organisation is not null) claims["org"] = organisation;
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(15),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
            TokenType = "at+jwt",
        };
        change?.Invoke(descriptor);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>A learner's token, as the identity provider issues it after sign-in.</summary>
    public string Learner(string learnerId) => Issue("learner-web", "learner", ["openid", "learner.self", "catalog.read"], subject: learnerId);

    /// <summary>The same claims with <c>alg: none</c> and no signature.</summary>
    public static string Unsigned(string token)
    {
        var parts = token.Split('.');
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"at+jwt"}""");
        return $"{header}.{parts[1]}.";
    }

    private string Jwks()
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(_key);
        return $$"""{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"{{jwk.Kid}}","n":"{{jwk.N}}","e":"{{jwk.E}}"}]}""";
    }

    private sealed class MetadataHandler(TestAuthority authority) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            var body = path switch
            {
                "/.well-known/openid-configuration" => $$"""{"issuer":"{{Issuer}}","jwks_uri":"{{Issuer}}jwks","id_token_signing_alg_values_supported":["RS256"]}""",
                "/jwks" => authority.Jwks(),
                _ => null,
            };
            return Task.FromResult(body is null
                ? new HttpResponseMessage(HttpStatusCode.NotFound)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }
}

/// <summary>Adds <c>authorization: Bearer …</c> to every request (gRPC, gRPC-Web and REST alike).</summary>
public sealed class BearerTokenHandler(string? token, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (token is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return base.SendAsync(request, cancellationToken);
    }
}
