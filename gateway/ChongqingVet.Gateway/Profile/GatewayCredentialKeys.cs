using ChongqingVet.Credentials;

namespace ChongqingVet.Gateway.Profile;

/// <summary>
/// The gateway's own signing keys (for learner records) and the base of every id it writes: <c>Credentials:Keys</c>,
/// <c>Credentials:ActiveKeyId</c> and <c>Credentials:IssuerBaseUrl</c> of the gateway's settings — the same shape as the
/// certificates service's, read by the same <see cref="CredentialKeyConfiguration"/>, a separate key.
/// </summary>
public sealed class GatewayCredentialKeys(CredentialKeyRing ring, string issuerBaseUrl)
{
    /// <summary>The kid of the fixed development key (Development/Testing with DevelopmentKeys:Allow only).</summary>
    public const string DevelopmentKeyId = "development-gateway-es256";

    public const string DefaultIssuerBaseUrl = "https://gateway.chongqingvet.example";

    public CredentialKeyRing Ring { get; } = ring;

    public string IssuerBaseUrl { get; } = issuerBaseUrl.TrimEnd('/');
}
