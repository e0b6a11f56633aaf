using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace ChongqingVet.Identity.Configuration;

/// <summary>
/// The provider's keys: an RSA key that signs tokens (RS256, published in the JWKS with its <c>kid</c>) and a symmetric
/// key that encrypts authorization codes and refresh tokens (access tokens are signed, not encrypted). Kept in one JSON
/// file created on first run, so tokens stay valid across restarts; without a path they live only as long as the process.
/// Development keys only: the file holds the private key in clear text (mode 0600) and belongs in the git-ignored data/.
/// </summary>
public sealed class DevelopmentKeys
{
    private DevelopmentKeys(RsaSecurityKey signing, SymmetricSecurityKey encryption)
    {
        Signing = signing;
        Encryption = encryption;
    }

    public RsaSecurityKey Signing { get; }
    public SymmetricSecurityKey Encryption { get; }

    /// <summary>Loads the keys from <paramref name="path"/>, creating the file first when it does not exist; null: new keys in memory.</summary>
    public static DevelopmentKeys LoadOrCreate(string? path)
    {
        if (path is null) return FromFile(NewFile());
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(NewFile(), JsonOptions));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            try
            {
                File.Move(temporary, path, overwrite: false); // a concurrent first run keeps the other process's file
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temporary);
            }
        }

        var file = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(path), JsonOptions)
                   ?? throw new InvalidOperationException($"The signing key file '{path}' is empty; delete it to create a new one.");
        return FromFile(file);
    }

    private static KeyFile NewFile()
    {
        using var rsa = RSA.Create(2048);
        return new KeyFile(Kid: KeyId(rsa), Algorithm: SecurityAlgorithms.RsaSha256, Created: DateTimeOffset.UtcNow,
            SigningKeyPem: rsa.ExportPkcs8PrivateKeyPem(), EncryptionKey: Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    }

    private static DevelopmentKeys FromFile(KeyFile file)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(file.SigningKeyPem);
        var signing = new RsaSecurityKey(rsa) { KeyId = string.IsNullOrEmpty(file.Kid) ? KeyId(rsa) : file.Kid };
        return new DevelopmentKeys(signing, new SymmetricSecurityKey(Convert.FromBase64String(file.EncryptionKey)));
    }

    /// <summary>The RFC 7638 JWK thumbprint of the public key.</summary>
    private static string KeyId(RSA rsa)
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(includePrivateParameters: false)));
        return Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private sealed record KeyFile(string Kid, string Algorithm, DateTimeOffset Created, string SigningKeyPem, string EncryptionKey);
}
