using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace ChongqingVet.Credentials;

/// <summary>Compact JWS (RFC 7515) of a credential payload.</summary>
public static class CompactJws
{
    /// <summary>The longest credential accepted for verification (a certificate credential is about 2–3 KB).</summary>
    public const int MaxLength = 64 * 1024;

    public static string Sign(JsonObject payload, CredentialKey key)
    {
        var header = new JsonObject { ["alg"] = key.Algorithm, ["kid"] = key.KeyId, ["typ"] = "JWT" };
        var signingInput = Encode(header) + "." + Encode(payload);
        return signingInput + "." + Base64UrlEncoder.Encode(key.Sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    private static string Encode(JsonObject json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json.ToJsonString()));
}
