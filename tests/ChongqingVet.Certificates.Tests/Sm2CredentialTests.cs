using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ChongqingVet.Certificates.Grpc;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Microsoft.IdentityModel.Tokens;

namespace ChongqingVet.Certificates.Tests;

/// <summary>
/// SM2 credentials through the real service: a deployment whose active key is SM2 issues SM2SM3 credentials that its
/// VerifyCredential accepts and its JWKS publishes; tampering fails the proof; a deployment that does not allow SM2SM3
/// rejects them at the proof step, as it does <c>none</c> and unknown algorithms.
/// </summary>
public class Sm2CredentialTests
{
    private static string NewEs256Pem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    private static void AddKey(IDictionary<string, string?> settings, int index, string keyId, string algorithm, string pem, bool publicOnly = false)
    {
        settings[$"Credentials:Keys:{index}:KeyId"] = keyId;
        settings[$"Credentials:Keys:{index}:Algorithm"] = algorithm;
        settings[$"Credentials:Keys:{index}:{(publicOnly ? "PublicKeyPem" : "PrivateKeyPem")}"] = pem;
    }

    private static JsonObject Part(string jws, int index) => (JsonObject)JsonNode.Parse(Base64UrlEncoder.DecodeBytes(jws.Split('.')[index]))!;

    private static string Encode(JsonObject json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json.ToJsonString()));

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Sm2Deployment_IssuesSm2Credentials_ThatVerifyThroughTheService_AndTamperingFailsTheProof(DatabaseProvider provider)
    {
        var settings = new Dictionary<string, string?>();
        AddKey(settings, 0, "cq-es256-1", "ES256", NewEs256Pem());
        AddKey(settings, 1, "cq-sm2-1", "SM2", DomesticAlgorithmTests.OpenSslSm2Pkcs8);
        settings["Credentials:ActiveKeyId"] = "cq-sm2-1";
        await using var harness = await CertificateServiceHarness.StartAsync(provider, settings);
        await harness.CreateTypeAsync();
        var certificate = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());

        var credential = await harness.Client.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = certificate.CertificateNumber });
        var again = await harness.Client.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = certificate.CertificateNumber });

        Assert.Equal("cq-sm2-1", credential.KeyId);
        Assert.Equal("SM2SM3", (string?)Part(credential.Jws, 0)["alg"]);
        Assert.Equal(64, Base64UrlEncoder.DecodeBytes(credential.Jws.Split('.')[2]).Length); // r ‖ s
        Assert.Equal(credential.Jws, again.Jws); // deterministic, like ES256
        var result = await harness.Client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = credential.Jws });
        Assert.True(result.Verified);
        Assert.All(result.Checks, c => Assert.Equal(CredentialCheckOutcome.Passed, c.Outcome));
        Assert.Contains("SM2SM3", result.Checks.Single(c => c.Step == "proof").Detail);

        // The JWKS publishes both keys; the SM2 one as kty EC, crv SM2.
        using var http = harness.Host.Factory.CreateHttpClient(null);
        var keys = JsonNode.Parse(await http.GetStringAsync("/.well-known/jwks.json"))!["keys"]!.AsArray();
        var sm2 = keys.Single(k => (string?)k!["kid"] == "cq-sm2-1")!;
        Assert.Equal(("EC", "SM2", "SM2SM3"), ((string?)sm2["kty"], (string?)sm2["crv"], (string?)sm2["alg"]));
        Assert.Null(sm2["d"]);

        var parts = credential.Jws.Split('.');
        var payload = Part(credential.Jws, 1);
        payload["credentialSubject"]!["achievement"]!["name"] = "一级/高级技师";
        var signature = Base64UrlEncoder.DecodeBytes(parts[2]);
        signature[10] ^= 1;
        foreach (var tampered in new[]
                 {
                     $"{parts[0]}.{Encode(payload)}.{parts[2]}",
                     $"{parts[0]}.{parts[1]}.{Base64UrlEncoder.Encode(signature)}",
                     $"{Encode(new JsonObject { ["alg"] = "SM2SM3", ["kid"] = "cq-es256-1", ["typ"] = "JWT" })}.{parts[1]}.{parts[2]}",
                 })
        {
            var rejected = await harness.Client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = tampered });
            Assert.False(rejected.Verified);
            Assert.Equal(CredentialCheckOutcome.Failed, rejected.Checks.Single(c => c.Step == "proof").Outcome);
        }
    }

    [Fact]
    public async Task GenericVerifier_Jose_AcceptsTheEs256CredentialFromAJwksWithAnSm2Key_AndRejectsTheSm2Credential()
    {
        // The two-deployment design of docs/CREDENTIALS.md: one key ring, ES256 active here, SM2 active there.
        var es256 = NewEs256Pem();
        var ring = new Dictionary<string, string?>();
        AddKey(ring, 0, "cq-es256-1", "ES256", es256);
        AddKey(ring, 1, "cq-sm2-1", "SM2", DomesticAlgorithmTests.OpenSslSm2Pkcs8);
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        string number, esJws, smJws, jwks;
        var international = database.ToConfiguration();
        foreach (var (key, value) in ring) international[key] = value;
        international["Credentials:ActiveKeyId"] = "cq-es256-1";
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(international))
        {
            var client = new CertificateService.CertificateServiceClient(factory.CreateChannel());
            await client.CreateCertificateTypeAsync(new CreateCertificateTypeRequest { RequestId = Guid.NewGuid().ToString(), CertificateType = CertificateServiceHarness.RobotOperatorType() });
            number = (await client.IssueCertificateAsync(CertificateServiceHarness.Issue())).CertificateNumber;
            esJws = (await client.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = number })).Jws;
            using var http = factory.CreateHttpClient(null);
            jwks = await http.GetStringAsync("/.well-known/jwks.json");
        }
        var domestic = database.ToConfiguration();
        foreach (var (key, value) in ring) domestic[key] = value;
        domestic["Credentials:ActiveKeyId"] = "cq-sm2-1";
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(domestic))
        {
            var client = new CertificateService.CertificateServiceClient(factory.CreateChannel());
            smJws = (await client.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = number })).Jws;
            using var http = factory.CreateHttpClient(null);
            Assert.Equal(jwks, await http.GetStringAsync("/.well-known/jwks.json")); // the same JWKS from both
            Assert.True((await client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = esJws })).Verified); // each verifies both
            Assert.True((await client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = smJws })).Verified);
        }
        Assert.Equal(Part(esJws, 1).ToJsonString(), Part(smJws, 1).ToJsonString()); // the same claims, two proofs

        const string Verify = """
            import { createLocalJWKSet, jwtVerify } from 'jose';
            try {
              const { protectedHeader } = await jwtVerify(process.env.JWS, createLocalJWKSet(JSON.parse(process.env.JWKS)));
              console.log(JSON.stringify({ verified: true, kid: protectedHeader.kid }));
            } catch (error) {
              console.log(JSON.stringify({ verified: false, code: error.code }));
            }
            """;
        var es = await RunNodeAsync(Verify, new() { ["JWS"] = esJws, ["JWKS"] = jwks });
        Assert.True((bool)es["verified"]!);
        Assert.Equal("cq-es256-1", (string?)es["kid"]);
        var sm = await RunNodeAsync(Verify, new() { ["JWS"] = smJws, ["JWKS"] = jwks });
        Assert.False((bool)sm["verified"]!); // a generic verifier does not know SM2SM3
    }

    private static async Task<JsonNode> RunNodeAsync(string script, Dictionary<string, string> environment)
    {
        var start = new System.Diagnostics.ProcessStartInfo("node", ["--input-type=module", "-e", script])
        {
            WorkingDirectory = ChongqingVet.TestKit.RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (process.ExitCode != 0) throw new InvalidOperationException("node failed: " + await error);
        return JsonNode.Parse((await output).Trim())!;
    }

    [Fact]
    public async Task Sm2Credential_IsRejectedWhereTheDeploymentDoesNotAllowSm2()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var sm2Settings = database.ToConfiguration();
        AddKey(sm2Settings, 0, "cq-sm2-1", "SM2", DomesticAlgorithmTests.OpenSslSm2Pkcs8);
        string jws;
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(sm2Settings))
        {
            var client = new CertificateService.CertificateServiceClient(factory.CreateChannel());
            await client.CreateCertificateTypeAsync(new CreateCertificateTypeRequest { RequestId = Guid.NewGuid().ToString(), CertificateType = CertificateServiceHarness.RobotOperatorType() });
            var number = (await client.IssueCertificateAsync(CertificateServiceHarness.Issue())).CertificateNumber;
            jws = (await client.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = number })).Jws;
        }

        // The same key ring, but SM2SM3 taken off the allowed list: its key still verifies nothing.
        var strict = database.ToConfiguration();
        AddKey(strict, 0, "cq-es256-1", "ES256", NewEs256Pem());
        AddKey(strict, 1, "cq-sm2-1", "SM2", DomesticAlgorithmTests.OpenSslSm2Public, publicOnly: true);
        strict["Credentials:ActiveKeyId"] = "cq-es256-1";
        strict["Credentials:AllowedAlgorithms"] = "ES256, RS256";
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(strict))
        {
            var client = new CertificateService.CertificateServiceClient(factory.CreateChannel());
            var result = await client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = jws });
            Assert.False(result.Verified);
            var proof = result.Checks.Single(c => c.Step == "proof");
            Assert.Equal(CredentialCheckOutcome.Failed, proof.Outcome);
            Assert.Contains("'SM2SM3' is not allowed", proof.Detail);
        }

        // With the default list the public key verifies it (SM2SM3 is allowed because an SM2 key is configured).
        strict.Remove("Credentials:AllowedAlgorithms");
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(strict))
        {
            var client = new CertificateService.CertificateServiceClient(factory.CreateChannel());
            Assert.True((await client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = jws })).Verified);
        }

        // A deployment without an SM2 key does not allow SM2SM3 at all.
        var plain = database.ToConfiguration();
        AddKey(plain, 0, "cq-es256-1", "ES256", NewEs256Pem());
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(plain))
        {
            var client = new CertificateService.CertificateServiceClient(factory.CreateChannel());
            var proof = (await client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = jws })).Checks.Single(c => c.Step == "proof");
            Assert.Contains("'SM2SM3' is not allowed", proof.Detail);
        }
    }

    [Fact]
    public async Task Start_WithAnAllowListWithoutTheActiveKeysAlgorithm_Fails()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        AddKey(settings, 0, "cq-sm2-1", "SM2", DomesticAlgorithmTests.OpenSslSm2Pkcs8);
        settings["Credentials:AllowedAlgorithms"] = "ES256";
        await using var factory = new GrpcServiceFactory<CertificateGrpcService>(settings);
        var error = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains("Credentials:AllowedAlgorithms", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(DomesticAlgorithmTests.OpenSslSm2Pkcs8.Split('\n')[1].Trim(), error.ToString(), StringComparison.Ordinal);
    }
}
