using System.Security.Cryptography;
using System.Text;
using ChongqingVet.Domain.Codes;
using OidcGrantTypes = OpenIddict.Abstractions.OpenIddictConstants.GrantTypes;
using OidcScopes = OpenIddict.Abstractions.OpenIddictConstants.Scopes;

namespace ChongqingVet.Identity.Configuration;

/// <summary>A validated client application.</summary>
public sealed class IdentityClient
{
    private readonly byte[]? _secretHash;

    internal IdentityClient(string clientId, string? secret, string role, string? organisation, IReadOnlySet<string> allowedScopes,
        IReadOnlySet<string> redirectUris, IReadOnlySet<string> postLogoutRedirectUris, IReadOnlySet<string> grantTypes)
    {
        ClientId = clientId;
        _secretHash = secret is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        Role = role;
        Organisation = organisation;
        AllowedScopes = allowedScopes;
        RedirectUris = redirectUris;
        PostLogoutRedirectUris = postLogoutRedirectUris;
        GrantTypes = grantTypes;
    }

    public string ClientId { get; }
    public bool IsPublic => _secretHash is null;
    public string Role { get; }
    public string? Organisation { get; }
    public IReadOnlySet<string> AllowedScopes { get; }
    public IReadOnlySet<string> RedirectUris { get; }
    public IReadOnlySet<string> PostLogoutRedirectUris { get; }
    public IReadOnlySet<string> GrantTypes { get; }

    /// <summary>Compares in constant time (hashes of equal length), so the comparison leaks nothing about the secret.</summary>
    public bool SecretMatches(string? presented) =>
        _secretHash is not null && presented is not null &&
        CryptographicOperations.FixedTimeEquals(_secretHash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}

/// <summary>
/// The clients and learners from configuration, validated once at start-up: a bad entry stops the provider with every
/// problem listed, rather than failing one token request later.
/// </summary>
public sealed class ClientCatalogue
{
    private static readonly string[] StandardScopes = [OidcScopes.OpenId, OidcScopes.Profile, OidcScopes.OfflineAccess];
    private static readonly HashSet<string> SupportedGrantTypes =
        new([OidcGrantTypes.ClientCredentials,
             OidcGrantTypes.AuthorizationCode,
             OidcGrantTypes.RefreshToken], StringComparer.Ordinal);

    private readonly Dictionary<string, IdentityClient> _clients;
    private readonly HashSet<string> _learnerIds;
    private readonly byte[]? _learnerPasswordHash;

    private ClientCatalogue(Dictionary<string, IdentityClient> clients, HashSet<string> learnerIds, string? learnerPassword)
    {
        _clients = clients;
        _learnerIds = learnerIds;
        _learnerPasswordHash = learnerPassword is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(learnerPassword));
    }

    public IReadOnlyCollection<IdentityClient> Clients => _clients.Values;

    /// <summary>Every scope some client may ask for, plus openid, profile and offline_access.</summary>
    public IReadOnlySet<string> Scopes =>
        _clients.Values.SelectMany(c => c.AllowedScopes).Concat(StandardScopes).ToHashSet(StringComparer.Ordinal);

    public IdentityClient? Find(string? clientId) =>
        clientId is not null && _clients.TryGetValue(clientId, out var client) ? client : null;

    public bool IsLearner(string? learnerId) => learnerId is not null && _learnerIds.Contains(learnerId);

    public bool LearnerCredentialsMatch(string? learnerId, string? password)
    {
        if (_learnerPasswordHash is null || password is null) return false;
        var passwordMatches = CryptographicOperations.FixedTimeEquals(_learnerPasswordHash, SHA256.HashData(Encoding.UTF8.GetBytes(password)));
        return passwordMatches & IsLearner(learnerId); // no short cut: an unknown id costs the same as a wrong password
    }

