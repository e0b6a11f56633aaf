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
    public async Task GetLearnerProfile_BackendsWithMoreThanOnePage_MarkTheirSectionsTruncated()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Certificates.RecordsNextPageToken = "next";
        fakes.JobPostings.RecordsNextPageToken = "next";
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var profile = await gateway.Client.GetLearnerProfileAsync(Learner);

        Assert.Equal(["certificates", "placements"], profile.TruncatedSections);
        Assert.Single(profile.Certificates); // what was read is still shown
    }

    [Fact]
    public async Task GetLearnerProfile_EvidenceBeyondThePageLimit_MarksSkillsTruncated()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Courses.EvidenceNeverEnds = true;
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var profile = await gateway.Client.GetLearnerProfileAsync(Learner);

        Assert.Equal(["skills"], profile.TruncatedSections);
        Assert.Equal(10, fakes.Courses.EvidenceCalls); // the gateway stopped at its 10-page limit
    }
}
