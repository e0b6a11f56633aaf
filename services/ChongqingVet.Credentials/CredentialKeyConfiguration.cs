using ChongqingVet.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Credentials;

/// <summary>
/// Reads the credential signing keys: <c>Credentials:Keys:N:KeyId</c>, <c>:Algorithm</c> (ES256, RS256, or SM2 — SM2
/// with SM3 on sm2p256v1, JWS <c>alg</c> SM2SM3, for deployments that must use domestic algorithms) and
/// <c>:PrivateKeyPem</c> (PEM text, e.g. from a Secret) or <c>:PrivateKeyFile</c> (a PEM file); a retired key may give
/// only <c>:PublicKeyPem</c>/<c>:PublicKeyFile</c> and then only verifies; and
/// <c>Credentials:ActiveKeyId</c> (required with more than one key); <c>Credentials:AllowedAlgorithms</c> (optional, a
/// list or comma-separated: the algorithms the verifier accepts; default ES256, RS256 and every configured key's
/// algorithm; it must include the active key's). Keys come from files (a mounted Secret or a key
/// service's agent), never from the repository; none configured is a start-up error except under the
/// <see cref="DevelopmentKeys"/> rule, where a fixed, public development key signs.
/// </summary>
public static class CredentialKeyConfiguration
{
    public const string KeysSetting = "Credentials:Keys";
    public const string ActiveKeySetting = "Credentials:ActiveKeyId";
    public const string AllowedAlgorithmsSetting = "Credentials:AllowedAlgorithms";
    /// <summary>The certificates service's development key id; each deployable that signs has its own development key.</summary>
    public const string DevelopmentKeyId = "development-es256";

    /// <summary>
    /// The keys of a deployable. Under the development-key rule only, a fixed ES256 key derived from
    /// <paramref name="developmentSeedLabel"/> with kid <paramref name="developmentKeyId"/> signs (distinct per deployable,
    /// so their keys can share one JWKS).
    /// </summary>
    public static CredentialKeyRing FromConfiguration(IConfiguration configuration, IHostEnvironment environment, ILogger logger,
        string developmentKeyId = DevelopmentKeyId, string developmentSeedLabel = "chongqingvet-dev-credential-signing")
    {
        var keys = configuration.GetSection(KeysSetting).GetChildren().Select(Read).ToList();
        if (keys.Count == 0)
        {
            if (!DevelopmentKeys.AreAllowed(configuration, environment))
            {
                throw new InvalidOperationException(
                    $"{KeysSetting} is required: at least one signing key ({DevelopmentKeys.EnvironmentVariable(KeysSetting)}__0__KeyId, " +
                    "__Algorithm, __PrivateKeyFile). This environment is " +
                    $"'{environment.EnvironmentName}'. Only Development or Testing with {DevelopmentKeys.AllowSetting}=true may run without it, on a development key.");
            }
            logger.LogWarning("{Setting} is not set; {AllowSetting} is true in {Environment}, so a fixed, publicly known development key signs credentials. Never issue real credentials like this.",
                KeysSetting, DevelopmentKeys.AllowSetting, environment.EnvironmentName);
            var development = CredentialKey.Es256FromSeed(developmentKeyId, DevelopmentKeys.Fixed(developmentSeedLabel));
            return Ring([development], development.KeyId, configuration);
        }

        var active = configuration[ActiveKeySetting];
        if (string.IsNullOrWhiteSpace(active))
        {
            if (keys.Count > 1) throw new InvalidOperationException($"{ActiveKeySetting} is required when {KeysSetting} has more than one key.");
            active = keys[0].KeyId;
        }
        return Ring(keys, active.Trim(), configuration);
    }

    private static CredentialKeyRing Ring(IReadOnlyList<CredentialKey> keys, string active, IConfiguration configuration)
    {
        try
        {
            return new CredentialKeyRing(keys, active, AllowedAlgorithms(configuration));
        }
        catch (ArgumentException exception)
        {
            throw new InvalidOperationException($"{KeysSetting} / {AllowedAlgorithmsSetting}: {exception.Message}.", exception);
        }
    }

    /// <summary><c>Credentials:AllowedAlgorithms</c> as a list (<c>:0</c>, <c>:1</c>…) or one comma-separated value; null when unset.</summary>
    private static List<string>? AllowedAlgorithms(IConfiguration configuration)
    {
        var section = configuration.GetSection(AllowedAlgorithmsSetting);
        var values = section.GetChildren().Select(c => c.Value).Append(section.Value)
            .Where(v => !string.IsNullOrWhiteSpace(v))
            .SelectMany(v => v!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();
        return values.Count == 0 ? null : values;
    }

    private static CredentialKey Read(IConfigurationSection key)
    {
        var setting = $"{KeysSetting}:{key.Key}";
        var keyId = key["KeyId"]?.Trim() ?? string.Empty;
        var algorithm = key["Algorithm"]?.Trim() ?? CredentialKey.Es256;
        var pem = key["PrivateKeyPem"] ?? key["PublicKeyPem"];
        var file = key["PrivateKeyFile"] ?? key["PublicKeyFile"];
        if (string.IsNullOrWhiteSpace(pem) && string.IsNullOrWhiteSpace(file))
            throw new InvalidOperationException($"{setting}: one of PrivateKeyPem, PrivateKeyFile, PublicKeyPem or PublicKeyFile is required.");
        try
        {
            return CredentialKey.FromPem(keyId, algorithm, string.IsNullOrWhiteSpace(pem) ? File.ReadAllText(file!) : pem);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            // The message names the setting and the file, never the key's content.
            throw new InvalidOperationException($"{setting} (kid '{keyId}'{(string.IsNullOrWhiteSpace(pem) ? $", file '{file}'" : "")}): {exception.GetType().Name}: not a usable {algorithm} key ({exception.Message}).", exception);
        }
    }
}
