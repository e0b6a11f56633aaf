using ChongqingVet.Certificates.Domain;
using ChongqingVet.Data;

namespace ChongqingVet.Certificates.Data;

/// <summary>
/// Reads the holder-identity keys (<c>HolderIdentity:EncryptionKey</c>, <c>HolderIdentity:BlindIndexKey</c>) at start-up.
/// A missing key stops start-up unless <see cref="DevelopmentKeys"/> allows fixed development keys (they protect only
/// sample data), with a warning.
/// </summary>
public static class HolderIdentityKeys
{
    public static readonly KeySetting EncryptionKeySetting = new("HolderIdentity:EncryptionKey", 32, ExactLength: true);

    public static readonly KeySetting BlindIndexKeySetting = new("HolderIdentity:BlindIndexKey", 32, ExactLength: true);

    /// <summary>Reads both keys under the <see cref="DevelopmentKeys"/> rule; the development stand-ins are fixed (sample data survives restarts).</summary>
    public static HolderIdentityProtector FromConfiguration(IConfiguration configuration, IHostEnvironment environment, ILogger logger)
    {
        var encryption = ReadKey(configuration, environment, logger, EncryptionKeySetting, "chongqingvet-dev-encryption");
        var index = ReadKey(configuration, environment, logger, BlindIndexKeySetting, "chongqingvet-dev-blind-index");
        return new HolderIdentityProtector(new AesGcmFieldCipher(encryption), index);
    }

    private static byte[] ReadKey(IConfiguration configuration, IHostEnvironment environment, ILogger logger, KeySetting key, string developmentSeed) =>
        DevelopmentKeys.Read(configuration, environment, logger, key, () => DevelopmentKeys.Fixed(developmentSeed),
            "a fixed, publicly known key protects the holder identities")!;
}
