using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.TestKit.Grpc;

namespace ChongqingVet.JobPostings.Tests;

/// <summary>The job postings service's writes emit their changes (the feed's behaviour is tested once, on the certificates service).</summary>
public class JobPostingChangeFeedTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task Writes_EmitChanges_InCommitOrder(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateSkillAsync("IR-OPS2");
        var employer = await harness.CreateEmployerAsync();
        var posting = await harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS", SkillLevel._4Intermediate, 1, true)));
        await harness.Client.CloseJobPostingAsync(new CloseJobPostingRequest { RequestId = Guid.NewGuid().ToString(), Id = posting.Id, Etag = posting.Etag });
        var placement = await harness.Client.RecordPlacementAsync(new RecordPlacementRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Placement = new Placement
            {
                LearnerId = "L0001", EmployerCreditCode = employer.CreditCode, Status = PlacementStatus.InProgress,
                StartDate = new DateOnly(2026, 3, 1).ToProtoDate(), EndDate = new DateOnly(2026, 8, 31).ToProtoDate(),
            },
        });
        await harness.Client.DeprecateSkillAsync(new DeprecateSkillRequest { RequestId = Guid.NewGuid().ToString(), Code = "IR-OPS", SuccessorCode = "IR-OPS2" });

        var (changes, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel());

        Assert.Equal(
            [("skills/IR-OPS", "CREATED"), ("skills/IR-OPS2", "CREATED"), ("employers/" + employer.CreditCode, "CREATED"),
                ("jobPostings/" + posting.Id, "OPENED"), ("jobPostings/" + posting.Id, "CLOSED"), ("placements/" + placement.Id, "RECORDED"),
                ("skills/IR-OPS", "DEPRECATED")],
            changes.Select(c => (c.ResourceName, c.Kind)));
        Assert.Equal("JOB_POSTING_STATUS_CLOSED", changes[4].State.Fields["status"].StringValue);
        Assert.Equal("L0001", changes[5].State.Fields["learnerId"].StringValue);
        Assert.Equal(JobPosting.Descriptor.FullName, changes[3].ResourceType);
    }
}
