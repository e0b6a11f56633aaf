namespace ChongqingVet.Insights.Feeds;

/// <summary>
/// One message of a source service's change feed, as the read model applies it: a committed change to one resource, or
/// (<see cref="IsHeartbeat"/>) a heartbeat that only moves the cursor. <paramref name="StateJson"/> is the resource's new
/// state as protobuf JSON (<paramref name="ResourceType"/> names the message), without names or ID numbers.
/// </summary>
public sealed record ChangeEvent(
    string Source,
    long Sequence,
    string Cursor,
    string ResourceName,
    string ResourceType,
    string Kind,
    DateTimeOffset ChangeTime,
    string StateJson)
{
    public bool IsHeartbeat => ResourceName.Length == 0;

    /// <summary>A heartbeat: everything up to <paramref name="cursor"/> was delivered; <paramref name="sequence"/> is the last change applied.</summary>
    public static ChangeEvent Heartbeat(string source, long sequence, string cursor, DateTimeOffset time) =>
        new(source, sequence, cursor, string.Empty, string.Empty, string.Empty, time, string.Empty);
}

/// <summary>
/// A source service's change feed (chongqingvet.common.v1.ChangeFeedService.WatchChanges in production,
/// Feeds/Grpc/GrpcChangeSource.cs; a list of events in tests). Streams the changes after <paramref name="cursor"/>
/// (empty: from the oldest kept) in sequence order, at least once, then follows new ones until cancelled.
/// </summary>
public interface IChangeSource
{
    /// <summary>The source service's name: certificates, competitions, courses or jobpostings.</summary>
    string Source { get; }

    /// <summary>The resource types the read model asks for (protobuf full names).</summary>
    IAsyncEnumerable<ChangeEvent> WatchAsync(string cursor, IReadOnlyCollection<string> resourceTypes, CancellationToken cancellationToken);
}

/// <summary>The feed no longer keeps changes that old (CURSOR_EXPIRED): the read model must re-sync that source.</summary>
public sealed class CursorExpiredException(string source, Exception? inner = null)
    : Exception($"The {source} change feed no longer keeps the changes after the stored cursor (CURSOR_EXPIRED).", inner)
{
    public string SourceService { get; } = source;
}
