using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Utilities;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace ChongqingVet.Credentials;

/// <summary>
/// One credential signing key: a <c>kid</c>, its JOSE algorithm (ES256 = ECDSA P-256 with SHA-256, RS256 = RSA
/// PKCS#1 v1.5 with SHA-256, SM2SM3 = SM2 with SM3 on sm2p256v1 for deployments that must use domestic algorithms, see
/// <see cref="Sm2"/>) and the key. A key without its private part only verifies (a retired key whose
/// credentials are still in circulation). ES256 and SM2SM3 signatures are deterministic (RFC 6979-style nonces), so the
/// same certificate and key always give the same credential.
/// </summary>
public sealed class CredentialKey
{
    public const string Es256 = "ES256";
    public const string Rs256 = "RS256";

    /// <summary>
    /// SM2 signature with SM3 (GM/T 0003.2, GM/T 0009), default user ID, r ‖ s. No JOSE algorithm is registered for
    /// SM2: this name is ours, and generic JOSE / Open Badges verifiers do not understand it (docs/CREDENTIALS.md).
    /// </summary>
    public const string Sm2Sm3 = "SM2SM3";

    /// <summary>The configuration alias of <see cref="Sm2Sm3"/> (<c>Credentials:Keys:N:Algorithm = SM2</c>).</summary>
    public const string Sm2Alias = "SM2";

    /// <summary>The JWK <c>crv</c> of an SM2 public key (not registered with IANA either).</summary>
    public const string Sm2Curve = "SM2";

    public static readonly IReadOnlyList<string> Algorithms = [Es256, Rs256, Sm2Sm3];

    private static readonly X9ECParameters P256 = ECNamedCurveTable.GetByName("P-256");
    private static readonly ECDomainParameters P256Domain = new(P256.Curve, P256.G, P256.N, P256.H);

    private readonly ECParameters? _ec;
    private readonly RSAParameters? _rsa;
    private readonly ECPrivateKeyParameters? _sm2Private;
    private readonly ECPublicKeyParameters? _sm2Public;

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

    private CredentialKey(string keyId, ECPrivateKeyParameters? sm2Private, ECPublicKeyParameters sm2Public)
    {
        KeyId = keyId;
        Algorithm = Sm2Sm3;
        _sm2Private = sm2Private;
        _sm2Public = sm2Public;
        CanSign = sm2Private is not null;
    }

    public string KeyId { get; }

    public string Algorithm { get; }

    /// <summary>Whether the private part is present (the key can sign new credentials).</summary>
    public bool CanSign { get; }

    /// <summary>The public key, for verification through Microsoft.IdentityModel; null for SM2 (it knows no SM2: <see cref="VerifySm2"/>).</summary>
    public SecurityKey? SecurityKey { get; }

    /// <summary>The JOSE algorithm a configured name means (<c>SM2</c> is <see cref="Sm2Sm3"/>), or the name itself.</summary>
    public static string NormalizeAlgorithm(string algorithm) =>
        string.Equals(algorithm, Sm2Alias, StringComparison.OrdinalIgnoreCase) || string.Equals(algorithm, Sm2Sm3, StringComparison.OrdinalIgnoreCase)
            ? Sm2Sm3
            : algorithm;

