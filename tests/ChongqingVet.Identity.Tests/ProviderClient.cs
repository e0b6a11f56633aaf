using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChongqingVet.TestKit.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChongqingVet.Identity.Tests;

/// <summary>The provider with the development clients of appsettings.Development.json, shared by a test class.</summary>
public sealed class DevelopmentProvider : IAsyncLifetime
{
    public InMemoryIdentityProvider Provider { get; } = new(InMemoryIdentityProvider.DevelopmentSettings());

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await Provider.DisposeAsync();
}

/// <summary>Speaks the protocol to the in-memory provider the way a client and a browser do (cookies kept, redirects observed).</summary>
public sealed class ProviderClient(InMemoryIdentityProvider provider) : IDisposable
{
    public const string LearnerRedirectUri = "http://127.0.0.1:5080/";

    public HttpClient Http { get; } = provider.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostTokenAsync(IDictionary<string, string> form)
    {
        using var response = await Http.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> ClientCredentialsAsync(string clientId, string? secret, string? scope)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId };
        if (secret is not null) form["client_secret"] = secret;
        if (scope is not null) form["scope"] = scope;
        return PostTokenAsync(form);
    }

    /// <summary>Validates signature (against the published JWKS), issuer, audience and lifetime; returns the decoded token.</summary>
    public async Task<JsonWebToken> ValidateAsync(string token)
    {
        var keys = new JsonWebKeySet(await Http.GetStringAsync("/.well-known/jwks")).GetSigningKeys();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = InMemoryIdentityProvider.Issuer,
            ValidAudience = InMemoryIdentityProvider.Audience,
            IssuerSigningKeys = keys,
        });
        Assert.True(result.IsValid, $"The token does not validate: {result.Exception?.Message}");
        return new JsonWebToken(token);
    }

    /// <summary>PKCE (S256): a verifier and its challenge.</summary>
    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier))));
    }

    public static string AuthorizeUrl(string challenge, string scope, string clientId = "learner-web", string redirectUri = LearnerRedirectUri,
        string state = "state-1") =>
        QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["response_type"] = "code",
            ["redirect_uri"] = redirectUri,
            ["scope"] = scope,
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        });

    /// <summary>Fills in and submits the login page the authorization endpoint sent us to; returns the answer.</summary>
    public async Task<HttpResponseMessage> SubmitLoginAsync(Uri loginPage, string username, string password, string? returnUrlOverride = null)
    {
        var html = await Http.GetStringAsync(loginPage);
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = HiddenValue(html, "__RequestVerificationToken"),
            ["returnUrl"] = returnUrlOverride ?? HiddenValue(html, "returnUrl"),
            ["username"] = username,
            ["password"] = password,
        };
        return await Http.PostAsync("/account/login", new FormUrlEncodedContent(form));
    }

    /// <summary>The whole browser part of the code flow for a learner; returns the code delivered to the redirect URI.</summary>
    public async Task<string> SignInAndGetCodeAsync(string authorizeUrl, string learnerId, string password, string redirectUri = LearnerRedirectUri)
    {
        using var authorize = await Http.GetAsync(authorizeUrl);
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        Assert.Equal("/account/login", Absolute(authorize.Headers.Location!).AbsolutePath);

        using var login = await SubmitLoginAsync(Absolute(authorize.Headers.Location!), learnerId, password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

        using var back = await Http.GetAsync(Absolute(login.Headers.Location!));
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        var location = back.Headers.Location!;
        Assert.StartsWith(redirectUri, location.ToString(), StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("state-1", query["state"].ToString());
        return query["code"].ToString();
    }

    public Uri Absolute(Uri location) => location.IsAbsoluteUri ? location : new Uri(Http.BaseAddress!, location);

    private static string HiddenValue(string html, string name)
    {
        var match = Regex.Match(html, "name=\"" + Regex.Escape(name) + "\" value=\"([^\"]*)\"");
        Assert.True(match.Success, $"The login page has no hidden field '{name}'.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    public void Dispose() => Http.Dispose();
}
