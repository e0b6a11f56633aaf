using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.ServiceDefaults.Security;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace ChongqingVet.Certificates.Tests;

/// <summary>Every rejection of the security model, as a rejected call.</summary>
public class CertificateSecurityTests
{
    private static readonly TestAuthority Authority = TestAuthority.Shared;

    private static readonly string[] GovernmentScopes = ["catalog.read", "profiles.read", "certificates.read", "certificates.holder.read"];

    private static readonly string[] InstitutionScopes = ["catalog.read", "certificates.read", "certificates.issue", "certificates.revoke"];

    private static CertificateService.CertificateServiceClient ClientFor(CertificateServiceHarness harness, string? token) =>
        new(harness.Factory.CreateChannel(token));

    private static string Institution(string organisation) => Authority.Issue("institution-a", "institution", InstitutionScopes, organisation: organisation);

    private static string? BadToken(string kind)
    {
        var now = DateTime.UtcNow;
        return kind switch
        {
            "missing" => null,
            "garbage" => "not-a-jwt",
            "expired" => Authority.Issue("gov", "government", GovernmentScopes, change: d => { d.IssuedAt = d.NotBefore = now.AddHours(-2); d.Expires = now.AddHours(-1); }),
            "not-yet-valid" => Authority.Issue("gov", "government", GovernmentScopes, change: d => { d.IssuedAt = d.NotBefore = now.AddHours(1); d.Expires = now.AddHours(2); }),
            "wrong-issuer" => Authority.Issue("gov", "government", GovernmentScopes, change: d => d.Issuer = "http://evil.test/"),
            "wrong-audience" => Authority.Issue("gov", "government", GovernmentScopes, change: d => d.Audience = "another-api"),
            "alg-none" => TestAuthority.Unsigned(Authority.Issue("gov", "government", GovernmentScopes)),
            "unknown-kid" => new TestAuthority("unknown-key").Issue("gov", "government", GovernmentScopes),
            "other-key-same-kid" => new TestAuthority().Issue("gov", "government", GovernmentScopes),
            "hmac-signed" => Authority.Issue("gov", "government", GovernmentScopes, change: d => d.SigningCredentials =
                new SigningCredentials(new SymmetricSecurityKey(new byte[32]) { KeyId = "test-key-1" }, SecurityAlgorithms.HmacSha256)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("garbage")]
    [InlineData("expired")]
    [InlineData("not-yet-valid")]
    [InlineData("wrong-issuer")]
    [InlineData("wrong-audience")]
    [InlineData("alg-none")]
    [InlineData("unknown-kid")]
    [InlineData("other-key-same-kid")]
    [InlineData("hmac-signed")]
    public async Task AnyMethod_WithoutAValidToken_IsUnauthenticated(string kind)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        var client = ClientFor(harness, BadToken(kind));

        var refused = await RpcAssert.ThrowsAsync(StatusCode.Unauthenticated, () => client.ListCertificatesAsync(new ListCertificatesRequest()).ResponseAsync);
        Assert.Equal("UNAUTHENTICATED", RpcAssert.Reason(refused));
        await RpcAssert.ThrowsAsync(StatusCode.Unauthenticated, () => client.IssueCertificateAsync(CertificateServiceHarness.Issue()).ResponseAsync);
    }

    [Fact]
    public async Task ValidatedToken_IsRememberedAtMostItsMaximumAgeAndNeverPastItsExpiry_AndAChangedSignatureIsValidatedAndRefused()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        var cache = harness.Factory.Services.GetRequiredService<ValidatedTokenCache>();
        var token = Authority.Issue("gov", "government", GovernmentScopes); // expires in 15 minutes
        var client = ClientFor(harness, token);
        async Task CallAsync() => await client.ListCertificatesAsync(new ListCertificatesRequest());

        await CallAsync();
        await CallAsync();
        Assert.Equal((1L, 1L), (cache.Misses, cache.Hits));

        harness.Host.Clock.Advance(TimeSpan.FromSeconds(61)); // past the 60-second maximum age: validated again, then remembered
        await CallAsync();
        await CallAsync();
        Assert.Equal((2L, 2L), (cache.Misses, cache.Hits));

        harness.Host.Clock.Advance(TimeSpan.FromMinutes(15)); // past the token's exp: never served from the cache again
        await CallAsync(); // (the handler still validates on the real clock, where the token has not expired)
        await CallAsync();
        Assert.Equal((4L, 2L, 0), (cache.Misses, cache.Hits, cache.Count));

        var signatureStart = token.LastIndexOf('.') + 1;
        var changed = token[..(signatureStart + 5)] + (token[signatureStart + 5] == 'A' ? 'B' : 'A') + token[(signatureStart + 6)..];
        await RpcAssert.ThrowsAsync(StatusCode.Unauthenticated, () => ClientFor(harness, changed).ListCertificatesAsync(new ListCertificatesRequest()).ResponseAsync);
        Assert.Equal(5L, cache.Misses);
    }

