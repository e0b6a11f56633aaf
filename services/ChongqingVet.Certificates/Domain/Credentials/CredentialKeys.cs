using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Utilities;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace ChongqingVet.Certificates.Domain.Credentials;

/// <summary>
/// One credential signing key: a <c>kid</c>, its JOSE algorithm (ES256 = ECDSA P-256 with SHA-256, RS256 = RSA
/// PKCS#1 v1.5 with SHA-256) and the key. A key without its private part only verifies (a retired key whose
/// credentials are still in circulation). ES256 signatures are deterministic (RFC 6979), so the same certificate and key
/// always give the same credential.
/// </summary>
public sealed class CredentialKey
{
    public const string Es256 = "ES256";
    public const string Rs256 = "RS256";
    public static readonly IReadOnlyList<string> Algorithms = [Es256, Rs256];

    private static readonly X9ECParameters P256 = ECNamedCurveTable.GetByName("P-256");
    private static readonly ECDomainParameters P256Domain = new(P256.Curve, P256.G, P256.N, P256.H);

    private readonly ECParameters? _ec;
    private readonly RSAParameters? _rsa;

    private CredentialKey(string keyId, string algorithm, ECParameters? ec, RSAParameters? rsa, bool canSign)
    {
        KeyId = keyId;
        Algorithm = algorithm;
        _ec = ec;
        _rsa = rsa;
        CanSign = canSign;
        SecurityKey = ec is { } e
            ? new ECDsaSecurityKey(ECDsa.Create(new ECParameters { Curve = e.Curve, Q = e.Q })) { KeyId = keyId }
            : new RsaSecurityKey(new RSAParameters { Modulus = rsa!.Value.Modulus, Exponent = rsa.Value.Exponent }) { KeyId = keyId };
    }

    public string KeyId { get; }

    public string Algorithm { get; }

    /// <summary>Whether the private part is present (the key can sign new credentials).</summary>
    public bool CanSign { get; }

    /// <summary>The public key, for verification through Microsoft.IdentityModel.</summary>
    public SecurityKey SecurityKey { get; }

    /// <summary>A key from PEM text (PKCS#8, SEC1 or PKCS#1 private key, or a SubjectPublicKeyInfo public key).</summary>
    public static CredentialKey FromPem(string keyId, string algorithm, string pem)
    {
        if (string.IsNullOrWhiteSpace(keyId)) throw new ArgumentException("a key id (kid) is required", nameof(keyId));
        var hasPrivate = pem.Contains("PRIVATE KEY", StringComparison.Ordinal);
        switch (algorithm)
        {
            case Es256:
            {
                using var ec = ECDsa.Create();
                ec.ImportFromPem(pem);
                var parameters = ec.ExportParameters(hasPrivate);
                if (parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
                    throw new ArgumentException($"key '{keyId}': ES256 needs a P-256 key");
                return new CredentialKey(keyId, algorithm, parameters, null, hasPrivate);
            }
            case Rs256:
            {
                using var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                if (rsa.KeySize < 2048) throw new ArgumentException($"key '{keyId}': RS256 needs an RSA key of at least 2048 bits");
                return new CredentialKey(keyId, algorithm, null, rsa.ExportParameters(hasPrivate), hasPrivate);
            }
            default:
                throw new ArgumentException($"key '{keyId}': algorithm must be one of {string.Join(", ", Algorithms)}");
        }
    }

    /// <summary>An ES256 key from a 32-byte seed (the private scalar is the seed reduced into the curve's range).</summary>
    public static CredentialKey Es256FromSeed(string keyId, byte[] seed)
    {
        var d = new BigInteger(1, seed).Mod(P256.N.Subtract(BigInteger.One)).Add(BigInteger.One);
        var q = P256.G.Multiply(d).Normalize();
        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = BigIntegers.AsUnsignedByteArray(32, d),
            Q = new ECPoint { X = q.AffineXCoord.GetEncoded(), Y = q.AffineYCoord.GetEncoded() },
        };
        return new CredentialKey(keyId, Es256, parameters, null, canSign: true);
    }

    /// <summary>The JWS signature of <paramref name="signingInput"/> (ES256: r ‖ s, 64 bytes).</summary>
    public byte[] Sign(byte[] signingInput)
    {
        if (!CanSign) throw new InvalidOperationException($"key '{KeyId}' has no private part");
        if (_ec is { } ec)
        {
            var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
            signer.Init(true, new ECPrivateKeyParameters(new BigInteger(1, ec.D), P256Domain));
            var rs = signer.GenerateSignature(SHA256.HashData(signingInput));
            return [.. BigIntegers.AsUnsignedByteArray(32, rs[0]), .. BigIntegers.AsUnsignedByteArray(32, rs[1])];
        }
        using var rsa = RSA.Create(_rsa!.Value);
        return rsa.SignData(signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>The public JWK (RFC 7517) with <c>kid</c>, <c>alg</c> and <c>use: sig</c>; never the private part.</summary>
    public JsonObject PublicJwk() => _ec is { } ec
        ? new JsonObject
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(ec.Q.X),
            ["y"] = Base64UrlEncoder.Encode(ec.Q.Y),
            ["kid"] = KeyId,
            ["alg"] = Algorithm,
            ["use"] = "sig",
        }
        : new JsonObject
        {
            ["kty"] = "RSA",
            ["n"] = Base64UrlEncoder.Encode(_rsa!.Value.Modulus),
            ["e"] = Base64UrlEncoder.Encode(_rsa.Value.Exponent),
            ["kid"] = KeyId,
            ["alg"] = Algorithm,
            ["use"] = "sig",
        };
}

/// <summary>
/// The service's credential keys: new credentials are signed with <see cref="Active"/>; every key (including retired,
/// verification-only ones) verifies and is published in the JWKS, so rotating keeps old credentials verifiable.
/// </summary>
public sealed class CredentialKeyRing
{
    private readonly Dictionary<string, CredentialKey> _keys;

    public CredentialKeyRing(IReadOnlyList<CredentialKey> keys, string activeKeyId)
    {
        _keys = new Dictionary<string, CredentialKey>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (!_keys.TryAdd(key.KeyId, key)) throw new ArgumentException($"key id '{key.KeyId}' is configured twice");
        }
        if (!_keys.TryGetValue(activeKeyId, out var active))
            throw new ArgumentException($"the active key '{activeKeyId}' is not one of the configured keys");
        if (!active.CanSign) throw new ArgumentException($"the active key '{activeKeyId}' has no private part");
        Active = active;
        Keys = keys;
    }

    public CredentialKey Active { get; }

    public IReadOnlyList<CredentialKey> Keys { get; }

    public CredentialKey? Find(string? keyId) => keyId is not null && _keys.TryGetValue(keyId, out var key) ? key : null;

    /// <summary>The JWK Set of every key's public part (the body of <c>/.well-known/jwks.json</c>).</summary>
    public JsonObject Jwks() => new() { ["keys"] = new JsonArray([.. Keys.Select(k => (JsonNode)k.PublicJwk())]) };
}
