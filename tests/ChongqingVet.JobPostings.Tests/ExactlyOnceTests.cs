using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Microsoft.Extensions.DependencyInjection;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.JobPostings.Tests;

/// <summary>Exactly-once updates: request_id on UpdateJobPosting, concurrent twins, replay before validation.</summary>
public class ExactlyOnceTests
{
    private const int Twins = 64;

    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task UpdateJobPosting_SixtyFourConcurrentTwins_OneUpdateAndByteIdenticalResponses(DatabaseProvider provider)
    {
        await using var harness = await StartWithPostingAsync(provider);
        var created = await harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS", SkillLevel._4Intermediate, 1, true)));
        var change = created.Clone();
        change.Headcount = 12;
        var request = new UpdateJobPostingRequest
        {
            JobPosting = change, UpdateMask = new FieldMask { Paths = { "headcount" } }, RequestId = Guid.NewGuid().ToString(),
        };

        await ConnectionPool.WarmAsync(harness.Factory.Services.GetRequiredService<IDbConnectionFactory>()); // the twins really overlap
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, Twins).Select(async _ =>
        {
            await start.Task;
            return await harness.Client.UpdateJobPostingAsync(request).ResponseAsync;
        }).ToArray();
        start.SetResult();
        var responses = await Task.WhenAll(calls);

        Assert.Single(responses.Select(r => r.ToByteString().ToBase64()).Distinct());
        Assert.Equal(12, responses[0].Headcount);
        var final = await harness.Client.GetJobPostingAsync(new GetJobPostingRequest { Id = created.Id });
        Assert.Equal("W/\"2\"", final.Etag); // exactly one write
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM idempotency_keys WHERE operation = 'UpdateJobPosting'"));
    }

    /// <summary>The retry arrives after valid_through has passed: it still gets its stored answer, not INVALID_ARGUMENT.</summary>
    [Theory, MemberData(nameof(Providers))]
    public async Task UpdateJobPosting_RetryAfterItWouldNoLongerValidate_ReplaysTheStoredResponse(DatabaseProvider provider)
    {
        await using var harness = await StartWithPostingAsync(provider);
        var created = await harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS", SkillLevel._4Intermediate, 1, true)));
        var change = created.Clone();
        change.Title = "机器人操作工";
        var request = new UpdateJobPostingRequest
        {
            JobPosting = change, UpdateMask = new FieldMask { Paths = { "title" } }, RequestId = Guid.NewGuid().ToString(),
        };
        var first = await harness.Client.UpdateJobPostingAsync(request);

        harness.Clock.Advance(TimeSpan.FromDays(91)); // valid_through (90 days out) is now in the past
        var retried = await harness.Client.UpdateJobPostingAsync(request);

        Assert.Equal(first.ToByteArray(), retried.ToByteArray());
        var fresh = request.Clone();
        fresh.RequestId = Guid.NewGuid().ToString();
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.UpdateJobPostingAsync(fresh).ResponseAsync, "job_posting.valid_through");
        var other = request.Clone();
        other.JobPosting.Title = "别的标题";
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.UpdateJobPostingAsync(other).ResponseAsync, "request_id");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task CloseJobPosting_SixtyFourConcurrentTwins_ByteIdenticalResponses(DatabaseProvider provider)
    {
        await using var harness = await StartWithPostingAsync(provider);
        var created = await harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS", SkillLevel._4Intermediate, 1, true)));
        var close = new CloseJobPostingRequest { RequestId = Guid.NewGuid().ToString(), Id = created.Id, Etag = created.Etag };

        await ConnectionPool.WarmAsync(harness.Factory.Services.GetRequiredService<IDbConnectionFactory>()); // the twins really overlap
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, Twins).Select(async _ =>
        {
            await start.Task;
            return await harness.Client.CloseJobPostingAsync(close).ResponseAsync;
        }).ToArray();
        start.SetResult();
        var responses = await Task.WhenAll(calls);

        Assert.Single(responses.Select(r => r.ToByteString().ToBase64()).Distinct());
        Assert.Equal(JobPostingStatus.Closed, responses[0].Status);
    }

    private static async Task<JobPostingServiceHarness> StartWithPostingAsync(DatabaseProvider provider)
    {
        var harness = await JobPostingServiceHarness.StartAsync(provider);
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateEmployerAsync();
        return harness;
    }
}
