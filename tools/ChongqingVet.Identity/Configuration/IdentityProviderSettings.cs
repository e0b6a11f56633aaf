namespace ChongqingVet.Identity.Configuration;

/// <summary>
/// The <c>Identity</c> configuration section. Every value can be overridden by environment variables
/// (<c>Identity__Issuer</c>, <c>Identity__Clients__gateway__ClientSecret</c>, ...).
/// </summary>
public sealed class IdentityProviderSettings
{
    public const string SectionName = "Identity";

    /// <summary>The issuer (<c>iss</c>) and the base of every published endpoint URI.</summary>
    public string Issuer { get; set; } = "http://127.0.0.1:5090/";

    /// <summary>The resource every access token is issued for (<c>aud</c>).</summary>
    public string Audience { get; set; } = "chongqingvet";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Where the development signing key lives, relative to the content root; created on first run so tokens
    /// survive a restart. Empty: a new key per process (tests).
    /// </summary>
    public string? SigningKeyPath { get; set; } = "data/identity-signing-key.json";

    /// <summary>Clients by entry name; the entry name is the client id unless <c>ClientId</c> says otherwise.</summary>
    public Dictionary<string, IdentityClientSettings> Clients { get; set; } = new(StringComparer.Ordinal);

    public LearnerSettings Learners { get; set; } = new();
}

/// <summary>One client application: <c>Identity:Clients:&lt;name&gt;:...</c>.</summary>
public sealed class IdentityClientSettings
{
    /// <summary>Defaults to the entry name.</summary>
    public string? ClientId { get; set; }

    /// <summary>Set: a confidential client (client_secret_basic or client_secret_post). Absent: a public client.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>One of <see cref="IdentityRoles.All"/>; emitted as the <c>role</c> claim.</summary>
    public string? Role { get; set; }

    /// <summary>For institutions: the organisation's unified social credit code, emitted as the <c>org</c> claim.</summary>
    public string? Organisation { get; set; }

    public List<string> AllowedScopes { get; set; } = [];
    public List<string> RedirectUris { get; set; } = [];
    public List<string> PostLogoutRedirectUris { get; set; } = [];

    /// <summary>
    /// Empty: <c>client_credentials</c> for a confidential client, <c>authorization_code</c> and <c>refresh_token</c>
    /// for a public one.
    /// </summary>
    public List<string> GrantTypes { get; set; } = [];
}

/// <summary>Learner sign-in at <c>/account/login</c>: <c>Identity:Learners:Password</c> and <c>Identity:Learners:Ids</c>.</summary>
public sealed class LearnerSettings
{
    /// <summary>The one development password every listed learner signs in with. Absent: learner sign-in is closed.</summary>
    public string? Password { get; set; }

    /// <summary>The learner ids allowed to sign in. Empty: L0001 to L0010.</summary>
    public List<string> Ids { get; set; } = [];
}

/// <summary>The roles the services authorise on, and the organisation claim.</summary>
public static class IdentityRoles
{
    public const string Learner = "learner";
    public const string Institution = "institution";
    public const string Government = "government";
    public const string Auditor = "auditor";
    public const string Administrator = "administrator";
    public const string Gateway = "gateway";

    public static IReadOnlySet<string> All { get; } =
        new HashSet<string>([Learner, Institution, Government, Auditor, Administrator, Gateway], StringComparer.Ordinal);

    /// <summary>The access token claim that carries an institution's unified social credit code.</summary>
    public const string OrganisationClaim = "org";
}
