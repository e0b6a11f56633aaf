using System.Net.Http.Json;
using System.Text.Json.Serialization;
using ChongqingVet.Identity.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace ChongqingVet.TestKit.Identity;

/// <summary>
/// The development identity provider (tools/ChongqingVet.Identity) in memory, environment Testing, with the clients of
/// the given settings and a fresh signing key per instance. Give a service's JwtBearer
/// <c>Authority = <see cref="Issuer"/></c>, <c>Audience = <see cref="Audience"/></c>, <c>RequireHttpsMetadata = false</c>
/// and <c>BackchannelHttpHandler = <see cref="CreateBackchannelHandler"/>()</c>; get tokens with
/// <see cref="GetTokenAsync"/>. Clients: <see cref="Client"/> builds the settings of one, <see cref="DevelopmentSettings"/>
/// are the development clients of appsettings.Development.json (gov-system, institution-cqipc, ... with their sample secrets).
/// </summary>
public sealed class InMemoryIdentityProvider(IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<ClientCatalogue>
{
    /// <summary>The issuer of every token (any host reaches the in-memory server through its handler).</summary>
    public const string Issuer = "http://identity.test/";
    public const string Audience = "chongqingvet";
    /// <summary>The learner password unless the settings give <c>Identity:Learners:Password</c>.</summary>
    public const string LearnerPassword = "test-learner-password";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var effective = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Identity:Issuer"] = Issuer,
            ["Identity:Audience"] = Audience,
            ["Identity:SigningKeyPath"] = "", // a key per instance, no file
            ["Identity:Learners:Password"] = LearnerPassword,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) effective[key] = value;
        // UseSetting feeds host configuration, which the provider reads while it composes.
        foreach (var (key, value) in effective) builder.UseSetting(key, value);
    }

    /// <summary>A handler that reaches the provider: for JwtBearer's backchannel (discovery and JWKS) or an HttpClient.</summary>
    public HttpMessageHandler CreateBackchannelHandler() => Server.CreateHandler();

    /// <summary>A client-credentials access token; throws with the provider's error when it refuses.</summary>
    public async Task<string> GetTokenAsync(string clientId, string? clientSecret, params string[] scopes)
    {
        using var client = CreateClient();
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId };
        if (clientSecret is not null) form["client_secret"] = clientSecret;
        if (scopes.Length > 0) form["scope"] = string.Join(' ', scopes);
        using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadFromJsonAsync<TokenResponse>()
                   ?? throw new InvalidOperationException($"The token endpoint answered {(int)response.StatusCode} without a body.");
        return body.AccessToken ?? throw new InvalidOperationException(
            $"The identity provider refused a token for '{clientId}': {body.Error} ({body.ErrorDescription}).");
    }

    /// <summary>The settings of one client: confidential with a secret, public without; institutions need an organisation.</summary>
    public static Dictionary<string, string?> Client(string clientId, string? secret, string role, IEnumerable<string> scopes,
        string? organisation = null, IEnumerable<string>? redirectUris = null, IEnumerable<string>? grantTypes = null)
    {
        var prefix = $"Identity:Clients:{clientId}:";
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            [prefix + "ClientSecret"] = secret,
            [prefix + "Role"] = role,
            [prefix + "Organisation"] = organisation,
        };
        void AddList(string name, IEnumerable<string>? values)
        {
            var index = 0;
            foreach (var value in values ?? []) result[$"{prefix}{name}:{index++}"] = value;
        }
        AddList("AllowedScopes", scopes);
        AddList("RedirectUris", redirectUris);
        AddList("GrantTypes", grantTypes);
        return result;
    }

    /// <summary>Merges settings dictionaries; later ones win.</summary>
    public static Dictionary<string, string?> Merge(params IEnumerable<KeyValuePair<string, string?>>[] parts)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in parts)
        foreach (var (key, value) in part) result[key] = value;
        return result;
    }

    /// <summary>
    /// The Identity section of tools/ChongqingVet.Identity/appsettings.Development.json (the development clients, learner
    /// password and ids), read from the repository this test runs in.
    /// </summary>
    public static Dictionary<string, string?> DevelopmentSettings()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(DevelopmentSettingsPath(), optional: false).Build();
        return configuration.GetSection("Identity").AsEnumerable()
            .Where(pair => pair.Value is not null)
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);
    }

    private static string DevelopmentSettingsPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tools", "ChongqingVet.Identity", "appsettings.Development.json");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("tools/ChongqingVet.Identity/appsettings.Development.json not found above " + AppContext.BaseDirectory);
    }

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("error")] string? Error,
        [property: JsonPropertyName("error_description")] string? ErrorDescription);
}
