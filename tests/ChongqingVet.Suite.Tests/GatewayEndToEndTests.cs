using System.Text.Json;

namespace ChongqingVet.Suite.Tests;

/// <summary>
/// The gateway against the four real services (separate processes, real HTTP/2, SQLite, sample data): profile,
/// job matching, skill gap and transcript for a learner who has a certificate, an award, a course and a placement.
/// </summary>
[Collection(SuiteCollection.Name)]
public class GatewayEndToEndTests(SuiteFixture suite)
{
    private static readonly string[] AllKinds =
    [
        "EVIDENCE_SOURCE_KIND_CERTIFICATE", "EVIDENCE_SOURCE_KIND_COMPETITION", "EVIDENCE_SOURCE_KIND_COURSE", "EVIDENCE_SOURCE_KIND_PLACEMENT",
    ];

    private async Task<(string LearnerId, JsonElement Profile)> LearnerWithAllFourKindsAsync(HttpClient http)
    {
        foreach (var learner in Enumerable.Range(1, 49).Select(i => $"L{i:D4}"))
        {
            var profile = JsonDocument.Parse(await http.GetStringAsync($"/v1/learners/{learner}/profile")).RootElement;
            var kinds = profile.GetProperty("skills").EnumerateArray()
                .SelectMany(s => s.GetProperty("evidence").EnumerateArray()).Select(e => e.GetProperty("sourceKind").GetString()).ToHashSet();
            if (AllKinds.All(kinds.Contains)) return (learner, profile);
        }
        throw new Xunit.Sdk.XunitException("no sample learner has evidence of all four kinds");
    }

    [Fact]
    public async Task Profile_MatchGapAndTranscript_ComeFromAllFourServices()
    {
        using var http = suite.CreateHttpClient();
        var (learner, profile) = await LearnerWithAllFourKindsAsync(http);

        foreach (var skill in profile.GetProperty("skills").EnumerateArray())
        {
            var confidence = skill.GetProperty("confidence").GetDouble();
            Assert.InRange(confidence, 0.0001, 1);
            Assert.False(string.IsNullOrEmpty(skill.GetProperty("explanation").GetString()));
            Assert.True(skill.GetProperty("knownInCatalog").GetBoolean(), skill.GetProperty("skillCode").GetString());
        }
        Assert.NotEmpty(profile.GetProperty("certificates").EnumerateArray());
        Assert.NotEmpty(profile.GetProperty("awards").EnumerateArray());
        Assert.NotEmpty(profile.GetProperty("courses").EnumerateArray());

        using var matches = JsonDocument.Parse(await http.GetStringAsync($"/v1/learners/{learner}/job-matches?page_size=5"));
        var list = matches.RootElement.GetProperty("matches").EnumerateArray().ToArray();
        Assert.Equal(5, list.Length);
        var scores = list.Select(m => (Essential: m.TryGetProperty("hasUnmetEssential", out var e) && e.GetBoolean(), Score: m.TryGetProperty("score", out var s) ? s.GetDouble() : 0)).ToArray();
        for (var i = 1; i < scores.Length; i++)
            Assert.True(scores[i - 1].Essential == scores[i].Essential ? scores[i - 1].Score >= scores[i].Score : !scores[i - 1].Essential, "ranking order");

        var postingWithGap = list.First(m => m.TryGetProperty("unmet", out var unmet) && unmet.GetArrayLength() > 0).GetProperty("postingId").GetString();
        using var gap = JsonDocument.Parse(await http.GetStringAsync($"/v1/learners/{learner}/skill-gaps/{postingWithGap}"));
        var gaps = gap.RootElement.GetProperty("gaps").EnumerateArray().ToArray();
        Assert.NotEmpty(gaps);
        Assert.Contains(gaps, g => g.TryGetProperty("recommendations", out var r) && r.GetArrayLength() > 0);

        using var transcript = JsonDocument.Parse(await http.GetStringAsync($"/v1/learners/{learner}/transcript?major_code=460301"));
        Assert.NotEmpty(transcript.RootElement.GetProperty("courses").EnumerateArray());
        Assert.False(transcript.RootElement.TryGetProperty("unreachable", out var unreachable) && unreachable.GetArrayLength() > 0);
    }
}
