using System.Runtime.CompilerServices;
using ChongqingVet.Data;
using ChongqingVet.Insights.Data;
using ChongqingVet.Insights.Feeds;
using ChongqingVet.Insights.Grpc;
using ChongqingVet.Insights.V1;
using ChongqingVet.TestKit.Grpc;
using Microsoft.Extensions.DependencyInjection;

namespace ChongqingVet.Insights.Tests;

/// <summary>
/// The real insights service in memory on a fresh database, with a client whose token
/// holds insights.read (the gov-system client's role). <see cref="Sources"/> are the change sources the service follows.
/// </summary>
public sealed class InsightsHarness(ServiceHost<InsightsGrpcService> host)
    : ServiceHarness<InsightsGrpcService, InsightsService.InsightsServiceClient>(host, channel => new InsightsService.InsightsServiceClient(channel))
{
    public static Task<InsightsHarness> StartAsync(DatabaseProvider provider, bool sampleData = false, params IChangeSource[] sources) =>
        StartAsync(provider, sampleData, settings: null, sources);

    /// <summary>As above, with further settings (e.g. <c>Insights:MinimumCellSize</c>).</summary>
    public static async Task<InsightsHarness> StartAsync(DatabaseProvider provider, bool sampleData, IDictionary<string, string?>? settings,
        params IChangeSource[] sources)
    {
        // The hand data set's groups are far below the service's default minimum cell size (5): these harnesses show every
        // figure (k = 1) unless a test sets Insights:MinimumCellSize — small-group privacy has its own tests (DisclosureTests).
        var all = new Dictionary<string, string?> { ["SampleData:Enabled"] = sampleData ? "true" : "false", ["Insights:MinimumCellSize"] = "1" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return new(await ServiceHost<InsightsGrpcService>.StartAsync(provider, all,
            services => { foreach (var source in sources) services.AddSingleton(source); }));
    }

    /// <summary>A client whose token holds insights.read only.</summary>
    public InsightsService.InsightsServiceClient Reader => ClientWith(Factory.Authority.Issue("gov-system", "government", ["insights.read"]));

    public ReadModelStore Store => Factory.Services.GetRequiredService<ReadModelStore>();

    public FeedProgress Progress => Factory.Services.GetRequiredService<FeedProgress>();

    /// <summary>Applies events source by source, each source's events in one batch.</summary>
    public async Task ApplyAsync(IEnumerable<ChangeEvent> events)
    {
        foreach (var group in events.GroupBy(e => e.Source)) await Store.ApplyAsync(group.Key, group.ToList(), CancellationToken.None);
    }

    /// <summary>Every report of the service on the hand data set's window, as text without the compute times (to compare runs).</summary>
    public async Task<string> AllFiguresAsync()
    {
        var start = HandDataSet.Day(2025, 1, 1);
        var end = HandDataSet.Day(2026, 12, 31);
        var reader = Reader;
        var parts = new List<Google.Protobuf.IMessage>();
        foreach (var dimension in Enum.GetValues<Dimension>())
        {
            var report = await reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest { Dimension = dimension, StartDate = start, EndDate = end });
            report.ComputeTime = null;
            parts.Add(report);
        }
        foreach (var indicator in new[]
                 {
                     await reader.GetProgrammeIndustryMatchAsync(new GetProgrammeIndustryMatchRequest { StartDate = start, EndDate = end }),
                     await reader.GetEmploymentRelevanceAsync(new GetEmploymentRelevanceRequest { StartDate = start, EndDate = end }),
                     await reader.GetLocalRetentionAsync(new GetLocalRetentionRequest { StartDate = start, EndDate = end }),
                 })
        {
            indicator.ComputeTime = null;
            parts.Add(indicator);
        }
        var outcomes = await reader.GetAchievementOutcomesAsync(new GetAchievementOutcomesRequest { StartDate = start, EndDate = end });
        outcomes.ComputeTime = null;
        outcomes.CertificateUptake.ComputeTime = null;
        outcomes.AwardUptake.ComputeTime = null;
        parts.Add(outcomes);
        return string.Join("\n", parts.Select(p => p.ToString()));
    }
}

/// <summary>
/// A change source over a fixed list of events (one source's feed): streams those after the cursor, then a heartbeat, then
/// waits until cancelled. Records the cursors it was asked to resume from.
/// </summary>
public sealed class ListChangeSource(string source, IReadOnlyList<ChangeEvent> events) : IChangeSource
{
    public string Source => source;

    public List<string> ResumedFrom { get; } = [];

    public async IAsyncEnumerable<ChangeEvent> WatchAsync(string cursor, IReadOnlyCollection<string> resourceTypes,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        lock (ResumedFrom) ResumedFrom.Add(cursor);
        var after = cursor.Length == 0 ? 0 : long.Parse(cursor[(cursor.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var sent = after;
        foreach (var change in events.Where(e => e.Sequence > after && (resourceTypes.Count == 0 || resourceTypes.Contains(e.ResourceType))))
        {
            sent = change.Sequence;
            yield return change;
        }
        yield return ChangeEvent.Heartbeat(source, sent, $"{source}-{sent}", DateTimeOffset.UnixEpoch);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}
