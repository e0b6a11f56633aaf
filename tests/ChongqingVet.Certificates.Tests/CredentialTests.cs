using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ChongqingVet.Certificates.Domain.Credentials;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Grpc.Core;
using Microsoft.IdentityModel.Tokens;

namespace ChongqingVet.Certificates.Tests;

/// <summary>Signed Open Badges 3.0 certificate credentials: content, determinism, the JWKS, and every verification step.</summary>
public class CredentialTests
{
    private const string IdNumber = "11010519491231002X";

    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    private static async Task<(CertificateServiceHarness Harness, Certificate Certificate)> IssueAsync(DatabaseProvider provider)
    {
        var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var certificate = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001", IdNumber));
        return (harness, certificate);
    }

    private static async Task<CertificateCredential> CredentialAsync(CertificateServiceHarness harness, string number) =>
        await harness.Client.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = number });

    private static JsonObject Part(string jws, int index) =>
        (JsonObject)JsonNode.Parse(Base64UrlEncoder.DecodeBytes(jws.Split('.')[index]))!;

    private static string Encode(JsonObject json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json.ToJsonString()));

    [Theory, MemberData(nameof(Providers))]
    public async Task Credential_IsAnOpenBadgeOfTheTypeAndLevel_NamingTheHolderOnlyByASaltedHash(DatabaseProvider provider)
    {
        var (harness, certificate) = await IssueAsync(provider);
        await using var _ = harness;

        var credential = await CredentialAsync(harness, certificate.CertificateNumber);

        var header = Part(credential.Jws, 0);
        Assert.Equal("ES256", (string?)header["alg"]);
        Assert.Equal(credential.KeyId, (string?)header["kid"]);
        var payload = Part(credential.Jws, 1);
        Assert.Equal([OpenBadgeCredential.VcContext, OpenBadgeCredential.Ob3Context], payload["@context"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(["VerifiableCredential", "OpenBadgeCredential"], payload["type"]!.AsArray().Select(n => (string)n!));
        Assert.EndsWith("/credentials/" + certificate.CertificateNumber, (string)payload["id"]!);
        Assert.Equal((string?)payload["id"], (string?)payload["jti"]);
        Assert.Equal("91350100M000100Y43", (string?)payload["issuer"]!["otherIdentifier"]![0]!["identifier"]);
        Assert.Equal("2025-06-30T00:00:00+08:00", (string?)payload["validFrom"]);
        Assert.Null(payload["validUntil"]); // the type's certificates never expire
        var achievement = payload["credentialSubject"]!["achievement"]!;
        Assert.Contains("三级/高级工", (string)achievement["name"]!);
        Assert.Contains("Level 3 (Senior Worker)", (string)achievement["description"]!);
        Assert.Equal(["IR-OPS", "IR-PROG"], achievement["alignment"]!.AsArray().Select(a => (string)a!["targetCode"]!));

        // The holder: sha256(ID number + salt), the salt given to the caller, not in the credential.
        var identity = payload["credentialSubject"]!["identifier"]![0]!;
        Assert.True((bool)identity["hashed"]!);
        var expected = "sha256$" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(IdNumber + credential.HolderIdentitySalt)));
        Assert.Equal(expected, (string?)identity["identityHash"]);
        var text = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(credential.Jws.Split('.')[1]));
        Assert.DoesNotContain(credential.HolderIdentitySalt, text);
        foreach (var secret in new[] { IdNumber, "110105", "张三", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(IdNumber))) })
            Assert.DoesNotContain(secret, text);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Credential_SameCertificateAndKey_IsTheSameBytes_AndVerifiesInEveryStep(DatabaseProvider provider)
    {
        var (harness, certificate) = await IssueAsync(provider);
        await using var _ = harness;

        var first = await CredentialAsync(harness, certificate.CertificateNumber);
        var second = await CredentialAsync(harness, certificate.CertificateNumber);
        Assert.Equal(first.Jws, second.Jws);

        var result = await harness.Client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = first.Jws });
        Assert.True(result.Verified);
        Assert.Equal(certificate.CertificateNumber, result.CertificateNumber);
        Assert.Equal(["format", "proof", "status", "validity"], result.Checks.Select(c => c.Step));
        Assert.All(result.Checks, c => Assert.Equal(CredentialCheckOutcome.Passed, c.Outcome));
    }

    public static TheoryData<string, string> Tampering => new()
    {
        { "claim", "proof" },
        { "alg-none", "proof" },
        { "alg-hs256", "proof" },
        { "unknown-kid", "proof" },
        { "embedded-jwk", "proof" },
        { "signature", "proof" },
        { "other-issuer", "format" },
        { "not-a-jws", "format" },
    };

    [Theory, MemberData(nameof(Tampering))]
    public async Task Verify_TamperedCredential_FailsAtTheNamedStep_AndSkipsTheRest(string tampering, string failingStep)
    {
        var (harness, certificate) = await IssueAsync(DatabaseProvider.Sqlite);
        await using var _ = harness;
        var jws = (await CredentialAsync(harness, certificate.CertificateNumber)).Jws;
        var parts = jws.Split('.');
        var header = Part(jws, 0);
        var payload = Part(jws, 1);
        var tampered = tampering switch
        {
            "claim" => WithPayload(parts, payload, p => p["credentialSubject"]!["achievement"]!["name"] = "一级/高级技师"),
            "alg-none" => $"{Encode(With(header, h => h["alg"] = "none"))}.{parts[1]}.",
            "alg-hs256" => $"{Encode(With(header, h => h["alg"] = "HS256"))}.{parts[1]}.{parts[2]}",
            "unknown-kid" => $"{Encode(With(header, h => h["kid"] = "someone-else"))}.{parts[1]}.{parts[2]}",
            "embedded-jwk" => $"{Encode(With(header, h => h["jwk"] = new JsonObject { ["kty"] = "EC" }))}.{parts[1]}.{parts[2]}",
            "signature" => $"{parts[0]}.{parts[1]}.{Base64UrlEncoder.Encode(Flip(Base64UrlEncoder.DecodeBytes(parts[2])))}",
            "other-issuer" => WithPayload(parts, payload, p =>
            {
                p["id"] = "https://elsewhere.example/credentials/1";
                p["jti"] = "https://elsewhere.example/credentials/1";
            }),
            _ => "not.a-jws",
        };

        var result = await harness.Client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = tampered });

        Assert.False(result.Verified);
        var failed = Assert.Single(result.Checks, c => c.Outcome == CredentialCheckOutcome.Failed);
        Assert.Equal(failingStep, failed.Step);
        Assert.NotEmpty(failed.Detail);
        Assert.All(result.Checks.SkipWhile(c => c.Step != failingStep).Skip(1), c => Assert.Equal(CredentialCheckOutcome.Skipped, c.Outcome));
        Assert.Equal(4, result.Checks.Count);
    }

    private static JsonObject With(JsonObject json, Action<JsonObject> change)
    {
        var copy = (JsonObject)json.DeepClone();
        change(copy);
        return copy;
    }

    private static string WithPayload(string[] parts, JsonObject payload, Action<JsonObject> change) =>
        $"{parts[0]}.{Encode(With(payload, change))}.{parts[2]}";

    private static byte[] Flip(byte[] signature)
    {
        signature[10] ^= 0x01;
        return signature;
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Revocation_TheCredentialIssuedBeforeFailsTheStatusStep_AndNoNewCredentialIsIssued(DatabaseProvider provider)
    {
        var (harness, certificate) = await IssueAsync(provider);
        await using var _ = harness;
        var jws = (await CredentialAsync(harness, certificate.CertificateNumber)).Jws;

        await harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = certificate.CertificateNumber, Reason = "证书信息有误", Etag = certificate.Etag,
        });

        var result = await harness.Client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = jws });
        Assert.False(result.Verified);
        Assert.Equal(CredentialCheckOutcome.Failed, result.Checks.Single(c => c.Step == "status").Outcome);
        var refused = await RpcAssert.ThrowsAsync(StatusCode.FailedPrecondition, () => CredentialAsync(harness, certificate.CertificateNumber));
        Assert.Equal("CERTIFICATE_NOT_ACTIVE", RpcAssert.Reason(refused));
    }

    [Fact]
    public async Task Validity_ACredentialPastItsValidUntil_FailsTheValidityStep()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        var yearly = CertificateServiceHarness.RobotOperatorType("MOHRSS-IR-YRL");
        yearly.ValidityMonths = 12;
        await harness.CreateTypeAsync(yearly);
        var issue = CertificateServiceHarness.Issue("L0001", IdNumber);
        issue.TypeCode = yearly.Code;
        issue.IssueDate = Common.V1.ProtoConversions.ToProtoDate(ChongqingVet.Domain.Time.ChinaTime.Today(harness.Clock).AddMonths(-1));
        var certificate = await harness.Client.IssueCertificateAsync(issue);
        var jws = (await CredentialAsync(harness, certificate.CertificateNumber)).Jws;
        Assert.NotNull(Part(jws, 1)["validUntil"]);
        Assert.True((await harness.Client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = jws })).Verified);

        harness.Clock.Advance(TimeSpan.FromDays(366));

        var result = await harness.Client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = jws });
        Assert.False(result.Verified);
        Assert.Equal("validity", Assert.Single(result.Checks, c => c.Outcome == CredentialCheckOutcome.Failed).Step);
    }

    [Fact]
    public async Task Access_VerifyIsPublic_TheCredentialNeedsCertificatesRead()
    {
        var (harness, certificate) = await IssueAsync(DatabaseProvider.Sqlite);
        await using var _ = harness;
        var jws = (await CredentialAsync(harness, certificate.CertificateNumber)).Jws;

        var anonymous = harness.ClientWith(null);
        Assert.True((await anonymous.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = jws })).Verified);
        await RpcAssert.ThrowsAsync(StatusCode.Unauthenticated, () =>
            anonymous.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = certificate.CertificateNumber }).ResponseAsync);
        var reader = harness.ClientWith(harness.Factory.Authority.Issue("reader", "government", ["certificates.read"]));
        var withoutHolder = await reader.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = certificate.CertificateNumber });
        Assert.Equal(jws, withoutHolder.Jws);
        Assert.Empty(withoutHolder.HolderIdentitySalt); // the salt would let it try ID numbers against the hash
        var catalogReader = harness.ClientWith(harness.Factory.Authority.Issue("catalog-reader", "institution", ["catalog.read"]));
        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () =>
            catalogReader.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = certificate.CertificateNumber }).ResponseAsync);
        await RpcAssert.InvalidArgumentAsync(() => anonymous.VerifyCredentialAsync(new VerifyCredentialRequest()).ResponseAsync, "jws");
    }

    [Fact]
    public async Task Jwks_PublishesOnlyPublicParts_AndAnIndependentVerifierAcceptsTheCredential()
    {
        var (harness, certificate) = await IssueAsync(DatabaseProvider.Sqlite);
        await using var _ = harness;
        var credential = await CredentialAsync(harness, certificate.CertificateNumber);

        using var http = harness.Factory.CreateHttpClient(null);
        using var response = await http.GetAsync("/.well-known/jwks.json");
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("application/jwk-set+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("max-age=", response.Headers.CacheControl?.ToString());
        var jwks = await response.Content.ReadAsStringAsync();
        var key = Assert.Single(JsonNode.Parse(jwks)!["keys"]!.AsArray())!;
        Assert.Equal(credential.KeyId, (string?)key["kid"]);
        Assert.Null(key["d"]);

        // jose (npm), not this code base, checks the signature with the published keys.
        var verified = await RunNodeAsync("""
            import { createLocalJWKSet, jwtVerify } from 'jose';
            const { payload, protectedHeader } = await jwtVerify(process.env.JWS, createLocalJWKSet(JSON.parse(process.env.JWKS)), { algorithms: ['ES256', 'RS256'] });
            console.log(JSON.stringify({ kid: protectedHeader.kid, id: payload.id }));
            """, new() { ["JWS"] = credential.Jws, ["JWKS"] = jwks });
        Assert.Equal(credential.KeyId, (string?)verified["kid"]);
        Assert.EndsWith(certificate.CertificateNumber, (string)verified["id"]!);

        var tampered = credential.Jws[..^4] + (credential.Jws[^4] == 'A' ? "B" : "A") + credential.Jws[^3..];
        await Assert.ThrowsAsync<InvalidOperationException>(() => RunNodeAsync("""
            import { createLocalJWKSet, jwtVerify } from 'jose';
            await jwtVerify(process.env.JWS, createLocalJWKSet(JSON.parse(process.env.JWKS)));
            """, new() { ["JWS"] = tampered, ["JWKS"] = jwks }));
    }

    internal static async Task<JsonNode> RunNodeAsync(string script, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("node", ["--input-type=module", "-e", script])
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (process.ExitCode != 0) throw new InvalidOperationException("node failed: " + await error);
        var text = (await output).Trim();
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }
}
