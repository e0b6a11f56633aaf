using ChongqingVet.TestKit.Security;
using System.Net;
using System.Text.Json;
using ChongqingVet.Common.V1;
using ChongqingVet.Profile.V1;
using ChongqingVet.TestKit.Grpc;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;

namespace ChongqingVet.Gateway.Tests;

public class GatewayFaultTests
{
    private static GetLearnerProfileRequest Learner => new() { LearnerId = "L0001" };

    [Fact]
    public async Task GetLearnerProfile_AllBackendsHealthy_MergesFourSourcesAndNamesSkills()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var profile = await gateway.Client.GetLearnerProfileAsync(Learner);

        Assert.Empty(profile.Unreachable);
        Assert.Equal(["IR-PROG", "IR-OPS", "PLC-PROG"], profile.Skills.Select(s => s.SkillCode));
        var irOps = profile.Skills.Single(s => s.SkillCode == "IR-OPS");
        Assert.Equal(SkillLevel._3Advanced, irOps.Level); // certificate 三级 outranks the course's 四级
        Assert.Equal(2, irOps.Evidence.Count);
        Assert.Equal("技能IR-OPS", irOps.SkillName);
        Assert.True(irOps.KnownInCatalog);
        Assert.False(profile.Skills.Single(s => s.SkillCode == "PLC-PROG").KnownInCatalog);
        Assert.Single(profile.Certificates);
        Assert.Single(profile.Awards);
        Assert.Single(profile.Courses);
    }

    [Fact]
    public async Task GetLearnerProfile_OneBackendUnavailable_RetriesThenReturnsPartialProfile()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Certificates.Fail = StatusCode.Unavailable;
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?> { ["Resilience:certificates:MaxRetryAttempts"] = "3" });

        var profile = await gateway.Client.GetLearnerProfileAsync(Learner);

        Assert.Equal(["certificates"], profile.Unreachable);
        Assert.Equal(4, fakes.Certificates.RecordCalls); // first attempt + 3 retries
        Assert.Empty(profile.Certificates);
        Assert.Equal(SkillLevel._4Intermediate, profile.Skills.Single(s => s.SkillCode == "IR-OPS").Level);
    }

    [Fact]
    public async Task GetLearnerProfile_BackendSlowerThanAttemptTimeout_AttemptEndsOnTheClockAndSectionIsListed()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Competitions.Hangs = true;
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?> { ["Resilience:competitions:AttemptTimeout"] = "00:00:00.300" });

        var call = gateway.Client.GetLearnerProfileAsync(Learner).ResponseAsync;
        await WaitUntilAsync(() => fakes.Competitions.RecordCalls == 1, call);
        Assert.False(call.IsCompleted); // the backend never answers: only the attempt timeout, on the gateway's clock, ends it

        gateway.Clock.Advance(TimeSpan.FromMilliseconds(300));
        var profile = await call.WaitAsync(Guard);

        Assert.Equal(["competitions"], profile.Unreachable);
        Assert.Equal(1, fakes.Competitions.RecordCalls); // a timeout is not retried
        await WaitUntilAsync(() => Volatile.Read(ref fakes.Competitions.CancelledCalls) == 1); // the abandoned attempt was cancelled downstream
    }

    [Fact]
    public async Task GetLearnerProfile_BackendRejectsRequest_IsNotRetriedAndPassesThrough()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Courses.Fail = StatusCode.InvalidArgument;
        await using var gateway = GatewayHarness.Start(fakes.Handlers);

        var exception = await Assert.ThrowsAsync<RpcException>(() => gateway.Client.GetLearnerProfileAsync(Learner).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, exception.StatusCode);
        Assert.Equal(1, fakes.Courses.RecordCalls);
    }

    [Fact]
    public async Task GetLearnerProfile_RepeatedFailuresAtLowRate_OpenBreakerThenCloseAfterRecovery()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.JobPostings.Fail = StatusCode.Unavailable;
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?>
        {
            ["Resilience:jobpostings:MaxRetryAttempts"] = "0",
            ["Resilience:jobpostings:BreakerMinimumThroughput"] = "3",
            ["Resilience:jobpostings:BreakerBreakDuration"] = "00:00:01",
        });

        for (var i = 0; i < 3; i++) Assert.Contains("jobpostings", (await gateway.Client.GetLearnerProfileAsync(Learner)).Unreachable);
        var callsWhenOpened = fakes.JobPostings.RecordCalls;
        for (var i = 0; i < 3; i++) Assert.Contains("jobpostings", (await gateway.Client.GetLearnerProfileAsync(Learner)).Unreachable);
        Assert.Equal(callsWhenOpened, fakes.JobPostings.RecordCalls); // open: no call reaches the backend

        fakes.JobPostings.Fail = null;
        gateway.Clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Contains("jobpostings", (await gateway.Client.GetLearnerProfileAsync(Learner)).Unreachable);
        Assert.Equal(callsWhenOpened, fakes.JobPostings.RecordCalls); // still open just before the break duration ends

        gateway.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var recovered = await gateway.Client.GetLearnerProfileAsync(Learner);
        Assert.Empty(recovered.Unreachable);
        Assert.True(fakes.JobPostings.RecordCalls > callsWhenOpened);
    }

    [Fact]
    public async Task GetLearnerProfile_CallerDeadlineAndCancellation_PropagateDownstream()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);
        fakes.Courses.Hangs = true;

        // Far from the attempt timeout (1 s on the fake clock, which does not move here) and from any default.
        var deadline = DateTime.UtcNow.AddMinutes(5);
        using var cancellation = new CancellationTokenSource();
        var call = gateway.Client.GetLearnerProfileAsync(Learner, deadline: deadline, cancellationToken: cancellation.Token).ResponseAsync;
        await WaitUntilAsync(() => fakes.Courses.RecordCalls == 1, call);

        // Without propagation the downstream call would have no deadline at all (DateTime.MaxValue). The deadline travels
        // as a remaining duration (grpc-timeout), so it arrives within transit and rounding of the caller's.
        Assert.NotNull(fakes.Courses.LastDeadline);
        Assert.InRange(fakes.Courses.LastDeadline.Value, deadline.AddSeconds(-1), deadline.AddSeconds(1));

        // The caller gives up: the call ends as cancelled and so does the downstream call.
        await cancellation.CancelAsync();
        var exception = await Assert.ThrowsAsync<RpcException>(() => call.WaitAsync(Guard));
        Assert.Equal(StatusCode.Cancelled, exception.StatusCode);
        await WaitUntilAsync(() => Volatile.Read(ref fakes.Courses.CancelledCalls) == 1);
    }

    [Fact]
    public async Task GetLearnerProfile_AllBackendsUnavailable_IsUnavailable()
    {
        await using var fakes = await FakeBackends.StartAsync();
        foreach (var script in new[] { fakes.Certificates, fakes.Competitions, fakes.Courses, fakes.JobPostings }) script.Fail = StatusCode.Unavailable;
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?> { ["Resilience:Defaults:MaxRetryAttempts"] = "0" });

        await RpcAssertUnavailable(() => gateway.Client.GetLearnerProfileAsync(Learner).ResponseAsync);
    }

    [Fact]
    public async Task GetLearnerProfile_MalformedLearnerId_IsInvalidArgumentWithFieldViolation()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);
        await RpcAssert.InvalidArgumentAsync(() => gateway.Client.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = "bad/id" }).ResponseAsync, "learner_id");
        Assert.Equal(0, fakes.Certificates.RecordCalls);
    }

    [Fact]
    public async Task Rest_GetProfile_ReturnsJsonAndErrorsCarryTheSameStatus()
    {
        await using var fakes = await FakeBackends.StartAsync();
        fakes.Certificates.Fail = StatusCode.Unavailable;
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?> { ["Resilience:Defaults:MaxRetryAttempts"] = "0" });
        using var http = gateway.CreateHttpClient();

        var response = await http.GetAsync("/v1/learners/L0001/profile");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("L0001", json.RootElement.GetProperty("learnerId").GetString());
        Assert.Equal("certificates", json.RootElement.GetProperty("unreachable")[0].GetString());
        Assert.Equal("IR-PROG", json.RootElement.GetProperty("skills")[0].GetProperty("skillCode").GetString());

        var bad = await http.GetAsync("/v1/learners/-bad/transcript?major_code=12");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var error = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        Assert.Equal(3, error.RootElement.GetProperty("code").GetInt32());
        var details = error.RootElement.GetProperty("details").EnumerateArray().ToArray();
        Assert.Contains(details, d => d.GetProperty("@type").GetString()!.EndsWith("google.rpc.BadRequest", StringComparison.Ordinal));
        Assert.Contains("major_code", error.RootElement.ToString());
    }

    [Fact]
    public async Task Rest_GetProfile_WritesSummaryEnumsAsNamesAndDatesAsObjects()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);
        using var http = gateway.CreateHttpClient();

        using var json = JsonDocument.Parse(await http.GetStringAsync("/v1/learners/L0001/profile"));

        var certificate = json.RootElement.GetProperty("certificates")[0];
        Assert.Equal("CERTIFICATE_LEVEL_NATIONAL_3", certificate.GetProperty("level").GetString());
        Assert.Equal("CERTIFICATE_STATUS_ACTIVE", certificate.GetProperty("status").GetString());
        var issued = certificate.GetProperty("issueDate");
        Assert.Equal((2025, 6, 30), (issued.GetProperty("year").GetInt32(), issued.GetProperty("month").GetInt32(), issued.GetProperty("day").GetInt32()));
        Assert.Equal("AWARD_GRADE_FIRST_PRIZE", json.RootElement.GetProperty("awards")[0].GetProperty("awardGrade").GetString());
        Assert.Equal("ENROLLMENT_STATUS_PASSED", json.RootElement.GetProperty("courses")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task OpenApi_Document_DescribesTheRestSurface()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers, new Dictionary<string, string?> { ["Management:Reflection"] = "true" });
        using var http = gateway.CreateHttpClient();

        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Contains("/v1/learners/{learnerId}/profile", paths);
        Assert.Contains("/v1/learners/{learnerId}/job-matches", paths);
        Assert.Contains("/v1/learners/{learnerId}/skill-gaps/{postingId}", paths);
        Assert.Contains("/v1/learners/{learnerId}/transcript", paths);
    }

    [Fact]
    public async Task GrpcWeb_GetProfile_Works()
    {
        await using var fakes = await FakeBackends.StartAsync();
        await using var gateway = GatewayHarness.Start(fakes.Handlers);
        using var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWebText, new BearerTokenHandler(TestAuthority.Shared.Learner("L0001"), gateway.ServerHandler)),
        });
        var client = new LearnerProfileService.LearnerProfileServiceClient(channel);

        var profile = await client.GetLearnerProfileAsync(Learner);
        Assert.Equal(3, profile.Skills.Count);
    }

    /// <summary>A real-time guard: a call waiting on the fake clock would never finish; fail instead of hanging.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    /// <summary>Waits for the condition; fails at once if <paramref name="call"/> ended first (it would never come true).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, Task? call = null)
    {
        using var timeout = new CancellationTokenSource(Guard);
        while (!condition())
        {
            if (call is { IsCompleted: true }) await call;
            await Task.Delay(10, timeout.Token);
        }
    }

    private static async Task RpcAssertUnavailable(Func<Task> call)
    {
        var exception = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(StatusCode.Unavailable, exception.StatusCode);
    }
}
