using ChongqingVet.Common.V1;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.Profile.V1;

namespace ChongqingVet.Gateway.Tests;

/// <summary>
/// The transcript and the skill gap look things up in batches: the number of backend calls does not grow with the
/// number of courses, competitions or requirements (beyond one call per batch of 100).
/// </summary>
public class FanOutTests
{
    [Theory]
    [InlineData(3, 2, 1, 1)]
    [InlineData(99, 60, 1, 1)]
    [InlineData(150, 100, 2, 1)]
    public async Task GetTranscript_ManyOutsideCoursesAndAwards_OneBatchCallPerHundred(int outsideCourses, int awards, int courseBatches, int competitionBatches)
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Courses.OutsideCourses = outsideCourses;
        fakes.Competitions.AwardedResults = awards;
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var transcript = await gateway.Client.GetTranscriptAsync(new GetTranscriptRequest { LearnerId = "L0001", MajorCode = "460301" });

        Assert.Equal(courseBatches, fakes.Courses.BatchGetCalls);
        Assert.Equal(competitionBatches, fakes.Competitions.BatchGetCalls);
        Assert.Equal(0, fakes.Courses.MaxInFlight); // no GetCourse per course
        Assert.Equal(outsideCourses + 1, transcript.Courses.Count);
        Assert.All(transcript.Courses.Where(c => c.CourseCode.StartsWith("OUT-", StringComparison.Ordinal)), c =>
        {
            Assert.Equal("课程" + c.CourseCode, c.CourseName);
            Assert.Equal(2, c.Credits);
        });
    }

    [Fact]
    public async Task GetLearnerProfile_BackendCalls_WriteNoHttpClientRequestLogs()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var profile = await gateway.Client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "L0001" });

        Assert.Empty(profile.Unreachable);
        Assert.NotEmpty(profile.Skills);
        // IHttpClientFactory's handlers would log four lines per backend call ("Start processing HTTP request" …).
        Assert.DoesNotContain(gateway.Factory.Logs.Records, record => record.Contains(" System.Net.Http.HttpClient.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    public async Task GetSkillGap_ManyUnmetRequirements_OneCatalogListCallPerBackend(int requirements)
    {
        await using var fakes = await FakeBackends.StartAsync();
        var posting = new JobPosting { Id = "P-1", Title = "运维" };
        for (var i = 0; i < requirements; i++)
        {
            var code = $"SK-{i:D3}";
            posting.Requirements.Add(new Requirement { SkillCode = code, MinLevel = SkillLevel._3Advanced, Weight = 1 });
            if (i % 2 == 0) fakes.Certificates.Offered.Add(code);
            fakes.Courses.Offered.Add(code);
            fakes.Competitions.Offered.Add(code);
            fakes.JobPostings.CatalogCodes.Add(code);
        }
        fakes.JobPostings.Postings.Add(posting);
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var gap = await gateway.Client.GetSkillGapAsync(new GetSkillGapRequest { LearnerId = "L0001", PostingId = "P-1" });

        Assert.Equal(requirements, gap.Gaps.Count);
        Assert.Equal(1, fakes.Courses.CatalogListCalls);
        Assert.Equal(1, fakes.Certificates.CatalogListCalls);
        Assert.Equal(1, fakes.Competitions.CatalogListCalls);
        Assert.Equal(1, fakes.JobPostings.ListSkillsCalls); // names and successors from the gateway's copy of the catalog
        Assert.Equal(1, fakes.JobPostings.BatchGetSkillsCalls); // only PLC-PROG, which the catalog does not know
        Assert.All(gap.Gaps, g =>
        {
            var number = int.Parse(g.SkillCode[3..], System.Globalization.CultureInfo.InvariantCulture);
            // Each gap gets the offers for its own skill only, from the shared lists.
            var expected = number % 2 == 0
                ? new[] { RecommendationKind.Course, RecommendationKind.CertificateType, RecommendationKind.CompetitionEvent }
                : [RecommendationKind.Course, RecommendationKind.CompetitionEvent];
            Assert.Equal(expected, g.Recommendations.Select(r => r.Kind));
            Assert.All(g.Recommendations, r => Assert.EndsWith(g.SkillCode, r.Id));
            Assert.Equal("技能" + g.SkillCode, g.SkillName);
        });
    }
}
