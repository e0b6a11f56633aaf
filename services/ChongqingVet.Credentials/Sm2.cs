using System.Text;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Utilities;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace ChongqingVet.Credentials;

/// <summary>
/// SM2 signatures with SM3 (GM/T 0003.2, GM/T 0009) on the curve sm2p256v1 (GM/T 0003.5), through BouncyCastle.
/// The signed digest is e = SM3(Z_A ‖ M) with Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) and the default user ID
/// "1234567812345678" (GM/T 0009 §10). Signing is deterministic: the nonce k comes from an HMAC-SM3 DRBG over the key
/// and e (RFC 6979 construction, <see cref="HMacDsaKCalculator"/>), so the same key and message give the same signature.
/// Signatures are r ‖ s, 32 bytes each (the JWS form of ECDSA signatures, RFC 7518 §3.4), not DER.
/// </summary>
public static class Sm2
{
    /// <summary>GM/T 0009-2012 §10: the user ID when none was agreed.</summary>
    public static readonly byte[] DefaultUserId = Encoding.ASCII.GetBytes("1234567812345678");

    public const string CurveName = "sm2p256v1";

    private static readonly X9ECParameters Curve = GMNamedCurves.GetByName(CurveName);

    /// <summary>The domain parameters of sm2p256v1.</summary>
    public static readonly ECDomainParameters Domain = new(Curve.Curve, Curve.G, Curve.N, Curve.H, Curve.GetSeed());

    /// <summary>The public point of private key <paramref name="d"/>.</summary>
    public static ECPoint PublicPoint(ECDomainParameters domain, BigInteger d) => domain.G.Multiply(d).Normalize();

    /// <summary>
    /// Signs <paramref name="message"/>: r ‖ s (each as long as the order). <paramref name="k"/> chooses the nonce
    /// (null: deterministic HMAC-SM3); a test passes a fixed nonce to reproduce a published vector.
    /// </summary>
    public static byte[] Sign(ECPrivateKeyParameters key, byte[] userId, byte[] message, IDsaKCalculator? k = null)
    {
        var domain = key.Parameters;
        var n = domain.N;
        var d = key.D;
        var e = new BigInteger(1, Digest(domain, PublicPoint(domain, d), userId, message));
        var calculator = k ?? new HMacDsaKCalculator(new SM3Digest());
        if (calculator.IsDeterministic) calculator.Init(n, d, BigIntegers.AsUnsignedByteArray(32, e));
        else calculator.Init(n, new Org.BouncyCastle.Security.SecureRandom());
        var dPlus1Inverse = BigIntegers.ModOddInverse(n, d.Add(BigInteger.One));
        while (true)
        {
            var nonce = calculator.NextK();
            var x1 = domain.G.Multiply(nonce).Normalize().AffineXCoord.ToBigInteger();
            var r = e.Add(x1).Mod(n);
            if (r.SignValue == 0 || r.Add(nonce).Equals(n)) continue;
            var s = dPlus1Inverse.Multiply(nonce.Subtract(r.Multiply(d))).Mod(n);
            if (s.SignValue == 0) continue;
            var length = BigIntegers.GetUnsignedByteLength(n);
            return [.. BigIntegers.AsUnsignedByteArray(length, r), .. BigIntegers.AsUnsignedByteArray(length, s)];
        }
    }

    /// <summary>Checks an r ‖ s signature with BouncyCastle's own <see cref="SM2Signer"/> (an implementation independent of <see cref="Sign"/>).</summary>
    public static bool Verify(ECPublicKeyParameters key, byte[] userId, byte[] message, byte[] signature)
    {
        var length = BigIntegers.GetUnsignedByteLength(key.Parameters.N);
        if (signature.Length != 2 * length) return false;
        var verifier = new SM2Signer(PlainDsaEncoding.Instance, new SM3Digest());
        verifier.Init(false, new ParametersWithID(key, userId));
        verifier.BlockUpdate(message, 0, message.Length);
        return verifier.VerifySignature(signature);
    }

