using System.Security.Cryptography;
using System.Text;

namespace ChongqingVet.Certificates.Domain;

/// <summary>Encrypts one field. AES-256-GCM today; an SM4 implementation can replace it behind this interface.</summary>
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
/// Protects holder identity at rest: ID numbers and names are stored encrypted, and found by exact match through
/// keyed HMAC-SHA256 "blind indexes". Keys: <c>HolderIdentity:EncryptionKey</c> and <c>HolderIdentity:BlindIndexKey</c>
/// (base64, 32 bytes each, from the environment or a Kubernetes Secret), read at start-up by
/// <c>HolderIdentityKeys.FromConfiguration</c> (Data/): this class takes the keys, never configuration.
/// </summary>
public sealed class HolderIdentityProtector(IFieldCipher cipher, byte[] blindIndexKey)
{
    public byte[] Encrypt(string value) => cipher.Encrypt(value);

    public string Decrypt(byte[] value) => cipher.Decrypt(value);

    /// <summary>Blind index of the normalised ID number (upper-case X; a legacy 15-digit number as its 18-digit form).</summary>
    public byte[] IdNumberIndex(string idNumber) => Index("id:" + ChongqingVet.Domain.Codes.NationalIdNumber.Normalize(idNumber));

    /// <summary>Blind index of a name in its index form (NFKC, middle dots unified, no white space; see PersonName).</summary>
    public byte[] NameIndex(string name) => Index("name:" + ChongqingVet.Domain.Codes.PersonName.IndexForm(name));

    /// <summary>
    /// The holder's identity hash in a signed credential (OB3 <c>IdentityObject</c>, <c>hashed: true</c>):
    /// <c>sha256$</c> + hex(SHA-256(normalised ID number + salt)), the salt a keyed HMAC of the certificate number —
    /// secret to everyone but the holder, so the hash cannot be reversed by trying every plausible ID number.
    /// </summary>
    public (string IdentityHash, string Salt) CredentialIdentity(string idNumber, string certificateNumber)
    {
        var salt = Convert.ToHexStringLower(Index("credential-salt:" + certificateNumber))[..32];
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(ChongqingVet.Domain.Codes.NationalIdNumber.Normalize(idNumber) + salt));
        return ("sha256$" + Convert.ToHexStringLower(hash), salt);
    }

    private byte[] Index(string value) => HMACSHA256.HashData(blindIndexKey, Encoding.UTF8.GetBytes(value));
}