    /// <summary>A key from PEM text (PKCS#8, SEC1 or PKCS#1 private key, or a SubjectPublicKeyInfo public key).</summary>
    public static CredentialKey FromPem(string keyId, string algorithm, string pem)
    {
        if (string.IsNullOrWhiteSpace(keyId)) throw new ArgumentException("a key id (kid) is required", nameof(keyId));
        var hasPrivate = pem.Contains("PRIVATE KEY", StringComparison.Ordinal);
        switch (NormalizeAlgorithm(algorithm))
        {
            case Sm2Sm3:
            {
                var (privateKey, publicKey) = Sm2.FromPem(pem);
                return new CredentialKey(keyId, privateKey, publicKey);
            }
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

    /// <summary>An SM2SM3 key from a 32-byte seed (development and tests).</summary>
    public static CredentialKey Sm2FromSeed(string keyId, byte[] seed)
    {
        var privateKey = Sm2.FromSeed(seed);
        return new CredentialKey(keyId, privateKey, new ECPublicKeyParameters(Sm2.PublicPoint(Sm2.Domain, privateKey.D), Sm2.Domain));
    }

    /// <summary>The JWS signature of <paramref name="signingInput"/> (ES256 and SM2SM3: r ‖ s, 64 bytes).</summary>
    public byte[] Sign(byte[] signingInput)
    {
        if (!CanSign) throw new InvalidOperationException($"key '{KeyId}' has no private part");
        if (_sm2Private is { } sm2) return Sm2.Sign(sm2, Sm2.DefaultUserId, signingInput);
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

    /// <summary>Whether <paramref name="signature"/> is this SM2 key's signature of <paramref name="signingInput"/> (default user ID).</summary>
    public bool VerifySm2(byte[] signingInput, byte[] signature) =>
        _sm2Public is { } key ? Sm2.Verify(key, Sm2.DefaultUserId, signingInput, signature)
            : throw new InvalidOperationException($"key '{KeyId}' is not an SM2 key");

    /// <summary>The public JWK (RFC 7517) with <c>kid</c>, <c>alg</c> and <c>use: sig</c>; never the private part.</summary>
    public JsonObject PublicJwk() => _sm2Public is { } sm2
        ? new JsonObject
        {
            ["kty"] = "EC",
            ["crv"] = Sm2Curve,
            ["x"] = Base64UrlEncoder.Encode(sm2.Q.AffineXCoord.GetEncoded()),
            ["y"] = Base64UrlEncoder.Encode(sm2.Q.AffineYCoord.GetEncoded()),
            ["kid"] = KeyId,
            ["alg"] = Algorithm,
            ["use"] = "sig",
        }
        : _ec is { } ec
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
/// <see cref="AllowedAlgorithms"/> are the algorithms the verifier accepts: by default ES256, RS256 and the algorithm of
/// every configured key (so SM2SM3 only where an SM2 key is configured); <c>none</c> and unknown names never.
/// </summary>
public sealed class CredentialKeyRing
{
    /// <summary>The algorithms accepted when none are configured and no key needs another.</summary>
    public static readonly IReadOnlyList<string> DefaultAllowedAlgorithms = [CredentialKey.Es256, CredentialKey.Rs256];

    private readonly Dictionary<string, CredentialKey> _keys;

    public CredentialKeyRing(IReadOnlyList<CredentialKey> keys, string activeKeyId, IReadOnlyList<string>? allowedAlgorithms = null)
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

        var allowed = allowedAlgorithms is { Count: > 0 }
            ? allowedAlgorithms.Select(CredentialKey.NormalizeAlgorithm).Distinct(StringComparer.Ordinal).ToList()
            : [.. DefaultAllowedAlgorithms.Concat(keys.Select(k => k.Algorithm)).Distinct(StringComparer.Ordinal)];
        if (allowed.FirstOrDefault(a => !CredentialKey.Algorithms.Contains(a)) is { } unknown)
            throw new ArgumentException($"allowed algorithm '{unknown}' is not one of {string.Join(", ", CredentialKey.Algorithms)}");
        if (!allowed.Contains(active.Algorithm))
            throw new ArgumentException($"the active key '{activeKeyId}' signs with {active.Algorithm}, which is not an allowed algorithm ({string.Join(", ", allowed)})");
        AllowedAlgorithms = allowed;
    }

    /// <summary>The algorithms a credential's proof may use here (JOSE names; never <c>none</c>).</summary>
    public IReadOnlyList<string> AllowedAlgorithms { get; }

    public CredentialKey Active { get; }

    public IReadOnlyList<CredentialKey> Keys { get; }

    public CredentialKey? Find(string? keyId) => keyId is not null && _keys.TryGetValue(keyId, out var key) ? key : null;

    /// <summary>The JWK Set of every key's public part (the body of <c>/.well-known/jwks.json</c>).</summary>
    public JsonObject Jwks() => new() { ["keys"] = new JsonArray([.. Keys.Select(k => (JsonNode)k.PublicJwk())]) };
}
