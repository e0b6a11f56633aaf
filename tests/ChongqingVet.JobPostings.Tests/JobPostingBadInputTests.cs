using ChongqingVet.Audit.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.TestKit.Grpc;
using Google.Protobuf;
using Xunit.Abstractions;

namespace ChongqingVet.JobPostings.Tests;

/// <summary>The bad-input battery (generated from the protos) over every unary method of the service and its audit service.</summary>
public class JobPostingBadInputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryBadInput_IsAClearStatus_AndLogsNoStackTrace()
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["RateLimits:PerClientBurst"] = "1000000",
            ["RateLimits:PerClientPerSecond"] = "1000000",
        });
        await harness.CreateSkillAsync("PLC-PROG");
        await harness.CreateEmployerAsync();
        var posting = await harness.CreatePostingAsync(harness.NewPosting("电气工程师", ("PLC-PROG", SkillLevel._3Advanced, 1, true)));
        var baselines = new Dictionary<string, IMessage>
        {
            ["CreateSkill"] = new CreateSkillRequest { RequestId = Guid.NewGuid().ToString(), Skill = JobPostingServiceHarness.NewSkill("HMI-CONF") },
            ["CreateJobPosting"] = new CreateJobPostingRequest { RequestId = Guid.NewGuid().ToString(), JobPosting = harness.NewPosting("运维工程师", ("PLC-PROG", SkillLevel._4Intermediate, 1, false)) },
            ["GetJobPosting"] = new GetJobPostingRequest { Id = posting.Id },
            ["UpdateJobPosting"] = new UpdateJobPostingRequest { RequestId = Guid.NewGuid().ToString(), JobPosting = posting, UpdateMask = new() { Paths = { "title", "valid_through" } } },
        };

        var report = await BadInputBattery.RunAsync(harness.Factory.CreateChannel().CreateCallInvoker(),
            [JobPostingService.Descriptor, AuditService.Descriptor], harness.Factory.Logs, baselines);

        output.WriteLine(report.Summary("job postings"));
        Assert.True(report.MethodCount >= 20, $"only {report.MethodCount} methods");
        Assert.False(report.Failures.Any(), report.FailureMessage());
    }
}
