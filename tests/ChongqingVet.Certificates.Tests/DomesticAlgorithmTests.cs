using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.Domain.Credentials;
using ChongqingVet.Credentials;
using Microsoft.IdentityModel.Tokens;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using FpCurve = Org.BouncyCastle.Math.EC.FpCurve;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace ChongqingVet.Certificates.Tests;

/// <summary>
/// SM2, SM3 and SM4 as the service uses them, against the standard vectors: SM3 (GB/T 32905 example 1), the SM4 block
/// cipher (GB/T 32907 example 1) and SM4-GCM (RFC 8998 A.1) on the very engine the field cipher uses, SM2 signatures
/// (GM/T 0003.5's example on its test curve, and BouncyCastle's vector on sm2p256v1) through our signer and verifier.
/// </summary>
public class DomesticAlgorithmTests
{
    /// <summary>An SM2 key made by OpenSSL 3 here: <c>openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2</c> (a test key, nothing else).</summary>
    public const string OpenSslSm2Pkcs8 = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgjnQcaAekPZZX0hJ6
        44vR17d2+d5MWBFWV3H3WpwETnahRANCAATBJcLNo+fmf0BdkLZuORSi9CuHsjbH
        IvuDYSJyLau3dXZcY3ZLllljIX0csIYzjL8R2c4l6vksws8S6ZjC0IoZ
        -----END PRIVATE KEY-----
        """;

    /// <summary>The same key as OpenSSL's SEC1 form (<c>openssl ec -in key.pem</c>).</summary>
    public const string OpenSslSm2Sec1 = """
        -----BEGIN SM2 PRIVATE KEY-----
        MHcCAQEEII50HGgHpD2WV9ISeuOL0de3dvneTFgRVldx91qcBE52oAoGCCqBHM9V
        AYItoUQDQgAEwSXCzaPn5n9AXZC2bjkUovQrh7I2xyL7g2Eici2rt3V2XGN2S5ZZ
        YyF9HLCGM4y/EdnOJer5LMLPEumYwtCKGQ==
        -----END SM2 PRIVATE KEY-----
        """;

    /// <summary>Its public part (<c>openssl pkey -pubout</c>).</summary>
    public const string OpenSslSm2Public = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAEwSXCzaPn5n9AXZC2bjkUovQrh7I2
        xyL7g2Eici2rt3V2XGN2S5ZZYyF9HLCGM4y/EdnOJer5LMLPEumYwtCKGQ==
        -----END PUBLIC KEY-----
        """;

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    [Fact]
    public void Sm3_OfAbc_IsTheStandardVector()
    {
        Assert.Equal("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
            Convert.ToHexStringLower(HmacSm3.Sm3(Encoding.ASCII.GetBytes("abc"))));
    }

