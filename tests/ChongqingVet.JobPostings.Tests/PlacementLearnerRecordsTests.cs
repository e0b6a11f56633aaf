using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Grpc.Core;

namespace ChongqingVet.JobPostings.Tests;

/// <summary>ListLearnerRecords (the common learner-record contract): placements and the evidence completed ones give, paged together.</summary>
public class PlacementLearnerRecordsTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    /// <summary>L0001: a completed placement rated on two skills, then one in progress (rated, but it gives no evidence yet).</summary>
    private static async Task<(Placement Completed, Placement InProgress)> RecordPlacementsAsync(JobPostingServiceHarness harness)
    {
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateSkillAsync("IR-PROG");
        var employer = await harness.CreateEmployerAsync();
        var completed = await harness.Client.RecordPlacementAsync(new RecordPlacementRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Placement = new Placement
            {
                LearnerId = "L0001", EmployerCreditCode = employer.CreditCode, Status = PlacementStatus.Completed,
                StartDate = new DateOnly(2026, 3, 1).ToProtoDate(), EndDate = new DateOnly(2026, 8, 31).ToProtoDate(),
                Ratings =
                {
                    new SkillRating { SkillCode = "IR-PROG", Level = SkillLevel._4Intermediate },
                    new SkillRating { SkillCode = "IR-OPS", Level = SkillLevel._3Advanced },
                },
            },
        });
        var inProgress = await harness.Client.RecordPlacementAsync(new RecordPlacementRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Placement = new Placement
            {
                LearnerId = "L0001", EmployerCreditCode = employer.CreditCode, Status = PlacementStatus.InProgress,
                StartDate = new DateOnly(2026, 9, 1).ToProtoDate(), EndDate = new DateOnly(2027, 2, 28).ToProtoDate(),
                Ratings = { new SkillRating { SkillCode = "IR-OPS", Level = SkillLevel._2Technician } },
            },
        });
        return (completed, inProgress);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListLearnerRecords_PagedOneByOne_RecordsAreThePlacementsAndOnlyTheCompletedOneGivesEvidence(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        var (completed, inProgress) = await RecordPlacementsAsync(harness);

        var (records, evidence, pages) = await LearnerRecordPages.ReadAllAsync(
            request => harness.Client.ListLearnerRecordsAsync(request).ResponseAsync, "L0001", pageSize: 1);

        Assert.Equal(2, pages);
        Assert.Equal(new[] { completed.Id, inProgress.Id }.Order(), records.Select(r => r.Record.Unpack<Placement>().Id).Order());
        var listed = await harness.Client.ListPlacementsAsync(new ListPlacementsRequest { LearnerId = "L0001" });
        Assert.Equal(listed.Placements, records.Select(r => r.Record.Unpack<Placement>()));
        Assert.All(records, r => Assert.Equal(EvidenceSourceKind.Placement, r.Kind));
        var superseded = await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0001" });
        Assert.Equal(superseded.Evidence, evidence);
        Assert.Equal([("IR-OPS", SkillLevel._3Advanced), ("IR-PROG", SkillLevel._4Intermediate)], evidence.Select(e => (e.SkillCode, e.Level)));
        Assert.All(evidence, e => Assert.Equal("placements/" + completed.Id, e.SourceName));
    }

    [Fact]
    public async Task ListLearnerRecords_Learner_ReadsOwnButNotAnothers()
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await RecordPlacementsAsync(harness);
        var learner = new JobPostingService.JobPostingServiceClient(harness.Factory.CreateChannel(TestAuthority.Shared.Learner("L0001")));

        Assert.Equal(2, (await learner.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0001" })).Records.Count);
        var other = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => learner.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0002" }).ResponseAsync);
        Assert.Equal("NOT_THIS_LEARNER_OR_SCOPE", RpcAssert.Reason(other));
    }
}
