using ChongqingVet.Certificates.Domain;
using ChongqingVet.Data;

namespace ChongqingVet.Certificates.Data;

/// <summary>
/// Reads the holder-identity scheme and keys at start-up:
/// <list type="bullet">
/// <item><c>HolderIdentity:Algorithm</c>: the scheme that protects everything written, <c>AES-256-GCM/HMAC-SHA256</c>
/// (default) or <c>SM4-GCM/HMAC-SM3</c> (domestic algorithms).</item>
/// <item>AES-256-GCM/HMAC-SHA256 keys: <c>HolderIdentity:EncryptionKey</c>, <c>HolderIdentity:BlindIndexKey</c>
/// (base64, 32 bytes each).</item>
/// <item>SM4-GCM/HMAC-SM3 keys: <c>HolderIdentity:Sm4EncryptionKey</c> (base64, 16 bytes) and
/// <c>HolderIdentity:Sm3BlindIndexKey</c> (base64, 32 bytes).</item>
/// </list>
/// The chosen scheme's keys are required; a missing one stops start-up unless <see cref="DevelopmentKeys"/> allows fixed
/// development keys (they protect only sample data), with a warning. The other scheme reads (during a migration) when
/// both its keys are set — one without the other stops start-up — and, for AES where development keys are allowed, always.
/// </summary>
public static class HolderIdentityKeys
{
    public const string AlgorithmSetting = "HolderIdentity:Algorithm";

    public static readonly KeySetting EncryptionKeySetting = new("HolderIdentity:EncryptionKey", 32, ExactLength: true);

    public static readonly KeySetting BlindIndexKeySetting = new("HolderIdentity:BlindIndexKey", 32, ExactLength: true);

    public static readonly KeySetting Sm4EncryptionKeySetting = new("HolderIdentity:Sm4EncryptionKey", Sm4GcmFieldCipher.KeySize, ExactLength: true);

    public static readonly KeySetting Sm3BlindIndexKeySetting = new("HolderIdentity:Sm3BlindIndexKey", 32, ExactLength: true);

    /// <summary>Reads the scheme and keys under the <see cref="DevelopmentKeys"/> rule; the development stand-ins are fixed (sample data survives restarts).</summary>
    public static HolderIdentityProtector FromConfiguration(IConfiguration configuration, IHostEnvironment environment, ILogger logger)
    {
        var name = configuration[AlgorithmSetting]?.Trim();
        var current = string.IsNullOrEmpty(name) ? HolderIdentityScheme.AesHmacSha256
            : HolderIdentityScheme.Names.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
              ?? throw new InvalidOperationException(
                  $"{AlgorithmSetting} ({DevelopmentKeys.EnvironmentVariable(AlgorithmSetting)}) must be {string.Join(" or ", HolderIdentityScheme.Names)}.");
        var development = DevelopmentKeys.AreAllowed(configuration, environment);

        var schemes = new List<HolderIdentityScheme>();
        foreach (var scheme in HolderIdentityScheme.Names.OrderBy(n => n != current))
        {
            var (encryptionSetting, indexSetting) = scheme == HolderIdentityScheme.AesHmacSha256
                ? (EncryptionKeySetting, BlindIndexKeySetting)
                : (Sm4EncryptionKeySetting, Sm3BlindIndexKeySetting);
            byte[] encryption, index;
            // Where development keys are allowed, the original AES scheme always reads (sample data written before a switch).
            if (scheme == current || (development && scheme == HolderIdentityScheme.AesHmacSha256))
            {
                encryption = ReadKey(configuration, environment, logger, encryptionSetting, DevelopmentSeed(encryptionSetting));
                index = ReadKey(configuration, environment, logger, indexSetting, DevelopmentSeed(indexSetting));
            }
            else
            {
                var hasEncryption = !string.IsNullOrWhiteSpace(configuration[encryptionSetting.Name]);
                var hasIndex = !string.IsNullOrWhiteSpace(configuration[indexSetting.Name]);
                if (!hasEncryption && !hasIndex) continue; // not configured: this deployment never used it, or has finished migrating
                if (hasEncryption != hasIndex)
                {
                    throw new InvalidOperationException(
                        $"{(hasEncryption ? indexSetting.Name : encryptionSetting.Name)} is required with {(hasEncryption ? encryptionSetting.Name : indexSetting.Name)}: " +
                        $"the {scheme} keys read rows written under that scheme (set both, or neither once no row uses it).");
                }
                encryption = encryptionSetting.Parse(configuration[encryptionSetting.Name]!);
                index = indexSetting.Parse(configuration[indexSetting.Name]!);
            }
            schemes.Add(scheme == HolderIdentityScheme.AesHmacSha256
                ? HolderIdentityScheme.Aes(encryption, index)
                : HolderIdentityScheme.Sm4(encryption, index));
        }
        return new HolderIdentityProtector(schemes[0], [.. schemes.Skip(1)]);
    }

    // The AES stand-ins keep their original seeds, so sample data written before schemes existed stays readable.
    private static string DevelopmentSeed(KeySetting key) => key.Name switch
    {
        "HolderIdentity:EncryptionKey" => "chongqingvet-dev-encryption",
        "HolderIdentity:BlindIndexKey" => "chongqingvet-dev-blind-index",
        "HolderIdentity:Sm4EncryptionKey" => "chongqingvet-dev-sm4-encryption",
        _ => "chongqingvet-dev-sm3-blind-index",
    };

    private static byte[] ReadKey(IConfiguration configuration, IHostEnvironment environment, ILogger logger, KeySetting key, string developmentSeed) =>
        DevelopmentKeys.Read(configuration, environment, logger, key, () => DevelopmentKeys.Fixed(developmentSeed)[..key.Length],
            "a fixed, publicly known key protects the holder identities")!;
}
