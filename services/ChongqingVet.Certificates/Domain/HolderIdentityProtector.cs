using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace ChongqingVet.Certificates.Domain;

/// <summary>Encrypts one field: AES-256-GCM (<see cref="AesGcmFieldCipher"/>) or SM4-GCM (<see cref="Sm4GcmFieldCipher"/>).</summary>
public interface IFieldCipher
{
    byte[] Encrypt(string plaintext);

    string Decrypt(byte[] ciphertext);
}

/// <summary>AES-256-GCM: 12-byte random nonce ‖ ciphertext ‖ 16-byte tag.</summary>
public sealed class AesGcmFieldCipher(byte[] key) : IFieldCipher
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public byte[] Encrypt(string plaintext)
    {
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + clear.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, clear, output.AsSpan(NonceSize, clear.Length), output.AsSpan(NonceSize + clear.Length, TagSize));
        return output;
    }

    public string Decrypt(byte[] ciphertext)
    {
        var length = ciphertext.Length - NonceSize - TagSize;
        var clear = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(ciphertext.AsSpan(0, NonceSize), ciphertext.AsSpan(NonceSize, length), ciphertext.AsSpan(NonceSize + length, TagSize), clear);
        return Encoding.UTF8.GetString(clear);
    }
}

/// <summary>
/// SM4-GCM (GB/T 32907 block cipher, GCM as in RFC 8998) through BouncyCastle: 16-byte key; the same layout as
/// <see cref="AesGcmFieldCipher"/>, 12-byte random nonce ‖ ciphertext ‖ 16-byte tag.
/// </summary>
public sealed class Sm4GcmFieldCipher : IFieldCipher
{
    public const int KeySize = 16;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] _key;

    public Sm4GcmFieldCipher(byte[] key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"an SM4 key is {KeySize} bytes", nameof(key));
        _key = key;
    }

    public byte[] Encrypt(string plaintext)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        return [.. nonce, .. Seal(_key, nonce, Encoding.UTF8.GetBytes(plaintext), null)];
    }

    public string Decrypt(byte[] ciphertext)
    {
        if (ciphertext.Length < NonceSize + TagSize) throw new CryptographicException("the SM4-GCM ciphertext is too short");
        return Encoding.UTF8.GetString(Open(_key, ciphertext[..NonceSize], ciphertext[NonceSize..], null));
    }

    /// <summary>SM4-GCM encryption with a given nonce and associated data: ciphertext ‖ 16-byte tag.</summary>
    public static byte[] Seal(byte[] key, byte[] nonce, byte[] plaintext, byte[]? associatedData)
    {
        var gcm = Gcm(true, key, nonce, associatedData);
        var output = new byte[gcm.GetOutputSize(plaintext.Length)];
        var written = gcm.ProcessBytes(plaintext, 0, plaintext.Length, output, 0);
        gcm.DoFinal(output, written);
        return output;
    }

    /// <summary>SM4-GCM decryption of ciphertext ‖ tag; a wrong key, nonce, data or tag throws <see cref="CryptographicException"/>.</summary>
    public static byte[] Open(byte[] key, byte[] nonce, byte[] sealedData, byte[]? associatedData)
    {
        var gcm = Gcm(false, key, nonce, associatedData);
        var output = new byte[gcm.GetOutputSize(sealedData.Length)];
        try
        {
            var written = gcm.ProcessBytes(sealedData, 0, sealedData.Length, output, 0);
            gcm.DoFinal(output, written);
        }
        catch (InvalidCipherTextException exception)
        {
            throw new AuthenticationTagMismatchException("the SM4-GCM tag does not match", exception);
        }
        return output;
    }

    private static GcmBlockCipher Gcm(bool encrypt, byte[] key, byte[] nonce, byte[]? associatedData)
    {
        var gcm = new GcmBlockCipher(new SM4Engine());
        gcm.Init(encrypt, new AeadParameters(new KeyParameter(key), TagSize * 8, nonce, associatedData));
        return gcm;
    }
}

/// <summary>HMAC with SM3 (GB/T 32905) through BouncyCastle: the blind index of domestic-algorithm deployments.</summary>
public static class HmacSm3
{
    public static byte[] Compute(byte[] key, byte[] data)
    {
        var hmac = new HMac(new SM3Digest());
        hmac.Init(new KeyParameter(key));
        hmac.BlockUpdate(data, 0, data.Length);
        var result = new byte[hmac.GetMacSize()];
        hmac.DoFinal(result, 0);
        return result;
    }

    /// <summary>SM3 of <paramref name="data"/> (for the standard vector in tests).</summary>
    public static byte[] Sm3(byte[] data)
    {
        var sm3 = new SM3Digest();
        sm3.BlockUpdate(data, 0, data.Length);
        var result = new byte[sm3.GetDigestSize()];
        sm3.DoFinal(result, 0);
        return result;
    }
}

