using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ChongqingVet.Certificates.Data;
using ChongqingVet.Certificates.Domain.Credentials;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Dapper;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChongqingVet.Certificates.Tests;

/// <summary>Bitstring Status List revocation: the entry in every credential, the signed list, the bit a revocation sets, caching.</summary>
public class StatusListTests
{
    private const string IdNumber = "11010519491231002X";

    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    private static async Task<(CertificateServiceHarness Harness, Certificate Certificate)> IssueAsync(DatabaseProvider provider,
        IDictionary<string, string?>? settings = null)
    {
        var harness = await CertificateServiceHarness.StartAsync(provider, settings);
        await harness.CreateTypeAsync();
        var certificate = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001", IdNumber));
        return (harness, certificate);
    }

    private static async Task<string> JwsAsync(CertificateServiceHarness harness, string number) =>
        (await harness.Client.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = number })).Jws;

    private static JsonObject Part(string jws, int index) => (JsonObject)JsonNode.Parse(Base64UrlEncoder.DecodeBytes(jws.Split('.')[index]))!;

    private static JsonObject StatusOf(string credentialJws) => (JsonObject)Part(credentialJws, 1)["credentialStatus"]!;

    private static int IndexOf(string credentialJws) => int.Parse((string)StatusOf(credentialJws)["statusListIndex"]!, System.Globalization.CultureInfo.InvariantCulture);

    private static string PathOf(string url) => new Uri(url).AbsolutePath;

    private static async Task<HttpResponseMessage> GetListAsync(CertificateServiceHarness harness, string path, string? ifNoneMatch = null)
    {
        using var http = harness.Factory.CreateHttpClient(null); // public: no token
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (ifNoneMatch is not null) request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(ifNoneMatch));
        return await http.SendAsync(request);
    }

    /// <summary>The bitstring of a status list credential: multibase 'u' → base64url → GZIP → bytes.</summary>
    private static byte[] Bitstring(string listJws)
    {
        var subject = Part(listJws, 1)["credentialSubject"]!;
        Assert.Equal("BitstringStatusList", (string?)subject["type"]);
        Assert.Equal("revocation", (string?)subject["statusPurpose"]);
        var encoded = (string)subject["encodedList"]!;
        Assert.StartsWith("u", encoded);
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(Base64UrlEncoder.DecodeBytes(encoded[1..])), System.IO.Compression.CompressionMode.Decompress);
        using var bits = new MemoryStream();
        gzip.CopyTo(bits);
        return bits.ToArray();
    }

    // Bit 0 is the most significant bit of byte 0 (Bitstring Status List 1.0 §3.1).
    private static bool Bit(byte[] bitstring, int index) => (bitstring[index / 8] & (0x80 >> (index % 8))) != 0;

    [Theory, MemberData(nameof(Providers))]
    public async Task Credential_CarriesARevocationEntry_WhoseIndexIsDrawnOnceAndKept(DatabaseProvider provider)
    {
        var (harness, certificate) = await IssueAsync(provider);
        await using var _ = harness;

        var first = await JwsAsync(harness, certificate.CertificateNumber);
        var second = await JwsAsync(harness, certificate.CertificateNumber);

        Assert.Equal(first, second); // the index is stored, not re-drawn: still deterministic
        var status = StatusOf(first);
        Assert.Equal("BitstringStatusListEntry", (string?)status["type"]);
        Assert.Equal("revocation", (string?)status["statusPurpose"]);
        Assert.Equal("https://certificates.chongqingvet.example/credentials/status/1", (string?)status["statusListCredential"]);
        Assert.InRange(IndexOf(first), 0, BitstringStatusList.Size - 1);
        Assert.Equal($"{status["statusListCredential"]}#{status["statusListIndex"]}", (string?)status["id"]);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Revocation_SetsTheBitAtTheCertificatesIndex_AndVerifyReportsTheStatusStepFailed(DatabaseProvider provider)
    {
        var (harness, certificate) = await IssueAsync(provider);
        await using var _ = harness;
        var jws = await JwsAsync(harness, certificate.CertificateNumber);
        var index = IndexOf(jws);
        var list = PathOf((string)StatusOf(jws)["statusListCredential"]!);

        using var before = await GetListAsync(harness, list);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        var beforeBits = Bitstring(await before.Content.ReadAsStringAsync());
        Assert.Equal(BitstringStatusList.Size / 8, beforeBits.Length); // 131,072 entries, 16 KiB
        Assert.False(Bit(beforeBits, index));
        var passed = await harness.Client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = jws });
        Assert.True(passed.Verified);
        Assert.Contains($"bit {index}", passed.Checks.Single(c => c.Step == "status").Detail);

        await harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = certificate.CertificateNumber, Reason = "证书信息有误", Etag = certificate.Etag,
        });

        using var after = await GetListAsync(harness, list);
        var afterBits = Bitstring(await after.Content.ReadAsStringAsync());
        Assert.True(Bit(afterBits, index));
        Assert.Equal(1, afterBits.Sum(b => System.Numerics.BitOperations.PopCount(b))); // only this certificate's bit
        Assert.NotEqual(before.Headers.ETag, after.Headers.ETag);

        var result = await harness.Client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = jws });
        Assert.False(result.Verified);
        var status = Assert.Single(result.Checks, c => c.Outcome == CredentialCheckOutcome.Failed);
        Assert.Equal("status", status.Step);
        Assert.Contains($"bit {index}", status.Detail);
    }

    [Fact]
    public async Task Verify_TheBitAloneFailsTheStatusStep_ReadFromTheServicesOwnStore()
    {
        // The certificate row still says active: only the list says revoked, and verification follows the list.
        var (harness, certificate) = await IssueAsync(DatabaseProvider.Sqlite);
        await using var _ = harness;
        var jws = await JwsAsync(harness, certificate.CertificateNumber);
        var database = harness.Factory.Services.GetRequiredService<IDbConnectionFactory>();
        await using (var connection = await database.OpenAsync(CancellationToken.None))
            await connection.ExecuteAsync("UPDATE credential_status_entries SET revoked = 1 WHERE certificate_number = @Number", new { Number = certificate.CertificateNumber });

        var result = await harness.Client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = jws });

        Assert.False(result.Verified);
        Assert.Equal("status", Assert.Single(result.Checks, c => c.Outcome == CredentialCheckOutcome.Failed).Step);
    }

    [Fact]
    public async Task StatusList_IsAStatusListCredentialSignedWithTheActiveKey_ThatVerifiesAgainstTheJwks()
    {
        var (harness, certificate) = await IssueAsync(DatabaseProvider.Sqlite);
        await using var _ = harness;
        var jws = await JwsAsync(harness, certificate.CertificateNumber);
        using var response = await GetListAsync(harness, PathOf((string)StatusOf(jws)["statusListCredential"]!));
        var list = await response.Content.ReadAsStringAsync();
        using var http = harness.Factory.CreateHttpClient(null);
        var jwks = new JsonWebKeySet(await http.GetStringAsync("/.well-known/jwks.json"));

        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(list, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAlgorithms = ["ES256"],
            ValidIssuer = "https://certificates.chongqingvet.example",
            ValidateAudience = false,
            RequireExpirationTime = false,
        });

        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal(Part(jws, 0)["kid"]!.ToString(), Part(list, 0)["kid"]!.ToString());
        var payload = Part(list, 1);
        Assert.Equal(["VerifiableCredential", "BitstringStatusListCredential"], payload["type"]!.AsArray().Select(n => (string)n!));
        Assert.Equal((string?)StatusOf(jws)["statusListCredential"], (string?)payload["id"]);

        // Tampering with the list (setting a bit, or clearing one an attacker wants cleared) breaks the signature.
        var forged = Part(list, 1);
        forged["credentialSubject"]!["encodedList"] = BitstringStatusList.Encode(BitstringStatusList.Bitstring(BitstringStatusList.Size, [5]));
        var tampered = $"{list.Split('.')[0]}.{Base64UrlEncoder.Encode(forged.ToJsonString())}.{list.Split('.')[2]}";
        Assert.False((await new JsonWebTokenHandler().ValidateTokenAsync(tampered, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(), ValidateIssuer = false, ValidateAudience = false, RequireExpirationTime = false,
        })).IsValid);
    }

    [Fact]
    public async Task StatusList_CachingHeaders_ConfiguredMaxAge_AndIfNoneMatchIs304UntilABitChanges()
    {
        var (harness, certificate) = await IssueAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Credentials:StatusListCacheSeconds"] = "120" });
        await using var _ = harness;
        var jws = await JwsAsync(harness, certificate.CertificateNumber);
        var path = PathOf((string)StatusOf(jws)["statusListCredential"]!);

        using var first = await GetListAsync(harness, path);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(120), first.Headers.CacheControl?.MaxAge);
        Assert.True(first.Headers.CacheControl?.Public);
        Assert.Equal("application/jwt", first.Content.Headers.ContentType?.MediaType);
        var etag = first.Headers.ETag!.Tag;

        using var unchanged = await GetListAsync(harness, path, etag);
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());

        await harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = certificate.CertificateNumber, Reason = "证书信息有误", Etag = certificate.Etag,
        });
        using var changed = await GetListAsync(harness, path, etag);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag!.Tag);

        using var missing = await GetListAsync(harness, "/credentials/status/99");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        // The same document over gRPC (what the gateway republishes), public.
        var overGrpc = await harness.ClientWith(null).GetStatusListCredentialAsync(new GetStatusListCredentialRequest { ListId = 1 });
        Assert.Equal(await changed.Content.ReadAsStringAsync(), overGrpc.Jws);
        Assert.Equal(changed.Headers.ETag!.Tag, overGrpc.Etag);
        Assert.Equal(120, overGrpc.MaxAgeSeconds);
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.ClientWith(null).GetStatusListCredentialAsync(new GetStatusListCredentialRequest { ListId = 99 }).ResponseAsync);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Indexes_AreDistinct_AndSpreadAtRandomOverTheList(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var indexes = new List<int>();
        for (var i = 0; i < 24; i++)
        {
            var certificate = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue($"L{7000 + i}", CertificateSampleData.SyntheticIdNumber(700 + i)));
            indexes.Add(IndexOf(await JwsAsync(harness, certificate.CertificateNumber)));
        }

        Assert.Equal(indexes.Count, indexes.Distinct().Count());
        // Drawn uniformly, 24 indexes all within one quarter of the list has a probability of about 4^-23; a counter would be.
        Assert.True(indexes.Max() - indexes.Min() > BitstringStatusList.Size / 4, string.Join(",", indexes));
        Assert.NotEqual(indexes.Order(), indexes); // not handed out in increasing order
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task FullList_TheNextCertificateGoesToANewList_AndConcurrentFirstRequestsShareOneEntry(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var first = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001", IdNumber));
        var firstJws = await JwsAsync(harness, first.CertificateNumber);
        Assert.EndsWith("/credentials/status/1", (string)StatusOf(firstJws)["statusListCredential"]!);
        var database = harness.Factory.Services.GetRequiredService<IDbConnectionFactory>();
        await using (var connection = await database.OpenAsync(CancellationToken.None))
            await connection.ExecuteAsync("UPDATE credential_status_lists SET allocated = @Full WHERE list_id = 1", new { Full = BitstringStatusList.FillLimit });

        var second = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0002", CertificateSampleData.SyntheticIdNumber(2)));
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => JwsAsync(harness, second.CertificateNumber)));

        Assert.Single(concurrent.Distinct());
        Assert.EndsWith("/credentials/status/2", (string)StatusOf(concurrent[0])["statusListCredential"]!);
        Assert.Equal(firstJws, await JwsAsync(harness, first.CertificateNumber)); // the first keeps its place
        using var list2 = await GetListAsync(harness, "/credentials/status/2");
        Assert.Equal(HttpStatusCode.OK, list2.StatusCode);
    }

    [Fact]
    public async Task LearnerSelf_FetchesOwnCredential_WithItsLearnerId_ButNotAnothersOrWithoutIt()
    {
        var (harness, certificate) = await IssueAsync(DatabaseProvider.Sqlite);
        await using var _ = harness;
        var learner = harness.ClientWith(harness.Factory.Authority.Learner("L0001"));

        var own = await learner.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = certificate.CertificateNumber, LearnerId = "L0001" });
        Assert.Equal(await JwsAsync(harness, certificate.CertificateNumber), own.Jws);
        Assert.NotEmpty(own.HolderIdentitySalt); // the learner may see the holder: themself

        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () =>
            learner.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = certificate.CertificateNumber }).ResponseAsync);
        var other = harness.ClientWith(harness.Factory.Authority.Learner("L0002"));
        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () =>
            other.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = certificate.CertificateNumber, LearnerId = "L0001" }).ResponseAsync);
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () =>
            other.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = certificate.CertificateNumber, LearnerId = "L0002" }).ResponseAsync);
    }

    [Fact]
    public async Task Jose_VerifiesTheStatusListFromThePublishedJwks_AndReadsTheRevokedBit()
    {
        var (harness, certificate) = await IssueAsync(DatabaseProvider.Sqlite);
        await using var _ = harness;
        var jws = await JwsAsync(harness, certificate.CertificateNumber);
        var path = PathOf((string)StatusOf(jws)["statusListCredential"]!);
        using var http = harness.Factory.CreateHttpClient(null);
        var jwks = await http.GetStringAsync("/.well-known/jwks.json");

        // jose (npm) and node's zlib, not this code base: verify the credential, then its status list, then read the bit.
        const string script = """
            import { createLocalJWKSet, jwtVerify } from 'jose';
            import { gunzipSync } from 'node:zlib';
            const keys = createLocalJWKSet(JSON.parse(process.env.JWKS));
            const { payload: credential } = await jwtVerify(process.env.JWS, keys, { algorithms: ['ES256', 'RS256'] });
            const entry = credential.credentialStatus;
            if (entry.type !== 'BitstringStatusListEntry' || entry.statusPurpose !== 'revocation') throw new Error('not a revocation entry');
            const { payload: list } = await jwtVerify(process.env.LIST, keys, { algorithms: ['ES256', 'RS256'] });
            if (list.id !== entry.statusListCredential || !list.type.includes('BitstringStatusListCredential')) throw new Error('not the entry\'s list');
            const encoded = list.credentialSubject.encodedList;
            if (!encoded.startsWith('u')) throw new Error('not multibase base64url');
            const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
            const index = Number(entry.statusListIndex);
            const revoked = (bits[Math.floor(index / 8)] >> (7 - (index % 8))) & 1;
            console.log(JSON.stringify({ index, revoked: revoked === 1, entries: bits.length * 8 }));
            """;
        using (var before = await GetListAsync(harness, path))
        {
            var result = await CredentialTests.RunNodeAsync(script, new() { ["JWS"] = jws, ["JWKS"] = jwks, ["LIST"] = await before.Content.ReadAsStringAsync() });
            Assert.Equal(IndexOf(jws), (int)result["index"]!);
            Assert.False((bool)result["revoked"]!);
            Assert.Equal(BitstringStatusList.Size, (int)result["entries"]!);
        }

        await harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = certificate.CertificateNumber, Reason = "证书信息有误", Etag = certificate.Etag,
        });

        using var after = await GetListAsync(harness, path);
        var revoked = await CredentialTests.RunNodeAsync(script, new() { ["JWS"] = jws, ["JWKS"] = jwks, ["LIST"] = await after.Content.ReadAsStringAsync() });
        Assert.True((bool)revoked["revoked"]!);
    }
}
