using System.Diagnostics.Metrics;

namespace ChongqingVet.Insights.Feeds;

/// <summary>The feed's head, read before a re-sync: resume after <see cref="Cursor"/> once the listing is stored.</summary>
public sealed record FeedHead(string Cursor, long Sequence, DateTimeOffset Time);

/// <summary>
/// One resource as a source service's List call returns it: its name as the feed names it (so later changes replace the
/// same row), its protobuf type and its state as protobuf JSON without names or ID numbers.
/// </summary>
public sealed record ListedResource(string ResourceName, string ResourceType, string StateJson);

/// <summary>
/// What a source offers for a re-sync (docs/INSIGHTS.md, "Re-sync after CURSOR_EXPIRED"): the feed's current head and
/// the List calls that return the same state its changes carry. <see cref="ListedTypes"/> are the resource types the
/// List calls return completely; a type the read model follows but no List call returns in full (course enrolments:
/// ListEnrollments needs a learner id) is kept as stored and replayed from the oldest change the feed still keeps.
/// Production: Feeds/Grpc/GrpcResyncSource.cs.
/// </summary>
public interface IResyncSource
{
    /// <summary>The source service's name: certificates, competitions, courses or jobpostings.</summary>
    string Source { get; }

    /// <summary>The resource types <see cref="ListAsync"/> returns completely (protobuf full names).</summary>
    IReadOnlyCollection<string> ListedTypes { get; }

    /// <summary>The feed's head now (WatchChanges with start_from_now: its first heartbeat), filtered to <paramref name="resourceTypes"/>.</summary>
    Task<FeedHead> ReadHeadAsync(IReadOnlyCollection<string> resourceTypes, CancellationToken cancellationToken);

    /// <summary>Every resource of <see cref="ListedTypes"/>, through the List calls (all pages).</summary>
    IAsyncEnumerable<ListedResource> ListAsync(CancellationToken cancellationToken);
}

/// <summary>One completed re-sync of a source, as <see cref="FeedProgress"/> keeps it and the metrics count it.</summary>
/// <param name="Complete">Every followed type was re-listed; false: some (<paramref name="ReplayedTypes"/>) are replayed from the oldest kept change.</param>
/// <param name="LostFrom">With <paramref name="LostTo"/>: the sequences retention deleted before they were applied (exclusive bounds), when the source said.</param>
public sealed record ResyncRecord(
    string Source,
    string Reason,
    DateTimeOffset Time,
    long HeadSequence,
    int Resources,
    bool Complete,
    IReadOnlyList<string> ReplayedTypes,
    long? LostFrom,
    long? LostTo);

/// <summary>
/// The insights service's feed meter (<c>ChongqingVet.Insights</c>, exported with every <c>ChongqingVet.*</c> meter):
/// <c>chongqingvet.insights.feed.resyncs</c> counts re-syncs by source, reason (CURSOR_EXPIRED, CURSOR_AHEAD,
/// NO_CURSOR) and outcome (complete, partial, failed); <c>chongqingvet.insights.feed.resynced_resources</c> counts the
/// resources they re-listed, by source.
/// </summary>
public sealed class FeedMetrics
{
    public const string MeterName = "ChongqingVet.Insights";
    public const string ResyncsName = "chongqingvet.insights.feed.resyncs";
    public const string ResyncedResourcesName = "chongqingvet.insights.feed.resynced_resources";

    private readonly Counter<long> _resyncs;
    private readonly Counter<long> _resources;

    public FeedMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _resyncs = meter.CreateCounter<long>(ResyncsName, "{resync}", "Re-syncs of a source from its List calls (after CURSOR_EXPIRED, CURSOR_AHEAD or without a stored cursor), by outcome.");
        _resources = meter.CreateCounter<long>(ResyncedResourcesName, "{resource}", "Resources re-listed by re-syncs.");
    }

    public void Resynced(ResyncRecord record)
    {
        _resyncs.Add(1, new("source", record.Source), new("reason", record.Reason), new("outcome", record.Complete ? "complete" : "partial"));
        _resources.Add(record.Resources, new KeyValuePair<string, object?>("source", record.Source));
    }

    public void ResyncFailed(string source, string reason) =>
        _resyncs.Add(1, new("source", source), new("reason", reason), new("outcome", "failed"));
}
