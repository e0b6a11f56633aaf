using ChongqingVet.Profile.V1;

namespace ChongqingVet.Gateway.Tests;

/// <summary>Sections cut at the gateway's read limit say so (truncated_sections) instead of looking complete.</summary>
public class ProfileTruncationTests
{
    private static GetLearnerProfileRequest Learner => new() { LearnerId = "L0001" };

    [Fact]
    public async Task GetLearnerProfile_AllRecordsOnOnePage_MarksNothing()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var profile = await gateway.Client.GetLearnerProfileAsync(Learner);

        Assert.Empty(profile.TruncatedSections);
    }

    [Fact]
    public async Task GetLearnerProfile_BackendsWithMoreThanTheRecordLimit_MarkTheirSectionsTruncated()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Certificates.RecordPages = 2;
        fakes.Certificates.RecordsPerPage = 150; // 300 records over two pages: all read, 200 shown
        fakes.JobPostings.RecordPages = 2;
        fakes.JobPostings.RecordsPerPage = 101;
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var profile = await gateway.Client.GetLearnerProfileAsync(Learner);

        Assert.Equal(["certificates", "placements"], profile.TruncatedSections);
        Assert.Equal(200, profile.Certificates.Count); // what fits is still shown, in the backend's order
        Assert.Equal("S1", profile.Certificates[0].CertificateNumber);
        Assert.Equal(200, profile.Placements.Count);
        Assert.Equal(2, fakes.Certificates.RecordCalls);
    }

    [Fact]
    public async Task GetLearnerProfile_RecordsOnTwoPagesWithinTheLimit_ReadsBothAndMarksNothing()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Courses.RecordPages = 2;
        fakes.Courses.RecordsPerPage = 100;
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var profile = await gateway.Client.GetLearnerProfileAsync(Learner);

        Assert.Empty(profile.TruncatedSections);
        Assert.Equal(200, profile.Courses.Count);
        Assert.Equal(2, fakes.Courses.RecordCalls); // one call per page
    }

    [Fact]
    public async Task GetLearnerProfile_PagesBeyondThePageLimit_MarkSkillsAndTheSectionTruncated()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Courses.RecordPagesNeverEnd = true;
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var profile = await gateway.Client.GetLearnerProfileAsync(Learner);

        Assert.Equal(["skills", "courses"], profile.TruncatedSections);
        Assert.Equal(10, fakes.Courses.RecordCalls); // the gateway stopped at its 10-page limit
        Assert.Equal(10, profile.Courses.Count); // one record per page was read and shown
    }
}
