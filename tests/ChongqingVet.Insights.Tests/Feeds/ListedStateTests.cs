using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Insights.Feeds;
using ChongqingVet.Insights.Feeds.Grpc;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace ChongqingVet.Insights.Tests.Feeds;

/// <summary>
/// For each source the re-sync lists (the certificates source is covered by <see cref="ResyncTests"/>): a read model
/// built from the List calls (a source without a stored cursor is built by a re-sync) holds exactly the rows — feed
/// resource names, states — of a full replay of the source's feed, against the real service with its sample data over
/// gRPC. This pins the names and the List calls' states to the changes', type by type. Courses: majors and courses come
/// from the List calls, enrolments from the replay of the whole feed (nothing was deleted here), so the rows agree too.
/// </summary>
[Collection(nameof(ResyncTests))]
public sealed class ListedStateTests
{
    public static TheoryData<DatabaseProvider, string> Cases
    {
        get
        {
            var cases = new TheoryData<DatabaseProvider, string>();
            foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
            foreach (var source in new[] { "competitions", "courses", "jobpostings" })
                cases.Add(provider, source);
            return cases;
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public async Task Resync_WithoutACursor_SameRowsAsAFullReplayOfTheFeed(DatabaseProvider provider, string source)
    {
        await using var service = source switch
        {
            "competitions" => await Start<ChongqingVet.Competitions.Grpc.CompetitionGrpcService>(provider),
            "courses" => await Start<ChongqingVet.Courses.Grpc.CourseGrpcService>(provider),
            _ => await Start<ChongqingVet.JobPostings.Grpc.JobPostingGrpcService>(provider),
        };
        var (history, head) = await ChangeFeeds.ReadUntilCaughtUpAsync(service.Channel(service.SuperUser),
            new WatchChangesRequest { ResourceTypes = { Data.ReadModelMapper.TypesBySource[source] } });
        Assert.NotEmpty(history);
        await using var insightsDatabase = await TestDatabase.CreateAsync(provider);

        var feedToken = service.Issue(["changes.read"]);
        var feed = new GrpcChangeSource(source, new ChangeFeedService.ChangeFeedServiceClient(service.Channel(null)), _ => Task.FromResult<string?>(feedToken));
        var resync = new GrpcResyncSource(source, service.Channel(null), (scope, _) => Task.FromResult<string?>(service.Issue(scope.Split(' '))));
        await using var insights = ResyncTests.StartInsights(insightsDatabase, feed, resync);
        var progress = insights.Services.GetRequiredService<FeedProgress>();
        await progress.WaitForAsync(source, head.HeadSequence, TestTimeout.Token);
        Assert.Null(progress.LastFailure(source));
        var record = Assert.Single(progress.Resyncs(source));
        Assert.Equal((FeedFollower.NoCursor, source != "courses"), (record.Reason, record.Complete));

        await using var replay = await InsightsHarness.StartAsync(provider);
        await replay.ApplyAsync(history.Select(c => new ChangeEvent(source, c.Sequence, c.Cursor, c.ResourceName, c.ResourceType, c.Kind,
            c.ChangeTime.ToDateTimeOffset(), JsonFormatter.Default.Format(c.State))));
        var expected = await ResyncTests.RowsAsync(replay.Database);
        var actual = await ResyncTests.RowsAsync(insightsDatabase);
        Assert.Equal(expected.Select(r => r.ResourceName), actual.Select(r => r.ResourceName));
        Assert.Equal(expected, actual);
    }

    private static async Task<Service> Start<TEntryPoint>(DatabaseProvider provider) where TEntryPoint : class
    {
        var host = await ServiceHost<TEntryPoint>.StartAsync(provider, new Dictionary<string, string?> { ["SampleData:Enabled"] = "true" });
        return new Service(host, host.Factory.CreateChannel, host.Factory.Authority.SuperUserToken(),
            scopes => host.Factory.Authority.Issue("gov-system", "government", scopes));
    }

    /// <summary>One started service, whatever its entry point.</summary>
    private sealed record Service(IAsyncDisposable Host, Func<string?, global::Grpc.Net.Client.GrpcChannel> Channel, string SuperUser, Func<IEnumerable<string>, string> Issue)
        : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Host.DisposeAsync();
    }
}