    /// <summary>e = SM3(Z_A ‖ M) (GM/T 0003.2 §6.1).</summary>
    private static byte[] Digest(ECDomainParameters domain, ECPoint publicPoint, byte[] userId, byte[] message)
    {
        var sm3 = new SM3Digest();
        var bits = userId.Length * 8;
        if (bits > 0xFFFF) throw new ArgumentException("the SM2 user ID is longer than 8191 bytes", nameof(userId));
        sm3.Update((byte)(bits >> 8));
        sm3.Update((byte)bits);
        sm3.BlockUpdate(userId, 0, userId.Length);
        foreach (var element in new[] { domain.Curve.A, domain.Curve.B, domain.G.AffineXCoord, domain.G.AffineYCoord, publicPoint.AffineXCoord, publicPoint.AffineYCoord })
        {
            var bytes = element.GetEncoded();
            sm3.BlockUpdate(bytes, 0, bytes.Length);
        }
        var z = new byte[sm3.GetDigestSize()];
        sm3.DoFinal(z, 0);
        sm3.BlockUpdate(z, 0, z.Length);
        sm3.BlockUpdate(message, 0, message.Length);
        var result = new byte[sm3.GetDigestSize()];
        sm3.DoFinal(result, 0);
        return result;
    }

    /// <summary>
    /// An SM2 key from PEM: a PKCS#8 <c>PRIVATE KEY</c> or SEC1 <c>EC PRIVATE KEY</c> / <c>SM2 PRIVATE KEY</c> (e.g. from
    /// <c>openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2</c>), or a SubjectPublicKeyInfo <c>PUBLIC KEY</c>;
    /// the curve must be sm2p256v1. Returns the private part when present and always the public part.
    /// </summary>
    public static (ECPrivateKeyParameters? Private, ECPublicKeyParameters Public) FromPem(string pem)
    {
        object? read;
        try
        {
            // OpenSSL 3 writes a SEC1 SM2 key as "SM2 PRIVATE KEY" (openssl ec); its content is an EC PRIVATE KEY.
            using var reader = new PemReader(new StringReader(pem.Replace("SM2 PRIVATE KEY", "EC PRIVATE KEY", StringComparison.Ordinal)));
            read = reader.ReadObject();
        }
        catch (Exception exception) when (exception is IOException or PemException or ArgumentException or InvalidCastException or InvalidOperationException)
        {
            throw new ArgumentException("not a readable PEM key", exception);
        }
        var (privateKey, publicKey) = read switch
        {
            AsymmetricCipherKeyPair pair => (pair.Private as ECPrivateKeyParameters, pair.Public as ECPublicKeyParameters),
            ECPrivateKeyParameters p => (p, null),
            ECPublicKeyParameters p => ((ECPrivateKeyParameters?)null, p),
            _ => throw new ArgumentException("not an EC key (SM2 keys are EC keys on the curve sm2p256v1)"),
        };
        var parameters = privateKey?.Parameters ?? publicKey?.Parameters ?? throw new ArgumentException("not an EC key");
        if (!parameters.Curve.Equals(Domain.Curve) || !parameters.G.Equals(Domain.G))
            throw new ArgumentException("SM2 needs a key on the curve sm2p256v1");
        // Work on the named domain, whatever form the PEM gave the parameters in.
        if (privateKey is not null)
        {
            privateKey = new ECPrivateKeyParameters(privateKey.D, Domain);
            var derived = new ECPublicKeyParameters(PublicPoint(Domain, privateKey.D), Domain);
            if (publicKey is not null && !publicKey.Q.Normalize().Equals(derived.Q))
                throw new ArgumentException("the public part does not belong to the private key");
            publicKey = derived;
        }
        else
        {
            publicKey = new ECPublicKeyParameters(Domain.Curve.DecodePoint(publicKey!.Q.GetEncoded(false)), Domain);
        }
        return (privateKey, publicKey);
    }

    /// <summary>A private key from a 32-byte seed (the scalar is the seed reduced into [1, n-1]).</summary>
    public static ECPrivateKeyParameters FromSeed(byte[] seed) =>
        new(new BigInteger(1, seed).Mod(Domain.N.Subtract(BigInteger.One)).Add(BigInteger.One), Domain);
}