    [Fact]
    public async Task IssueCertificate_WithoutTheIssueScope_IsPermissionDenied()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        var government = ClientFor(harness, Authority.Issue("gov", "government", GovernmentScopes));

        var refused = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => government.IssueCertificateAsync(CertificateServiceHarness.Issue()).ResponseAsync);
        Assert.Equal("MISSING_SCOPE", RpcAssert.Reason(refused));
        Assert.Empty((await harness.Client.ListCertificatesAsync(new ListCertificatesRequest())).Certificates);
    }

    [Fact]
    public async Task RevokeCertificate_WithoutScope_IsPermissionDeniedBeforeNotFound()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        var government = ClientFor(harness, Authority.Issue("gov", "government", GovernmentScopes));

        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => government.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            CertificateNumber = "S000000000000000000000", Reason = "test", Etag = "1",
        }).ResponseAsync);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IssueAndRevoke_ByAnotherOrganisation_ArePermissionDenied(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var owner = ClientFor(harness, Institution(TestAuthority.TestOrganisation));
        var stranger = ClientFor(harness, Institution("91110108MA01ABCD1X"));

        var refused = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => stranger.IssueCertificateAsync(CertificateServiceHarness.Issue()).ResponseAsync);
        Assert.Equal("NOT_THE_ISSUING_ORGANISATION", RpcAssert.Reason(refused));

        var issued = await owner.IssueCertificateAsync(CertificateServiceHarness.Issue());
        var revoke = new RevokeCertificateRequest { CertificateNumber = issued.CertificateNumber, Reason = "fraud", Etag = issued.Etag, RequestId = Guid.NewGuid().ToString() };
        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => stranger.RevokeCertificateAsync(revoke).ResponseAsync);
        var revoked = await owner.RevokeCertificateAsync(revoke);
        Assert.Equal(CertificateStatus.Revoked, revoked.Status);
    }

    [Fact]
    public async Task ImportCertificates_ItemOfAnotherOrganisationsType_IsRejectedAlone()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        var stranger = ClientFor(harness, Institution("91110108MA01ABCD1X"));

        using var call = stranger.ImportCertificates();
        var issue = CertificateServiceHarness.Issue();
        await call.RequestStream.WriteAsync(new ImportCertificatesRequest
        {
            ClientReference = "row-1", RequestId = issue.RequestId, TypeCode = issue.TypeCode, Level = issue.Level, LearnerId = issue.LearnerId,
            HolderName = issue.HolderName, HolderIdNumber = issue.HolderIdNumber, IssuingOrganisation = issue.IssuingOrganisation, IssueDate = issue.IssueDate,
        });
        await call.RequestStream.CompleteAsync();
        var response = await call;

        var result = Assert.Single(response.Results);
        Assert.Equal(ImportOutcome.Invalid, result.Outcome);
        Assert.Contains(result.Violations, v => v.Field == "type_code");
        Assert.Equal(0, response.CreatedCount);
    }

    [Fact]
    public async Task Learner_ReadsOwnRecordsOnly()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001"));
        var learner = ClientFor(harness, Authority.Learner("L0001"));

        var own = await learner.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0001" });
        Assert.NotEmpty(own.Evidence);
        var ownCertificates = await learner.ListCertificatesAsync(new ListCertificatesRequest { LearnerId = "L0001" });
        Assert.Equal("张三", Assert.Single(ownCertificates.Certificates).HolderName);

        var other = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => learner.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0002" }).ResponseAsync);
        Assert.Equal("NOT_THIS_LEARNER_OR_SCOPE", RpcAssert.Reason(other));
        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => learner.ListCertificatesAsync(new ListCertificatesRequest()).ResponseAsync);
        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => learner.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001")).ResponseAsync);
    }

    [Fact]
    public async Task HolderFields_OnlyWithTheHolderScope()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        var issued = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());
        var reader = ClientFor(harness, Authority.Issue("reader", "government", ["certificates.read"]));
        var holderReader = ClientFor(harness, Authority.Issue("gov", "government", GovernmentScopes));

        var plain = await reader.GetCertificateAsync(new GetCertificateRequest { CertificateNumber = issued.CertificateNumber });
        Assert.Equal(string.Empty, plain.HolderName);
        Assert.Equal(string.Empty, plain.HolderIdNumberMasked);
        var listed = await reader.ListCertificatesAsync(new ListCertificatesRequest());
        Assert.All(listed.Certificates, c => Assert.Equal(string.Empty, c.HolderIdNumberMasked + c.HolderName));

        var full = await holderReader.GetCertificateAsync(new GetCertificateRequest { CertificateNumber = issued.CertificateNumber });
        Assert.Equal("张三", full.HolderName);
        Assert.Equal("1101**************", full.HolderIdNumberMasked);
    }

    [Fact]
    public async Task VerifyCertificate_IsPublic_AndLocksANumberAfterRepeatedWrongGuesses()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite,
            new Dictionary<string, string?> { ["Verification:FailuresBeforeLockout"] = "3", ["Verification:Lockout"] = "00:30:00" });
        await harness.CreateTypeAsync();
        var issued = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());
        var anonymous = ClientFor(harness, null);
        VerifyCertificateRequest Verify(string name) => new() { CertificateNumber = issued.CertificateNumber, HolderName = name };

        Assert.Equal(VerificationResult.Valid, (await anonymous.VerifyCertificateAsync(Verify("张三"))).Result);
        for (var guess = 0; guess < 3; guess++)
            Assert.Equal(VerificationResult.NotFound, (await anonymous.VerifyCertificateAsync(Verify("李四" + guess))).Result);

        var locked = await RpcAssert.ThrowsAsync(StatusCode.ResourceExhausted, () => anonymous.VerifyCertificateAsync(Verify("张三")).ResponseAsync);
        Assert.Equal("VERIFICATION_LOCKED", RpcAssert.Reason(locked));
        var retry = locked.GetRpcStatus()!.GetDetail<RetryInfo>();
        Assert.NotNull(retry);
        Assert.True(retry.RetryDelay.ToTimeSpan() > TimeSpan.FromMinutes(29));

        harness.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(VerificationResult.Valid, (await anonymous.VerifyCertificateAsync(Verify("张三"))).Result);
    }

    [Fact]
    public async Task PublicMethods_AreLimitedPerAddress_WithRetryInfo()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite,
            new Dictionary<string, string?> { ["RateLimits:AnonymousPerMinute"] = "3" });
        var anonymous = ClientFor(harness, null);
        var request = new VerifyCertificateRequest { CertificateNumber = "S123", HolderName = "张三" };
        for (var i = 0; i < 3; i++) await anonymous.VerifyCertificateAsync(request);

        var limited = await RpcAssert.ThrowsAsync(StatusCode.ResourceExhausted, () => anonymous.VerifyCertificateAsync(request).ResponseAsync);
        Assert.Equal("RATE_LIMITED", RpcAssert.Reason(limited));
        Assert.NotNull(limited.GetRpcStatus()!.GetDetail<RetryInfo>());
    }

    [Fact]
    public async Task AuthenticatedClients_AreLimitedPerClient_WithRetryInfo()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite,
            new Dictionary<string, string?> { ["RateLimits:PerClientBurst"] = "3", ["RateLimits:PerClientPerSecond"] = "1" });
        var client = ClientFor(harness, Authority.Issue("busy-system", "government", GovernmentScopes));
        var other = ClientFor(harness, Authority.Issue("quiet-system", "government", GovernmentScopes));

        var statuses = new List<StatusCode>();
        for (var i = 0; i < 10; i++)
        {
            try
            {
                await client.ListCertificateTypesAsync(new ListCertificateTypesRequest());
                statuses.Add(StatusCode.OK);
            }
            catch (RpcException refused)
            {
                statuses.Add(refused.StatusCode);
                Assert.NotNull(refused.GetRpcStatus()!.GetDetail<RetryInfo>());
            }
        }
        Assert.Contains(StatusCode.ResourceExhausted, statuses);
        Assert.DoesNotContain(StatusCode.Unavailable, statuses);
        await other.ListCertificateTypesAsync(new ListCertificateTypesRequest()); // another client has its own bucket
    }

    [Fact]
    public async Task StartUp_PlainHttpAuthorityWithHttpsMetadataRequired_Refuses()
    {
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite,
            new Dictionary<string, string?> { ["Auth:RequireHttpsMetadata"] = "true" }));
        Assert.Contains("https://", refused.ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;
}