    public static ClientCatalogue Create(IdentityProviderSettings settings)
    {
        var errors = new List<string>();
        var clients = new Dictionary<string, IdentityClient>(StringComparer.Ordinal);

        if (!Uri.TryCreate(settings.Issuer, UriKind.Absolute, out var issuer) || issuer.Scheme is not ("http" or "https"))
            errors.Add($"Identity:Issuer '{settings.Issuer}' must be an absolute http(s) URI.");
        if (string.IsNullOrWhiteSpace(settings.Audience))
            errors.Add("Identity:Audience is required.");
        if (settings.AccessTokenLifetime <= TimeSpan.Zero)
            errors.Add("Identity:AccessTokenLifetime must be positive.");

        foreach (var (name, entry) in settings.Clients)
        {
            var key = $"Identity:Clients:{name}";
            var clientId = string.IsNullOrWhiteSpace(entry.ClientId) ? name : entry.ClientId.Trim();
            var secret = string.IsNullOrEmpty(entry.ClientSecret) ? null : entry.ClientSecret;
            var role = entry.Role?.Trim() ?? "";
            var organisation = string.IsNullOrWhiteSpace(entry.Organisation) ? null : UnifiedSocialCreditCode.Normalize(entry.Organisation);
            var scopes = entry.AllowedScopes.Select(s => s.Trim()).Where(s => s.Length > 0).ToHashSet(StringComparer.Ordinal);
            var grantTypes = entry.GrantTypes.Select(g => g.Trim()).Where(g => g.Length > 0).ToHashSet(StringComparer.Ordinal);
            if (grantTypes.Count == 0)
            {
                grantTypes = secret is null
                    ? [OidcGrantTypes.AuthorizationCode, OidcGrantTypes.RefreshToken]
                    : [OidcGrantTypes.ClientCredentials];
            }

            if (clients.ContainsKey(clientId)) errors.Add($"{key}: client id '{clientId}' is used twice.");
            if (!IdentityRoles.All.Contains(role))
                errors.Add($"{key}:Role '{role}' must be one of {string.Join(", ", IdentityRoles.All)}.");
            if (role == IdentityRoles.Institution && UnifiedSocialCreditCode.Validate(organisation) is { } creditError)
                errors.Add($"{key}:Organisation (unified social credit code) {creditError}.");
            if (role != IdentityRoles.Institution && organisation is not null)
                errors.Add($"{key}:Organisation is only for institutions.");
            if (scopes.Count == 0) errors.Add($"{key}:AllowedScopes is empty.");
            if (scopes.Any(s => s.Any(char.IsWhiteSpace))) errors.Add($"{key}:AllowedScopes entries must not contain spaces.");
            foreach (var grantType in grantTypes.Where(g => !SupportedGrantTypes.Contains(g)))
                errors.Add($"{key}:GrantTypes '{grantType}' is not supported (client_credentials, authorization_code, refresh_token).");
            if (secret is null && grantTypes.Contains(OidcGrantTypes.ClientCredentials))
                errors.Add($"{key}: a public client (no ClientSecret) cannot use client_credentials.");
            if (grantTypes.Contains(OidcGrantTypes.AuthorizationCode))
            {
                if (role != IdentityRoles.Learner) errors.Add($"{key}: only learner clients sign users in (authorization_code); role is '{role}'.");
                if (entry.RedirectUris.Count == 0) errors.Add($"{key}:RedirectUris is required for authorization_code.");
            }
            foreach (var uri in entry.RedirectUris.Concat(entry.PostLogoutRedirectUris))
            {
                if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || parsed.Fragment.Length > 0)
                    errors.Add($"{key}: redirect URI '{uri}' must be an absolute http(s) URI without a fragment.");
            }

            clients[clientId] = new IdentityClient(clientId, secret, role, organisation, scopes,
                entry.RedirectUris.ToHashSet(StringComparer.Ordinal), entry.PostLogoutRedirectUris.ToHashSet(StringComparer.Ordinal), grantTypes);
        }

        var learnerIds = (settings.Learners.Ids.Count == 0 ? Enumerable.Range(1, 10).Select(i => $"L{i:D4}") : settings.Learners.Ids)
            .Select(id => id.Trim()).Where(id => id.Length > 0).ToHashSet(StringComparer.Ordinal);
        var password = string.IsNullOrEmpty(settings.Learners.Password) ? null : settings.Learners.Password;
        if (password is null && clients.Values.Any(c => c.GrantTypes.Contains(OidcGrantTypes.AuthorizationCode)))
            errors.Add("Identity:Learners:Password is required when a client signs learners in (authorization_code).");

        if (errors.Count > 0)
            throw new InvalidOperationException("The development identity provider's configuration is invalid:" + Environment.NewLine +
                                                string.Join(Environment.NewLine, errors.Select(e => "  - " + e)));
        return new ClientCatalogue(clients, learnerIds, password);
    }
}
