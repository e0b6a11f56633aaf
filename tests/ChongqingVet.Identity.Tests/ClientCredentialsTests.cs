using System.Net;
using System.Text.Json;
using ChongqingVet.Certificates.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.TestKit.Identity;

namespace ChongqingVet.Identity.Tests;

public sealed class ClientCredentialsTests(DevelopmentProvider fixture) : IClassFixture<DevelopmentProvider>
{
    private const string InstitutionOrganisation = "125000002166DHX7JT";

    [Fact]
    public async Task Discovery_Document_PublishesEndpointsAndSigningKeys()
    {
        using var client = new ProviderClient(fixture.Provider);

        var discovery = JsonDocument.Parse(await client.Http.GetStringAsync("/.well-known/openid-configuration")).RootElement;
        Assert.Equal(InMemoryIdentityProvider.Issuer, discovery.GetProperty("issuer").GetString());
        // Endpoint URIs are built from the address the client used (here the test server's http://localhost/).
        var baseAddress = client.Http.BaseAddress!.ToString();
        Assert.Equal(baseAddress + "connect/token", discovery.GetProperty("token_endpoint").GetString());
        Assert.Equal(baseAddress + "connect/authorize", discovery.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(baseAddress + "connect/logout", discovery.GetProperty("end_session_endpoint").GetString());
        Assert.Equal(["S256"], discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));

        var jwksUri = new Uri(discovery.GetProperty("jwks_uri").GetString()!);
        var keys = JsonDocument.Parse(await client.Http.GetStringAsync(jwksUri.PathAndQuery)).RootElement.GetProperty("keys");
        var key = Assert.Single(keys.EnumerateArray());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
        Assert.False(key.TryGetProperty("d", out _), "The JWKS must not publish the private key.");
    }

    [Theory]
    [InlineData("gov-system", "gov-system-dev-secret", "government", "profiles.read certificates.holder.read")]
    [InlineData("gov-system", "gov-system-dev-secret", "government", "changes.read")]
    [InlineData("institution-cqipc", "institution-cqipc-dev-secret", "institution", "certificates.issue catalog.read")]
    [InlineData("admin-console", "admin-console-dev-secret", "administrator", "catalog.write")]
    [InlineData("auditor-console", "auditor-console-dev-secret", "auditor", "audit.read")]
    [InlineData("gateway", "gateway-dev-secret", "gateway", "catalog.read")]
    [InlineData("gov-system", "gov-system-dev-secret", "government", "insights.read")]
    public async Task ClientCredentials_DevelopmentClient_TokenCarriesContractClaimsAndValidates(string clientId, string secret, string role, string scope)
    {
        using var client = new ProviderClient(fixture.Provider);

        var (status, body) = await client.ClientCredentialsAsync(clientId, secret, scope);

        Assert.Equal(HttpStatusCode.OK, status);
        var token = await client.ValidateAsync(body.GetProperty("access_token").GetString()!);
        Assert.Equal("RS256", token.Alg);
        Assert.False(string.IsNullOrEmpty(token.Kid));
        Assert.Equal(InMemoryIdentityProvider.Issuer, token.Issuer);
        Assert.Equal(["chongqingvet"], token.Audiences);
        Assert.Equal(clientId, token.Subject);
        Assert.Equal(clientId, token.GetClaim("client_id").Value);
        Assert.Equal(scope, token.GetClaim("scope").Value);
        Assert.Equal(role, token.GetClaim("role").Value);
        Assert.Equal(TimeSpan.FromMinutes(15), token.ValidTo - token.IssuedAt);
        if (role == "institution") Assert.Equal(InstitutionOrganisation, token.GetClaim("org").Value);
        else Assert.False(token.TryGetClaim("org", out _));
    }

    [Fact]
    public async Task ClientCredentials_NoScopeParameter_GrantsEveryAllowedScope()
    {
        using var client = new ProviderClient(fixture.Provider);

        var (status, body) = await client.ClientCredentialsAsync("admin-console", "admin-console-dev-secret", scope: null);

        Assert.Equal(HttpStatusCode.OK, status);
        var token = await client.ValidateAsync(body.GetProperty("access_token").GetString()!);
        Assert.Equal(["catalog.read", "catalog.write"], token.GetClaim("scope").Value.Split(' ').Order());
    }

    [Theory]
    [InlineData("gov-system", "not-the-secret")]
    [InlineData("no-such-client", "whatever")]
    [InlineData("learner-web", "a-public-client-has-no-secret")]
    public async Task ClientCredentials_BadClientAuthentication_InvalidClient(string clientId, string? secret)
    {
        using var client = new ProviderClient(fixture.Provider);

        var (status, body) = await client.ClientCredentialsAsync(clientId, secret, "catalog.read");

        Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"status {status}");
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.False(body.TryGetProperty("access_token", out _));
    }

    [Theory]
    [InlineData("audit.read")]                  // registered, but not in gov-system's list
    [InlineData("catalog.read catalog.write")]  // one of two outside the list
    [InlineData("no.such.scope")]               // registered for no client at all
    public async Task ClientCredentials_ScopeOutsideClientList_InvalidScope(string scope)
    {
        using var client = new ProviderClient(fixture.Provider);

        var (status, body) = await client.ClientCredentialsAsync("gov-system", "gov-system-dev-secret", scope);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_scope", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("gov-system")]  // confidential, but no secret sent
    [InlineData("learner-web")] // public: has no secret to send
    public async Task ClientCredentials_NoSecret_InvalidRequest(string clientId)
    {
        using var client = new ProviderClient(fixture.Provider);

        var (status, body) = await client.ClientCredentialsAsync(clientId, secret: null, "catalog.read");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request", body.GetProperty("error").GetString());
        Assert.False(body.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task ClientCredentials_GrantTypeNotAllowedForClient_UnauthorizedClient()
    {
        await using var provider = new InMemoryIdentityProvider(InMemoryIdentityProvider.Client("learner-bff", "bff-secret", "learner",
            ["openid", "learner.self"], redirectUris: ["http://127.0.0.1:5998/"], grantTypes: ["authorization_code"]));
        using var client = new ProviderClient(provider);

        var (status, body) = await client.ClientCredentialsAsync("learner-bff", "bff-secret", "learner.self");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("unauthorized_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ClientCredentials_TokenFromAnotherProvider_FailsSignatureValidation()
    {
        await using var other = new InMemoryIdentityProvider(InMemoryIdentityProvider.DevelopmentSettings());
        var foreign = await other.GetTokenAsync("gateway", "gateway-dev-secret", "catalog.read");
        using var client = new ProviderClient(fixture.Provider);

        // Same issuer, audience and claims: only the key differs, so only the signature check can refuse it.
        await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => client.ValidateAsync(foreign));
        await client.ValidateAsync(await fixture.Provider.GetTokenAsync("gateway", "gateway-dev-secret", "catalog.read"));
    }

    [Fact]
    public void DevelopmentInstitution_Organisation_OwnsASampleCertificateType()
    {
        var settings = InMemoryIdentityProvider.DevelopmentSettings();

        var organisation = settings["Identity:Clients:institution-cqipc:Organisation"];

        Assert.True(UnifiedSocialCreditCode.IsValid(organisation));
        Assert.Contains(CertificateSampleData.Types, type => type.OrganisationCreditCode == organisation);
    }
}