/// <summary>
/// One way of protecting holder identity: a field cipher and a keyed blind-index MAC, and how its ciphertexts are marked.
/// <see cref="AesHmacSha256"/> (the default) writes the original layout without a mark, so a deployment that does not
/// switch stores exactly what it did before; <see cref="Sm4HmacSm3"/> prefixes every ciphertext with the version byte
/// <see cref="Sm4Version"/>. A stored value is read by the scheme whose mark it carries and whose key authenticates it
/// (GCM: a wrong scheme fails its tag check, never yields wrong text), else as an unmarked legacy AES value.
/// </summary>
public sealed class HolderIdentityScheme
{
    public const string AesHmacSha256 = "AES-256-GCM/HMAC-SHA256";
    public const string Sm4HmacSm3 = "SM4-GCM/HMAC-SM3";
    public static readonly IReadOnlyList<string> Names = [AesHmacSha256, Sm4HmacSm3];

    /// <summary>The first byte of an SM4-GCM ciphertext.</summary>
    public const byte Sm4Version = 0x02;

    // Ciphertext = [version] ‖ nonce (12) ‖ ciphertext ‖ tag (16).
    private const int MinimumSealedLength = 12 + 16;

    private readonly IFieldCipher _cipher;
    private readonly Func<byte[], byte[]> _mac;

    private HolderIdentityScheme(string name, byte? version, IFieldCipher cipher, Func<byte[], byte[]> mac)
    {
        Name = name;
        Version = version;
        _cipher = cipher;
        _mac = mac;
    }

    public string Name { get; }

    /// <summary>The version byte in front of this scheme's ciphertexts; null: unmarked (the legacy AES layout).</summary>
    public byte? Version { get; }

    /// <summary>AES-256-GCM and HMAC-SHA256, 32-byte keys; unmarked ciphertexts (the layout before schemes existed).</summary>
    public static HolderIdentityScheme Aes(byte[] encryptionKey, byte[] blindIndexKey) =>
        Legacy(new AesGcmFieldCipher(encryptionKey), blindIndexKey);

    /// <summary>Any cipher with HMAC-SHA256 and unmarked ciphertexts (the original constructor of the protector).</summary>
    public static HolderIdentityScheme Legacy(IFieldCipher cipher, byte[] blindIndexKey) =>
        new(AesHmacSha256, null, cipher, data => HMACSHA256.HashData(blindIndexKey, data));

    /// <summary>SM4-GCM (16-byte key) and HMAC-SM3 (32-byte key); ciphertexts marked <see cref="Sm4Version"/>.</summary>
    public static HolderIdentityScheme Sm4(byte[] encryptionKey, byte[] blindIndexKey) =>
        new(Sm4HmacSm3, Sm4Version, new Sm4GcmFieldCipher(encryptionKey), data => HmacSm3.Compute(blindIndexKey, data));

    public byte[] Seal(string value)
    {
        var sealedValue = _cipher.Encrypt(value);
        return Version is { } version ? [version, .. sealedValue] : sealedValue;
    }

    /// <summary>Whether <paramref name="stored"/> carries this scheme's mark (unmarked schemes: any value could be theirs).</summary>
    public bool MayHaveSealed(byte[] stored) => Version is not { } version || (stored.Length > 0 && stored[0] == version);

