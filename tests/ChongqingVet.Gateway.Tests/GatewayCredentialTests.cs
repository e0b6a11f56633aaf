using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ChongqingVet.TestKit.Security;
using Grpc.Core;

namespace ChongqingVet.Gateway.Tests;

/// <summary>The gateway's credential routes: the signed credential (the caller's own access), and the public JWKS and status lists.</summary>
public class GatewayCredentialTests
{
    private static readonly TestAuthority Authority = TestAuthority.Shared;

    [Fact]
    public async Task Rest_Credential_WithCertificatesRead_IsTheJws_FetchedWithTheCallersOwnToken()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);
        var token = Authority.Issue("gov", "government", ["certificates.read"]);
        using var http = gateway.CreateHttpClient(token);

        using var response = await http.GetAsync("/v1/certificates/S123412500001231000001/credential");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("header.S123412500001231000001.signature", body.RootElement.GetProperty("jws").GetString());
        Assert.Equal("fake-key", body.RootElement.GetProperty("keyId").GetString());
        Assert.Equal("Bearer " + token, fakes.Certificates.LastCredentialAuthorization); // the backend authorises the caller, not the gateway
        Assert.Equal("", fakes.Certificates.LastCredentialRequest!.LearnerId);
    }

    [Fact]
    public async Task Rest_Credential_Anonymous401_WithoutTheScope403_OwnLearnerRoute200_AnotherLearners403()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        using var anonymous = gateway.CreateHttpClient(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/certificates/S1/credential")).StatusCode);
        using var catalogOnly = gateway.CreateHttpClient(Authority.Issue("school", "institution", ["catalog.read", "profiles.read"]));
        Assert.Equal(HttpStatusCode.Forbidden, (await catalogOnly.GetAsync("/v1/certificates/S1/credential")).StatusCode);
        using var learner = gateway.CreateHttpClient(Authority.Learner("L0001"));
        Assert.Equal(HttpStatusCode.Forbidden, (await learner.GetAsync("/v1/certificates/S1/credential")).StatusCode); // no learner_id: not self
        Assert.Equal(HttpStatusCode.Forbidden, (await learner.GetAsync("/v1/learners/L0002/certificates/S1/credential")).StatusCode);
        Assert.Equal(0, fakes.Certificates.CredentialCalls);

        using var own = await learner.GetAsync("/v1/learners/L0001/certificates/S1/credential");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("L0001", fakes.Certificates.LastCredentialRequest!.LearnerId); // the backend checks the certificate is the learner's
        Assert.Equal("S1", fakes.Certificates.LastCredentialRequest.CertificateNumber);
    }

    [Fact]
    public async Task Rest_Credential_BackendRefusal_PassesThrough()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);
        fakes.Certificates.Fail = StatusCode.FailedPrecondition; // e.g. a revoked certificate has no credential
        using var http = gateway.CreateHttpClient(Authority.Issue("gov", "government", ["certificates.read"]));

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/v1/certificates/S1/credential")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"/v1/certificates/{new string('9', 65)}/credential")).StatusCode);
    }

    [Fact]
    public async Task Jwks_IsPublic_AndFetchedFromTheCertificatesServiceOncePerCacheTime()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?> { ["Credentials:CacheSeconds"] = "30" });
        using var anonymous = gateway.CreateHttpClient(null);

        using var first = await anonymous.GetAsync("/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("application/jwk-set+json", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal("fake-key", JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("keys")[0].GetProperty("kid").GetString());
        Assert.Equal(TimeSpan.FromSeconds(300), first.Headers.CacheControl?.MaxAge);

        gateway.Clock.Advance(TimeSpan.FromSeconds(10));
        using var cached = await anonymous.GetAsync("/.well-known/jwks.json");
        Assert.Equal(TimeSpan.FromSeconds(290), cached.Headers.CacheControl?.MaxAge); // what is left of the backend's max-age
        Assert.Equal(1, fakes.Certificates.KeysCalls);

        gateway.Clock.Advance(TimeSpan.FromSeconds(20));
        await anonymous.GetAsync("/.well-known/jwks.json");
        Assert.Equal(2, fakes.Certificates.KeysCalls);
    }

    [Fact]
    public async Task StatusList_IsPublic_IfNoneMatchIs304_AndANewVersionShowsWithinTheBackendsMaxAge()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?> { ["Credentials:CacheSeconds"] = "30" });
        using var anonymous = gateway.CreateHttpClient(null);

        using var first = await anonymous.GetAsync("/credentials/status/1");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("header.list-v1.signature", await first.Content.ReadAsStringAsync());
        Assert.Equal("application/jwt", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal("\"v1\"", first.Headers.ETag?.Tag);
        Assert.Equal(TimeSpan.FromSeconds(60), first.Headers.CacheControl?.MaxAge);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/credentials/status/1");
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"v1\""));
        using var notModified = await anonymous.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        // A revocation moves the list's version; the gateway shows it once its own (shorter) cache time has passed.
        fakes.Certificates.StatusListVersion = 2;
        gateway.Clock.Advance(TimeSpan.FromSeconds(20));
        using var stillCached = await anonymous.GetAsync("/credentials/status/1");
        Assert.Equal("\"v1\"", stillCached.Headers.ETag?.Tag);
        Assert.Equal(TimeSpan.FromSeconds(40), stillCached.Headers.CacheControl?.MaxAge); // never cached past the backend's max-age in all
        gateway.Clock.Advance(TimeSpan.FromSeconds(10));
        using var fresh = await anonymous.GetAsync("/credentials/status/1");
        Assert.Equal("\"v2\"", fresh.Headers.ETag?.Tag);
        Assert.Equal("header.list-v2.signature", await fresh.Content.ReadAsStringAsync());
        Assert.Equal(2, fakes.Certificates.StatusListCalls);
    }

    [Fact]
    public async Task StatusList_UnknownList404_BackendDown503()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);
        using var anonymous = gateway.CreateHttpClient(null);

        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/credentials/status/7")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/credentials/status/0")).StatusCode);

        fakes.Certificates.Fail = StatusCode.Unavailable;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await anonymous.GetAsync("/credentials/status/1")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await anonymous.GetAsync("/.well-known/jwks.json")).StatusCode);
    }
}
