using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.TestKit.Grpc;

namespace ChongqingVet.JobPostings.Tests;

/// <summary>Enum values and placement dates out of range are INVALID_ARGUMENT naming the field.</summary>
public class JobPostingInputTests
{
    [Fact]
    public async Task ListJobPostings_UndefinedStatus_IsInvalidArgument()
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(DatabaseProvider.Sqlite);

        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListJobPostingsAsync(new ListJobPostingsRequest { Status = (JobPostingStatus)77 }).ResponseAsync, "status");
        await harness.Client.ListJobPostingsAsync(new ListJobPostingsRequest { Status = JobPostingStatus.Open });
    }

    [Fact]
    public async Task RecordPlacement_StartInTheFutureOrBefore1949_IsInvalidArgument()
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        var employer = await harness.CreateEmployerAsync();
        var today = DateOnly.FromDateTime(harness.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).DateTime); // the injected clock
        Placement Placement(DateOnly start, DateOnly end, PlacementStatus status) => new()
        {
            LearnerId = "L0001", EmployerCreditCode = employer.CreditCode, Status = status,
            StartDate = start.ToProtoDate(), EndDate = end.ToProtoDate(),
        };

        await RpcAssert.InvalidArgumentAsync(() => harness.Client.RecordPlacementAsync(new RecordPlacementRequest
        {
            RequestId = Guid.NewGuid().ToString(), Placement = Placement(today.AddDays(10), today.AddDays(100), PlacementStatus.InProgress),
        }).ResponseAsync, "placement.start_date");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.RecordPlacementAsync(new RecordPlacementRequest
        {
            RequestId = Guid.NewGuid().ToString(), Placement = Placement(new DateOnly(1900, 1, 1), new DateOnly(1900, 6, 1), PlacementStatus.Completed),
        }).ResponseAsync, "placement.start_date", "placement.end_date");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.RecordPlacementAsync(new RecordPlacementRequest
        {
            RequestId = Guid.NewGuid().ToString(), Placement = Placement(today.AddDays(-10), today.AddDays(10), PlacementStatus.Completed),
        }).ResponseAsync, "placement.end_date"); // completed, but ending in the future
        // In progress with a planned end is fine.
        await harness.Client.RecordPlacementAsync(new RecordPlacementRequest
        {
            RequestId = Guid.NewGuid().ToString(), Placement = Placement(today.AddDays(-10), today.AddDays(100), PlacementStatus.InProgress),
        });
    }
}
