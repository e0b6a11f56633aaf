using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChongqingVet.Suite.Tests;

/// <summary>
/// GET /v1/learners/{id}/clr against the real suite: a CLR 2.0 ClrCredential signed by the gateway, verifiable with the
/// gateway's published JWKS, holding exactly the learner's active records.
/// </summary>
[Collection(SuiteCollection.Name)]
public partial class LearnerRecordExportTests(SuiteFixture suite)
{
    /// <summary>An 18-character ID number standing alone (certificate numbers hold longer runs of digits).</summary>
    [GeneratedRegex(@"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")]
    private static partial Regex IdNumberPattern();

    private static JsonElement Payload(string jws) =>
        JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jws.Split('.')[1])).RootElement.Clone();

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static TokenValidationParameters Validation(string jwks) => new()
    {
        IssuerSigningKeys = new JsonWebKeySet(jwks).GetSigningKeys(),
        ValidateIssuer = false,
        ValidateAudience = false,
        ValidateLifetime = false,
        ValidAlgorithms = ["ES256", "RS256"],
    };

    [Fact]
    public async Task Clr_IsSignedByTheGateway_VerifiesWithItsJwks_AndHoldsExactlyTheLearnersActiveRecords()
    {
        using var http = suite.CreateHttpClient();
        var checkedLearners = 0;
        foreach (var learner in new[] { "L0001", "L0002", "L0003", "L0007" })
        {
            var profile = await GetJsonAsync(http, $"/v1/learners/{learner}/profile");
            var transcript = await GetJsonAsync(http, $"/v1/learners/{learner}/transcript?majorCode=460301");
            var export = await GetJsonAsync(http, $"/v1/learners/{learner}/clr");
            var jwks = await http.GetStringAsync("/.well-known/jwks.json");

            // The signature, with Microsoft.IdentityModel (not the code that signed it) and the gateway's published keys.
            var jws = export.GetProperty("credential").GetString()!;
            var handler = new JsonWebTokenHandler();
            var verified = await handler.ValidateTokenAsync(jws, Validation(jwks));
            Assert.True(verified.IsValid, $"the CLR does not verify: {verified.Exception?.Message}");
            Assert.Equal(export.GetProperty("keyId").GetString(), ((JsonWebToken)verified.SecurityToken).Kid);

            var clr = Payload(jws);
            Assert.Equal(["VerifiableCredential", "ClrCredential"], clr.GetProperty("type").EnumerateArray().Select(t => t.GetString()));
            var subject = clr.GetProperty("credentialSubject");
            Assert.EndsWith($"/learners/{learner}", subject.GetProperty("id").GetString());
            var held = subject.GetProperty("verifiableCredential").EnumerateArray().ToList();

            // Certificates: exactly the active ones of the profile, each its own signed credential that verifies too.
            var active = profile.TryGetProperty("certificates", out var certificates)
                ? certificates.EnumerateArray().Where(c => c.GetProperty("status").GetString() == "CERTIFICATE_STATUS_ACTIVE")
                    .Select(c => c.GetProperty("certificateNumber").GetString()!).Order(StringComparer.Ordinal).ToList()
                : [];
            var enveloped = held.Where(c => c.GetProperty("type").ValueKind == JsonValueKind.String && c.GetProperty("type").GetString() == "EnvelopedVerifiableCredential")
                .Select(c => c.GetProperty("id").GetString()!["data:application/vc+jwt,".Length..]).ToList();
            var numbers = new List<string>();
            foreach (var inner in enveloped)
            {
                var innerResult = await handler.ValidateTokenAsync(inner, Validation(jwks));
                Assert.True(innerResult.IsValid, $"a bundled certificate credential does not verify: {innerResult.Exception?.Message}");
                numbers.Add(Uri.UnescapeDataString(Payload(inner).GetProperty("id").GetString()!.Split("/credentials/")[1]));
            }
            Assert.Equal(active, numbers.Order(StringComparer.Ordinal).ToList());
            Assert.Equal(active.Count, export.GetProperty("certificateCount").GetInt32());

            // Awards: every awarded (not participation) result of the profile, and nothing else.
            var awards = profile.TryGetProperty("awards", out var profileAwards)
                ? profileAwards.EnumerateArray().Where(a => a.GetProperty("awardGrade").GetString() is not ("AWARD_GRADE_PARTICIPATION" or "AWARD_GRADE_UNSPECIFIED"))
                    .Select(a => a.GetProperty("resultId").GetString()!).Order(StringComparer.Ordinal).ToList()
                : [];
            var heldAwards = Assertions(held, "Award").Select(a => Uri.UnescapeDataString(a.GetProperty("id").GetString()!.Split("/awards/")[1])).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(awards, heldAwards);

            // Courses: the transcript's passed courses.
            var passed = transcript.TryGetProperty("courses", out var courses) ? courses.EnumerateArray().Count(c => c.TryGetProperty("passed", out var p) && p.GetBoolean()) : 0;
            var heldCourses = Assertions(held, "Course").ToList();
            Assert.Equal(passed, heldCourses.Count);
            Assert.All(heldCourses.Concat(Assertions(held, "Award")), a => Assert.NotEmpty(a.GetProperty("evidence").EnumerateArray()));

            // No ID number anywhere, not even inside the bundled certificate credentials.
            var everything = clr.GetRawText() + string.Concat(enveloped.Select(e => Payload(e).GetRawText()));
            Assert.DoesNotMatch(IdNumberPattern(), everything);
            if (active.Count + awards.Count + passed > 0) checkedLearners++;
        }
        Assert.True(checkedLearners >= 2, "the sample learners checked should have records");
    }

    private static IEnumerable<JsonElement> Assertions(List<JsonElement> held, string achievementType) =>
        held.Where(c => c.GetProperty("type").ValueKind == JsonValueKind.Array
                        && c.GetProperty("credentialSubject").GetProperty("achievement").GetProperty("achievementType").GetString() == achievementType);

    [Fact]
    public async Task Clr_Anonymous401_AndACallerWithoutCertificatesRead403()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(suite.GatewayHttp) };
        using (var response = await anonymous.GetAsync("/v1/learners/L0001/clr")) Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        // profiles.read alone: the certificates service refuses the signed certificates, so no record is issued.
        using var tokenClient = new HttpClient();
        var token = await SuiteFixture.GetTokenAsync(tokenClient, "gov-system", "gov-system-dev-secret", "profiles.read catalog.read");
        using var reader = new HttpClient { BaseAddress = new Uri(suite.GatewayHttp) };
        reader.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var refused = await reader.GetAsync("/v1/learners/L0001/clr");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