    [Fact]
    public void HmacSm3_IsKeyedAndDiffersFromHmacSha256()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var data = Encoding.UTF8.GetBytes("id:11010519491231002X");
        Assert.Equal(32, HmacSm3.Compute(key, data).Length);
        Assert.Equal(HmacSm3.Compute(key, data), HmacSm3.Compute(key, data));
        Assert.NotEqual(HmacSm3.Compute(key, data), HmacSm3.Compute(RandomNumberGenerator.GetBytes(32), data));
        Assert.NotEqual(HMACSHA256.HashData(key, data), HmacSm3.Compute(key, data));
    }

    [Fact]
    public void Sm4Engine_EncryptsTheStandardBlock()
    {
        // The engine Sm4GcmFieldCipher runs GCM on: key = plaintext = 0123456789abcdeffedcba9876543210.
        var engine = new SM4Engine();
        engine.Init(true, new KeyParameter(Hex("0123456789abcdeffedcba9876543210")));
        var block = new byte[16];
        engine.ProcessBlock(Hex("0123456789abcdeffedcba9876543210"), 0, block, 0);
        Assert.Equal("681edf34d206965e86b3e94f536e4246", Convert.ToHexStringLower(block));
    }

    [Fact]
    public void Sm4Gcm_MatchesRfc8998_AndRejectsAWrongTag()
    {
        var key = Hex("0123456789ABCDEFFEDCBA9876543210");
        var nonce = Hex("00001234567800000000ABCD");
        var aad = Hex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
        var plaintext = Hex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA");
        var expected = "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
                       + "83DE3541E4C2B58177E065A9BF7B62EC";

        var sealedData = Sm4GcmFieldCipher.Seal(key, nonce, plaintext, aad);

        Assert.Equal(expected, Convert.ToHexString(sealedData));
        Assert.Equal(plaintext, Sm4GcmFieldCipher.Open(key, nonce, sealedData, aad));
        sealedData[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => Sm4GcmFieldCipher.Open(key, nonce, sealedData, aad));
    }

    [Fact]
    public void Sm4GcmFieldCipher_RoundTripsWithFreshNonces_InTheAesLayout_AndRejectsTampering()
    {
        var cipher = new Sm4GcmFieldCipher(RandomNumberGenerator.GetBytes(16));
        var first = cipher.Encrypt("张三 11010519491231002X");
        var second = cipher.Encrypt("张三 11010519491231002X");

        Assert.Equal("张三 11010519491231002X", cipher.Decrypt(first));
        Assert.NotEqual(first, second); // a fresh 12-byte nonce each time
        Assert.Equal(12 + Encoding.UTF8.GetByteCount("张三 11010519491231002X") + 16, first.Length);
        foreach (var position in new[] { 0, 12, first.Length - 1 }) // nonce, ciphertext, tag
        {
            var tampered = (byte[])first.Clone();
            tampered[position] ^= 0x40;
            Assert.ThrowsAny<CryptographicException>(() => cipher.Decrypt(tampered));
        }
        Assert.ThrowsAny<CryptographicException>(() => new Sm4GcmFieldCipher(RandomNumberGenerator.GetBytes(16)).Decrypt(first));
        Assert.Throws<ArgumentException>(() => new Sm4GcmFieldCipher(new byte[32]));
    }

    [Fact]
    public void Protector_ReadsBothSchemes_WritesTheCurrent_AndMatchesIndexesOfEither()
    {
        var aes = HolderIdentityScheme.Aes(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
        var sm4 = HolderIdentityScheme.Sm4(RandomNumberGenerator.GetBytes(16), RandomNumberGenerator.GetBytes(32));
        var before = new HolderIdentityProtector(aes);
        var during = new HolderIdentityProtector(sm4, aes);
        var after = new HolderIdentityProtector(sm4);

        var legacy = before.Encrypt("11010519491231002X");
        var marked = during.Encrypt("11010519491231002X");
        Assert.Equal(HolderIdentityScheme.Sm4Version, marked[0]);
        Assert.Equal("11010519491231002X", during.Decrypt(legacy));
        Assert.Equal("11010519491231002X", during.Decrypt(marked));
        Assert.Same(aes, during.Open(legacy).Scheme);
        Assert.Same(sm4, during.Open(marked).Scheme);
        Assert.Equal("11010519491231002X", after.Decrypt(marked));
        Assert.ThrowsAny<CryptographicException>(() => after.Decrypt(legacy)); // its key is gone: an error, never wrong text
        Assert.ThrowsAny<CryptographicException>(() => before.Decrypt(marked));

        // The index written is the current scheme's; lookups match an index of either scheme.
        Assert.Equal(32, during.IdNumberIndex("11010519491231002x").Length);
        Assert.NotEqual(before.IdNumberIndex("11010519491231002X"), during.IdNumberIndex("11010519491231002X"));
        Assert.True(during.MatchesIdNumber(before.IdNumberIndex("11010519491231002X"), "11010519491231002x"));
        Assert.True(during.MatchesIdNumber(during.IdNumberIndex("11010519491231002X"), "11010519491231002X"));
        Assert.False(after.MatchesIdNumber(before.IdNumberIndex("11010519491231002X"), "11010519491231002X"));
        Assert.True(during.MatchesName(before.NameIndex("张 三"), "张三"));
        Assert.Equal(2, during.IdNumberIndexes("11010519491231002X").Length);
    }

    private sealed class FixedNonce(string hex) : IDsaKCalculator
    {
        public bool IsDeterministic => false;

        public void Init(BigInteger n, Org.BouncyCastle.Security.SecureRandom random)
        {
        }

        public void Init(BigInteger n, BigInteger d, byte[] message) => throw new NotSupportedException();

        public BigInteger NextK() => new(hex, 16);
    }

    [Fact]
    public void Sm2_ReproducesTheGmT0003Part5Example_OnItsTestCurve()
    {
        // GM/T 0003.5 signature example (Fp-256 test curve), as in BouncyCastle's SM2SignerTest.
        var p = new BigInteger("8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3", 16);
        var a = new BigInteger("787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498", 16);
        var b = new BigInteger("63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A", 16);
        var n = new BigInteger("8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7", 16);
        var curve = new FpCurve(p, a, b, n, BigInteger.One);
        var g = curve.CreatePoint(new BigInteger("421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D", 16),
            new BigInteger("0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2", 16));
        var domain = new ECDomainParameters(curve, g, n, BigInteger.One);
        var key = new ECPrivateKeyParameters(new BigInteger("128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263", 16), domain);
        var publicKey = new ECPublicKeyParameters(Sm2.PublicPoint(domain, key.D), domain);
        var userId = Encoding.ASCII.GetBytes("ALICE123@YAHOO.COM");
        var message = Encoding.ASCII.GetBytes("message digest");

        var signature = Sm2.Sign(key, userId, message, new FixedNonce("6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F"));

        Assert.Equal("40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1" + "6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7",
            Convert.ToHexString(signature));
        Assert.True(Sm2.Verify(publicKey, userId, message, signature));
        Assert.False(Sm2.Verify(publicKey, userId, Encoding.ASCII.GetBytes("message digesT"), signature));
        Assert.False(Sm2.Verify(publicKey, Sm2.DefaultUserId, message, signature)); // the user ID is part of what is signed
    }

    [Fact]
    public void Sm2_ReproducesTheStandardCurveVector()
    {
        // sm2p256v1 with SM3 (BouncyCastle's SM2SignerTest, "FpStandardSM3").
        var key = new ECPrivateKeyParameters(new BigInteger("110E7973206F68C19EE5F7328C036F26911C8C73B4E4F36AE3291097F8984FFC", 16), Sm2.Domain);
        var publicKey = new ECPublicKeyParameters(Sm2.PublicPoint(Sm2.Domain, key.D), Sm2.Domain);
        var userId = Encoding.ASCII.GetBytes("sm2test@example.com");
        var message = Encoding.ASCII.GetBytes("hi chappy");

        var signature = Sm2.Sign(key, userId, message, new FixedNonce("3174C6FFC3C279D2422F3FC0A9F3E574674A4490FE45A5325CAF7D3EC4C8F96C"));

        Assert.Equal("05890B9077B92E47B17A1FF42A814280E556AFD92B4A98B9670BF8B1A274C2FA" + "E3ABBB8DB2B6ECD9B24ECCEA7F679FB9A4B1DB52F4AA985E443AD73237FA1993",
            Convert.ToHexString(signature));
        Assert.True(Sm2.Verify(publicKey, userId, message, signature));
    }

    [Fact]
    public void Sm2CredentialKey_FromOpenSslPem_SignsDeterministically_AndOnlyItsPublicPartVerifies()
    {
        var key = CredentialKey.FromPem("sm2-1", "SM2", OpenSslSm2Pkcs8);
        var sec1 = CredentialKey.FromPem("sm2-1", "SM2SM3", OpenSslSm2Sec1);
        var verifyOnly = CredentialKey.FromPem("sm2-1", "SM2", OpenSslSm2Public);
        var input = Encoding.ASCII.GetBytes("eyJhbGciOiJTTTJTTTMifQ.eyJpZCI6IngifQ");

        Assert.Equal(CredentialKey.Sm2Sm3, key.Algorithm);
        Assert.True(key.CanSign);
        Assert.False(verifyOnly.CanSign);
        var signature = key.Sign(input);
        Assert.Equal(64, signature.Length);
        Assert.Equal(signature, key.Sign(input)); // deterministic nonce: same key and input, same signature
        Assert.Equal(signature, sec1.Sign(input));
        Assert.True(verifyOnly.VerifySm2(input, signature));
        var tampered = (byte[])input.Clone();
        tampered[^1] ^= 1;
        Assert.False(verifyOnly.VerifySm2(tampered, signature));
        Assert.False(verifyOnly.VerifySm2(input, signature[..63]));
        Assert.False(CredentialKey.Sm2FromSeed("other", new byte[32]).VerifySm2(input, signature));
        Assert.Throws<InvalidOperationException>(() => verifyOnly.Sign(input));

        // The JWK: kty EC, crv SM2, the public point (from OpenSSL's output), no private part.
        var jwk = verifyOnly.PublicJwk();
        Assert.Equal("EC", (string?)jwk["kty"]);
        Assert.Equal("SM2", (string?)jwk["crv"]);
        Assert.Equal("SM2SM3", (string?)jwk["alg"]);
        Assert.Equal("c125c2cda3e7e67f405d90b66e3914a2f42b87b236c722fb836122722dabb775", Convert.ToHexStringLower(Base64UrlEncoder.DecodeBytes((string)jwk["x"]!)));
        Assert.Equal(key.PublicJwk().ToJsonString(), jwk.ToJsonString());
        Assert.Null(key.PublicJwk()["d"]);
    }

    [Fact]
    public void Sm2_InteroperatesWithOpenSsl()
    {
        // OpenSSL 3.0 signed this input with the key above:
        //   openssl dgst -sm3 -sign key.pem -sigopt distid:1234567812345678 (DER; r and s below).
        var input = Encoding.ASCII.GetBytes("eyJhbGciOiJTTTJTTTMifQ.eyJpZCI6IngifQ");
        var openSsl = Hex("E9D9418ED622500A71DF64BCCCB4189BD2DB168AE9ABB4251897F8C530D55B63" + "B8028C7EFBBD0EE79791039717FADDF7294663EC4E968A3DDA631CBB2CED2EBD");
        var key = CredentialKey.FromPem("sm2-1", "SM2", OpenSslSm2Public);
        Assert.True(key.VerifySm2(input, openSsl));

        // And OpenSSL verifies ours (checked with: openssl dgst -sm3 -verify pub.pem -sigopt distid:1234567812345678
        // -signature sig.der, sig.der being this r and s as DER); deterministic, so the value is fixed.
        Assert.Equal(OursForOpenSsl, Convert.ToHexString(CredentialKey.FromPem("sm2-1", "SM2", OpenSslSm2Pkcs8).Sign(input)));
    }

    private const string OursForOpenSsl =
        "448839AF7C1FAADB9749A22B94E3B1CAC77330718136037CAE960298866AA5F9" + "4428379E0E667E056204509411EA5A36F4EE9221DE498BA18D67B15E58CFA5A5";

    [Fact]
    public void Sm2CredentialKey_RefusesKeysOnOtherCurves()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Throws<ArgumentException>(() => CredentialKey.FromPem("k", "SM2", p256.ExportPkcs8PrivateKeyPem()));
        using var rsa = RSA.Create(2048);
        Assert.Throws<ArgumentException>(() => CredentialKey.FromPem("k", "SM2", rsa.ExportPkcs8PrivateKeyPem()));
        Assert.ThrowsAny<Exception>(() => CredentialKey.FromPem("k", "ES256", OpenSslSm2Pkcs8)); // not a P-256 key
    }

    [Fact]
    public void KeyRing_AllowsSm2OnlyWhereConfigured_AndNeverUnknownAlgorithms()
    {
        var es = CredentialKey.Es256FromSeed("es", new byte[32]);
        var sm2 = CredentialKey.Sm2FromSeed("sm2", new byte[32]);

        Assert.Equal(["ES256", "RS256"], new CredentialKeyRing([es], "es").AllowedAlgorithms);
        Assert.Equal(["ES256", "RS256", "SM2SM3"], new CredentialKeyRing([es, sm2], "sm2").AllowedAlgorithms);
        Assert.Equal(["SM2SM3"], new CredentialKeyRing([es, sm2], "sm2", ["SM2"]).AllowedAlgorithms);
        Assert.Throws<ArgumentException>(() => new CredentialKeyRing([es, sm2], "sm2", ["ES256"])); // the active key's algorithm must be allowed
        Assert.Throws<ArgumentException>(() => new CredentialKeyRing([es], "es", ["ES256", "none"]));
        Assert.Throws<ArgumentException>(() => new CredentialKeyRing([es], "es", ["ES256", "HS256"]));
        var jwks = new CredentialKeyRing([es, sm2], "es").Jwks()["keys"]!.AsArray();
        Assert.Equal(["P-256", "SM2"], jwks.Select(k => (string)k!["crv"]!));
        Assert.All(jwks, k => Assert.Null(((JsonObject)k!)["d"]));
    }
}
