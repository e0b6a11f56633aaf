using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ChongqingVet.Certificates.Grpc;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Microsoft.IdentityModel.Tokens;

namespace ChongqingVet.Certificates.Tests;

/// <summary>
/// Credential keys through the real certificates host: configured from PEM files, required outside development, and
/// rotated by configuration — new credentials use the new key, credentials signed with the old key still verify.
/// </summary>
public sealed class CredentialKeyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cqv-credential-keys-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteKey(string name, string pem)
    {
        var path = Path.Combine(_folder, name + ".pem");
        File.WriteAllText(path, pem);
        return path;
    }

    private static string NewEcKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    private static string PublicPart(string privatePem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(privatePem);
        return key.ExportSubjectPublicKeyInfoPem();
    }

    private static string NewRsaKey()
    {
        using var key = RSA.Create(2048);
        return key.ExportPkcs8PrivateKeyPem();
    }

    private static void AddKey(Dictionary<string, string?> settings, int index, string keyId, string algorithm, string file, bool publicOnly = false)
    {
        settings[$"Credentials:Keys:{index}:KeyId"] = keyId;
        settings[$"Credentials:Keys:{index}:Algorithm"] = algorithm;
        settings[$"Credentials:Keys:{index}:{(publicOnly ? "PublicKeyFile" : "PrivateKeyFile")}"] = file;
    }

    private static CertificateService.CertificateServiceClient Client(GrpcServiceFactory<CertificateGrpcService> factory) => new(factory.CreateChannel());

    [Fact]
    public async Task Rotation_NewCredentialsUseTheNewKey_OldCredentialsStillVerify_AndAKeyDroppedFromTheRingNoLongerDoes()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var oldKey = NewEcKey();
        var before = database.ToConfiguration();
        AddKey(before, 0, "cq-2026-1", "ES256", WriteKey("old", oldKey));
        string oldCredential, number;
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(before))
        {
            var client = Client(factory);
            await client.CreateCertificateTypeAsync(new CreateCertificateTypeRequest
            {
                RequestId = Guid.NewGuid().ToString(), CertificateType = CertificateServiceHarness.RobotOperatorType(),
            });
            number = (await client.IssueCertificateAsync(CertificateServiceHarness.Issue())).CertificateNumber;
            var credential = await client.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = number });
            Assert.Equal("cq-2026-1", credential.KeyId);
            oldCredential = credential.Jws;
        }

        // The operator adds the new key, makes it active and keeps only the old key's public part.
        var after = database.ToConfiguration();
        AddKey(after, 0, "cq-2026-1", "ES256", WriteKey("old-public", PublicPart(oldKey)), publicOnly: true);
        AddKey(after, 1, "cq-2027-1", "RS256", WriteKey("new", NewRsaKey()));
        after["Credentials:ActiveKeyId"] = "cq-2027-1";
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(after))
        {
            var client = Client(factory);
            var fresh = await client.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = number });
            Assert.Equal("cq-2027-1", fresh.KeyId);
            Assert.Equal("RS256", (string?)JsonNode.Parse(Base64UrlEncoder.DecodeBytes(fresh.Jws.Split('.')[0]))!["alg"]);
            Assert.True((await client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = fresh.Jws })).Verified);
            var old = await client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = oldCredential });
            Assert.True(old.Verified);
            Assert.Contains("cq-2026-1", old.Checks.Single(c => c.Step == "proof").Detail);

            using var http = factory.CreateHttpClient(null);
            var kids = JsonNode.Parse(await http.GetStringAsync("/.well-known/jwks.json"))!["keys"]!.AsArray().Select(k => (string)k!["kid"]!);
            Assert.Equal(["cq-2026-1", "cq-2027-1"], kids);
        }

        var dropped = database.ToConfiguration();
        AddKey(dropped, 0, "cq-2027-1", "RS256", WriteKey("new-only", NewRsaKey()));
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(dropped))
        {
            var result = await Client(factory).VerifyCredentialAsync(new VerifyCredentialRequest { Jws = oldCredential });
            Assert.False(result.Verified);
            Assert.Contains("unknown key id", result.Checks.Single(c => c.Step == "proof").Detail);
        }
    }

    [Fact]
    public async Task Start_WithoutCredentialKeysAndWithoutTheDevelopmentOptIn_FailsNamingTheSetting()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        settings[DevelopmentKeys.AllowSetting] = "false";
        foreach (var key in new[] { "PageTokens:SigningKey", "Idempotency:HashKey", "Audit:HmacKey", "HolderIdentity:EncryptionKey", "HolderIdentity:BlindIndexKey" })
            settings[key] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var factory = new GrpcServiceFactory<CertificateGrpcService>(settings);

        var error = StartFailure(factory, "Credentials:");

        Assert.Contains("Credentials:Keys", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadKeys => new()
    {
        { "ES256 with an RSA key", "rsa-as-ec" },
        { "the active key without its private part", "public-active" },
        { "two keys without an active key id", "two-keys" },
        { "an algorithm that is not allowed", "hs256" },
    };

    [Theory, MemberData(nameof(BadKeys))]
    public async Task Start_WithAnUnusableKeyConfiguration_FailsNamingTheSettingWithoutEchoingTheKey(string why, string configuration)
    {
        _ = why;
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        var rsa = NewRsaKey();
        var ec = NewEcKey();
        switch (configuration)
        {
            case "rsa-as-ec":
                AddKey(settings, 0, "k1", "ES256", WriteKey("rsa", rsa));
                break;
            case "public-active":
                AddKey(settings, 0, "k1", "ES256", WriteKey("public", PublicPart(ec)), publicOnly: true);
                break;
            case "two-keys":
                AddKey(settings, 0, "k1", "ES256", WriteKey("a", ec));
                AddKey(settings, 1, "k2", "RS256", WriteKey("b", rsa));
                break;
            default:
                AddKey(settings, 0, "k1", "HS256", WriteKey("a", ec));
                break;
        }
        await using var factory = new GrpcServiceFactory<CertificateGrpcService>(settings);

        var error = StartFailure(factory, "Credentials:");

        foreach (var pem in new[] { rsa, ec })
            Assert.DoesNotContain(pem.Split('\n')[1], error.Message, StringComparison.Ordinal);
    }

    /// <summary>Starts the host and returns the start-up error that mentions <paramref name="setting"/> (the host may wrap it).</summary>
    private static InvalidOperationException StartFailure(GrpcServiceFactory<CertificateGrpcService> factory, string setting)
    {
        var thrown = Assert.ThrowsAny<Exception>(() => factory.Server);
        for (Exception? current = thrown; current is not null; current = current.InnerException)
            if (current is InvalidOperationException { Message: var message } error && message.Contains(setting, StringComparison.Ordinal))
                return error;
        throw new Xunit.Sdk.XunitException($"Start-up failed for another reason: {thrown}");
    }
}
