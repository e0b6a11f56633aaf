namespace ChongqingVet.ServiceDefaults.Security;

/// <summary>
/// <c>Auth:*</c> — how access tokens are validated. There is no setting that turns authentication off: every
/// process needs an authority whose OIDC discovery document and JWKS it trusts.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>The OIDC issuer (discovery at <c>{Authority}/.well-known/openid-configuration</c>); required.</summary>
    public string Authority { get; set; } = string.Empty;

    /// <summary>The audience every access token must carry.</summary>
    public string Audience { get; set; } = "chongqingvet";

    /// <summary>Fetch discovery and keys over HTTPS only; only Development and Testing may turn this off.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The signature algorithms accepted (an allow-list; <c>none</c> and HMAC are never accepted).</summary>
    public string[] Algorithms { get; set; } = ["RS256", "PS256", "ES256"];

    /// <summary>Tolerated clock difference for exp/nbf.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a token that passed validation is remembered (never past its <c>exp</c>); 0 validates every call.
    /// Also how long a token signed by a key the authority has withdrawn can still be accepted.
    /// </summary>
    public int ValidatedTokenCacheSeconds { get; set; } = 60;

    /// <summary>The most validated tokens remembered at once.</summary>
    public int ValidatedTokenCacheSize { get; set; } = 10_000;
}

/// <summary><c>RateLimits:*</c> — per-caller limits (token buckets per process replica).</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Calls per second each authenticated client may make (sustained).</summary>
    public int PerClientPerSecond { get; set; } = 200;

    /// <summary>Calls an authenticated client may make in a burst.</summary>
    public int PerClientBurst { get; set; } = 400;

    /// <summary>Calls per minute one client address may make to public methods (certificate verification).</summary>
    public int AnonymousPerMinute { get; set; } = 60;
}
