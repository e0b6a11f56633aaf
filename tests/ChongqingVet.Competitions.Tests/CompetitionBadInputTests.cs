using ChongqingVet.Audit.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;
using Google.Protobuf;
using Xunit.Abstractions;
using H = ChongqingVet.Competitions.Tests.CompetitionServiceHarness;

namespace ChongqingVet.Competitions.Tests;

/// <summary>The bad-input battery (generated from the protos) over every unary method of the service and its audit service.</summary>
public class CompetitionBadInputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryBadInput_IsAClearStatus_AndLogsNoStackTrace()
    {
        await using var harness = await H.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["RateLimits:PerClientBurst"] = "1000000",
            ["RateLimits:PerClientPerSecond"] = "1000000",
        });
        var competition = await harness.CreateCompetitionAsync();
        var individual = await harness.CreateEventAsync(H.IndividualEvent(competition.Id));
        var result = await harness.Client.RecordResultAsync(H.Individual(individual, "L0001"));
        var baselines = new Dictionary<string, IMessage>
        {
            ["CreateCompetition"] = new CreateCompetitionRequest { RequestId = Guid.NewGuid().ToString(), Competition = H.NewCompetition() },
            ["GetCompetition"] = new GetCompetitionRequest { Id = competition.Id },
            ["UpdateCompetition"] = new UpdateCompetitionRequest { RequestId = Guid.NewGuid().ToString(), Competition = competition, UpdateMask = new() { Paths = { "name" } } },
            ["CreateEvent"] = new CreateEventRequest { RequestId = Guid.NewGuid().ToString(), Event = H.TeamEvent(competition.Id, "ZZ099") },
            ["GetEvent"] = new GetEventRequest { CompetitionId = competition.Id, Code = individual.Code },
            ["RecordResult"] = H.Individual(individual, "L0002", rank: 2),
            ["UpdateResult"] = new UpdateResultRequest { RequestId = Guid.NewGuid().ToString(), Result = result, UpdateMask = new() { Paths = { "score" } } },
        };

        var report = await BadInputBattery.RunAsync(harness.Factory.CreateChannel().CreateCallInvoker(),
            [CompetitionService.Descriptor, AuditService.Descriptor], harness.Factory.Logs, baselines);

        output.WriteLine(report.Summary("competitions"));
        Assert.True(report.MethodCount >= 15, $"only {report.MethodCount} methods");
        Assert.False(report.Failures.Any(), report.FailureMessage());
    }
}