    /// <summary>The value, when this scheme sealed <paramref name="stored"/> (its mark and an authentic tag); otherwise null.</summary>
    public string? TryOpen(byte[] stored)
    {
        if (!MayHaveSealed(stored)) return null;
        var body = Version is null ? stored : stored[1..];
        if (body.Length < MinimumSealedLength) return null;
        try
        {
            return _cipher.Decrypt(body);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public byte[] Index(string value) => _mac(Encoding.UTF8.GetBytes(value));
}

/// <summary>
/// A holder as stored (<see cref="HolderIdentityProtector.Protect"/>): the sealed name and ID number, their blind
/// indexes under the current scheme, the ID number's index under every configured scheme (for lookups) and its mask.
/// Computing it is most of an issuance's CPU; the import does it while the previous batch commits.
/// </summary>
public sealed record ProtectedHolder(byte[] NameCipher, byte[] NameIndex, byte[] IdNumberCipher, byte[] IdNumberIndex,
    IReadOnlyList<byte[]> IdNumberIndexes, string IdNumberMasked);

/// <summary>
/// Protects holder identity at rest: ID numbers and names are stored encrypted, and found by exact match through keyed
/// "blind indexes". <see cref="Current"/> protects everything written; the other configured schemes only read, so a
/// deployment can move from AES-256-GCM/HMAC-SHA256 to SM4-GCM/HMAC-SM3 while rows of both kinds exist: values are
/// read by whichever scheme sealed them, and lookups match the blind index of every configured scheme (a row's index
/// is always of the scheme that sealed its values: they are written together). <c>HolderIdentityMigration</c> (Data/)
/// rewrites old rows. Keys are read at start-up by <c>HolderIdentityKeys.FromConfiguration</c> (Data/): this class
/// takes the schemes, never configuration.
/// </summary>
public sealed class HolderIdentityProtector
{
    private readonly HolderIdentityScheme[] _schemes;

    /// <summary>One unmarked scheme of <paramref name="cipher"/> and HMAC-SHA256 (the layout before schemes existed).</summary>
    public HolderIdentityProtector(IFieldCipher cipher, byte[] blindIndexKey)
        : this(HolderIdentityScheme.Legacy(cipher, blindIndexKey))
    {
    }

    /// <summary><paramref name="current"/> writes; it and <paramref name="readOnly"/> read and match.</summary>
    public HolderIdentityProtector(HolderIdentityScheme current, params HolderIdentityScheme[] readOnly)
    {
        Current = current;
        _schemes = [current, .. readOnly.Where(s => s.Name != current.Name)];
    }

    /// <summary>The scheme that protects every value written.</summary>
    public HolderIdentityScheme Current { get; }

    /// <summary>Every configured scheme, <see cref="Current"/> first.</summary>
    public IReadOnlyList<HolderIdentityScheme> Schemes => _schemes;

    public byte[] Encrypt(string value) => Current.Seal(value);

    public string Decrypt(byte[] value) => Open(value).Value;

    /// <summary>The value and the scheme that sealed it; no configured scheme can read it → <see cref="CryptographicException"/>.</summary>
    public (string Value, HolderIdentityScheme Scheme) Open(byte[] value)
    {
        // Marked schemes first (their mark is a cheap filter), then the unmarked legacy one.
        foreach (var scheme in _schemes.OrderBy(s => s.Version is null))
        {
            if (scheme.TryOpen(value) is { } text) return (text, scheme);
        }
        throw new CryptographicException(
            $"No configured holder-identity scheme ({string.Join(", ", _schemes.Select(s => s.Name))}) can read this value: is the key of the scheme that wrote it missing?");
    }

    /// <summary>Blind index of the normalised ID number (upper-case X; a legacy 15-digit number as its 18-digit form), current scheme.</summary>
    public byte[] IdNumberIndex(string idNumber) => Current.Index(IdNumberText(idNumber));

    /// <summary>Everything a stored certificate keeps of its holder, sealed and indexed under the current scheme (valid inputs only).</summary>
    public ProtectedHolder Protect(string holderName, string holderIdNumber)
    {
        var idNumber = ChongqingVet.Domain.Codes.NationalIdNumber.Normalize(holderIdNumber);
        var idNumberIndexes = IdNumberIndexes(idNumber);
        return new ProtectedHolder(
            Encrypt(ChongqingVet.Domain.Codes.PersonName.Normalize(holderName)), NameIndex(holderName),
            Encrypt(idNumber), idNumberIndexes[0], idNumberIndexes,
            ChongqingVet.Domain.Codes.NationalIdNumber.Mask(idNumber));
    }

    /// <summary>The ID number's blind index under every configured scheme (for lookups while rows of several schemes exist).</summary>
    public byte[][] IdNumberIndexes(string idNumber) => [.. _schemes.Select(s => s.Index(IdNumberText(idNumber)))];

    /// <summary>Blind index of a name in its index form (NFKC, middle dots unified, no white space; see PersonName), current scheme.</summary>
    public byte[] NameIndex(string name) => Current.Index(NameText(name));

    /// <summary>Whether a stored ID-number index is this number's under any configured scheme.</summary>
    public bool MatchesIdNumber(byte[] storedIndex, string idNumber) =>
        _schemes.Any(s => CryptographicOperations.FixedTimeEquals(storedIndex, s.Index(IdNumberText(idNumber))));

    /// <summary>Whether a stored name index is this name's under any configured scheme.</summary>
    public bool MatchesName(byte[] storedIndex, string name) =>
        _schemes.Any(s => CryptographicOperations.FixedTimeEquals(storedIndex, s.Index(NameText(name))));

    /// <summary>
    /// The holder's identity hash in a signed credential (OB3 <c>IdentityObject</c>, <c>hashed: true</c>):
    /// <c>sha256$</c> + hex(SHA-256(normalised ID number + salt)), the salt a keyed MAC (the current scheme's blind-index
    /// MAC) of the certificate number — secret to everyone but the holder, so the hash cannot be reversed by trying
    /// every plausible ID number. OB3 defines only <c>sha256$</c> and <c>md5$</c> hashes, so the hash stays SHA-256
    /// under SM4/HMAC-SM3; the salt changes with the scheme, like a key rotation.
    /// </summary>
    public (string IdentityHash, string Salt) CredentialIdentity(string idNumber, string certificateNumber)
    {
        var salt = Convert.ToHexStringLower(Current.Index("credential-salt:" + certificateNumber))[..32];
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(ChongqingVet.Domain.Codes.NationalIdNumber.Normalize(idNumber) + salt));
        return ("sha256$" + Convert.ToHexStringLower(hash), salt);
    }

    private static string IdNumberText(string idNumber) => "id:" + ChongqingVet.Domain.Codes.NationalIdNumber.Normalize(idNumber);

    private static string NameText(string name) => "name:" + ChongqingVet.Domain.Codes.PersonName.IndexForm(name);
}
