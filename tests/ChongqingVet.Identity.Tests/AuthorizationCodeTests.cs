using System.Net;
using ChongqingVet.TestKit.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;

namespace ChongqingVet.Identity.Tests;

public sealed class AuthorizationCodeTests(DevelopmentProvider fixture) : IClassFixture<DevelopmentProvider>
{
    private const string Password = "learner-dev-password"; // appsettings.Development.json

    /// <summary>The learner signs in on the page's client with PKCE asking for <paramref name="scope"/>; the code is exchanged.</summary>
    private static async Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> SignInAndExchangeAsync(ProviderClient client, string learner, string scope)
    {
        var (verifier, challenge) = ProviderClient.NewPkce();
        var code = await client.SignInAndGetCodeAsync(ProviderClient.AuthorizeUrl(challenge, scope), learner, Password);
        return await client.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = "learner-web",
            ["code"] = code,
            ["redirect_uri"] = ProviderClient.LearnerRedirectUri,
            ["code_verifier"] = verifier,
        });
    }

    [Fact]
    public async Task AuthorizationCode_LearnerSignsInWithPkce_TokenCarriesLearner()
    {
        using var client = new ProviderClient(fixture.Provider);
        // certificates.issue is a registered scope, but not learner-web's: it is left out, not granted.
        var (status, body) = await SignInAndExchangeAsync(client, "L0001", "openid profile learner.self catalog.read certificates.issue");

        Assert.Equal(HttpStatusCode.OK, status);
        var token = await client.ValidateAsync(body.GetProperty("access_token").GetString()!);
        Assert.Equal("L0001", token.Subject);
        Assert.Equal("learner", token.GetClaim("role").Value);
        Assert.Equal("learner-web", token.GetClaim("client_id").Value);
        Assert.Equal(["catalog.read", "learner.self", "openid", "profile"], token.GetClaim("scope").Value.Split(' ').Order());
        Assert.False(token.TryGetClaim("org", out _));

        var idToken = new JsonWebToken(body.GetProperty("id_token").GetString()!);
        Assert.Equal("L0001", idToken.Subject);
        Assert.Equal(["learner-web"], idToken.Audiences);
    }

    [Fact]
    public async Task AuthorizationCode_LearnerPageScopes_GrantInsightsReadButNotOtherLearnersRecords()
    {
        using var client = new ProviderClient(fixture.Provider);
        // What the gateway's /web-config.json asks for, plus profiles.read (every learner's record): the city-wide
        // aggregates (insights.read) are granted to a learner, other learners' records are not.
        var (status, body) = await SignInAndExchangeAsync(client, "L0002", "openid learner.self catalog.read insights.read profiles.read");

        Assert.Equal(HttpStatusCode.OK, status);
        var token = await client.ValidateAsync(body.GetProperty("access_token").GetString()!);
        Assert.Equal("L0002", token.Subject);
        Assert.Equal("learner", token.GetClaim("role").Value);
        Assert.Equal(["catalog.read", "insights.read", "learner.self", "openid"], token.GetClaim("scope").Value.Split(' ').Order());
    }

    [Fact]
    public async Task AuthorizationCode_WrongVerifier_InvalidGrant()
    {
        using var client = new ProviderClient(fixture.Provider);
        var (_, challenge) = ProviderClient.NewPkce();
        var code = await client.SignInAndGetCodeAsync(ProviderClient.AuthorizeUrl(challenge, "openid learner.self"), "L0002", Password);

        var (status, body) = await client.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = "learner-web",
            ["code"] = code,
            ["redirect_uri"] = ProviderClient.LearnerRedirectUri,
            ["code_verifier"] = ProviderClient.NewPkce().Verifier,
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("L0001", "wrong-password")]
    [InlineData("L0011", Password)] // a real sample learner, but not in Identity:Learners:Ids
    [InlineData("", Password)]
    public async Task Login_BadCredentials_RefusedAndStillSignedOut(string learnerId, string password)
    {
        using var client = new ProviderClient(fixture.Provider);
        var (_, challenge) = ProviderClient.NewPkce();
        var authorizeUrl = ProviderClient.AuthorizeUrl(challenge, "openid learner.self");
        using var authorize = await client.Http.GetAsync(authorizeUrl);

        using var login = await client.SubmitLoginAsync(client.Absolute(authorize.Headers.Location!), learnerId, password);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode); // the form again, with the error
        Assert.Contains("id=\"login-error\"", await login.Content.ReadAsStringAsync());
        using var again = await client.Http.GetAsync(authorizeUrl);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Equal("/account/login", client.Absolute(again.Headers.Location!).AbsolutePath);
    }

    [Fact]
    public async Task Login_ReturnUrlOnAnotherHost_GoesToTheProviderHome()
    {
        using var client = new ProviderClient(fixture.Provider);

        using var login = await client.SubmitLoginAsync(new Uri(client.Http.BaseAddress!, "/account/login"), "L0003", Password,
            returnUrlOverride: "//evil.example/steal");

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("http://evil.example/")]
    [InlineData("http://127.0.0.1:5080/other")]
    public async Task Authorize_UnregisteredRedirectUri_ErrorShownNotRedirected(string redirectUri)
    {
        using var client = new ProviderClient(fixture.Provider);

        using var response = await client.Http.GetAsync(ProviderClient.AuthorizeUrl(ProviderClient.NewPkce().Challenge, "openid", redirectUri: redirectUri));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Authorize_WithoutPkce_RefusedWithoutCode()
    {
        using var client = new ProviderClient(fixture.Provider);
        var url = QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = "learner-web", ["response_type"] = "code", ["redirect_uri"] = ProviderClient.LearnerRedirectUri,
            ["scope"] = "openid", ["state"] = "s",
        });

        using var response = await client.Http.GetAsync(url);

        // Refused by the provider itself (the request is invalid before any learner is involved): no redirect, no code.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task EndSession_SignedInLearner_SignedOutAndSentBack()
    {
        using var client = new ProviderClient(fixture.Provider);
        var (_, challenge) = ProviderClient.NewPkce();
        var authorizeUrl = ProviderClient.AuthorizeUrl(challenge, "openid learner.self");
        await client.SignInAndGetCodeAsync(authorizeUrl, "L0004", Password);

        using var logout = await client.Http.GetAsync(QueryHelpers.AddQueryString("/connect/logout", new Dictionary<string, string?>
        {
            ["client_id"] = "learner-web", ["post_logout_redirect_uri"] = ProviderClient.LearnerRedirectUri,
        }));

        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.StartsWith(ProviderClient.LearnerRedirectUri, logout.Headers.Location!.ToString(), StringComparison.Ordinal);
        using var again = await client.Http.GetAsync(authorizeUrl);
        Assert.Equal("/account/login", client.Absolute(again.Headers.Location!).AbsolutePath);
    }

    [Fact]
    public async Task EndSession_UnregisteredPostLogoutRedirectUri_NotRedirected()
    {
        using var client = new ProviderClient(fixture.Provider);

        using var logout = await client.Http.GetAsync("/connect/logout?post_logout_redirect_uri=" + Uri.EscapeDataString("http://evil.example/"));

        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
        Assert.Null(logout.Headers.Location);
    }

    [Fact]
    public async Task RefreshToken_OfflineAccessGranted_NewAccessTokenForTheSameLearner()
    {
        const string redirectUri = "http://127.0.0.1:5999/";
        await using var provider = new InMemoryIdentityProvider(InMemoryIdentityProvider.Client(
            "learner-app", secret: null, "learner", ["openid", "offline_access", "learner.self"], redirectUris: [redirectUri]));
        using var client = new ProviderClient(provider);
        var (verifier, challenge) = ProviderClient.NewPkce();
        var code = await client.SignInAndGetCodeAsync(ProviderClient.AuthorizeUrl(challenge, "openid offline_access learner.self",
            clientId: "learner-app", redirectUri: redirectUri), "L0005", InMemoryIdentityProvider.LearnerPassword, redirectUri);
        var (_, first) = await client.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = "learner-app", ["code"] = code,
            ["redirect_uri"] = redirectUri, ["code_verifier"] = verifier,
        });

        var (status, refreshed) = await client.PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = "learner-app",
            ["refresh_token"] = first.GetProperty("refresh_token").GetString()!,
        });

        Assert.Equal(HttpStatusCode.OK, status);
        var token = await client.ValidateAsync(refreshed.GetProperty("access_token").GetString()!);
        Assert.Equal("L0005", token.Subject);
        Assert.Equal("learner", token.GetClaim("role").Value);
    }
}
