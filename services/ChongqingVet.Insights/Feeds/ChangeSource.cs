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

/// <summary>
/// The feed cannot resume from the stored cursor: FAILED_PRECONDITION with reason CURSOR_EXPIRED (retention deleted the
/// changes after it) or CURSOR_AHEAD (the cursor is beyond the feed's head: the source's database was restored or
/// replaced). Either way the read model must re-sync that source (<see cref="FeedFollower"/> does it when the source has
/// an <see cref="IResyncSource"/>). <see cref="CursorSequence"/> and <see cref="OldestAvailableSequence"/> come from the
/// error's metadata when the service sent them: the changes after the first and before the second were never applied.
/// </summary>
public sealed class CursorExpiredException(string source, Exception? inner = null, string reason = CursorExpiredException.Expired,
    long? cursorSequence = null, long? oldestAvailableSequence = null)
    : Exception($"The {source} change feed cannot resume from the stored cursor ({reason}).", inner)
{
    public const string Expired = "CURSOR_EXPIRED";
    public const string Ahead = "CURSOR_AHEAD";

    public string SourceService { get; } = source;

    /// <summary>CURSOR_EXPIRED or CURSOR_AHEAD.</summary>
    public string Reason { get; } = reason;

    public long? CursorSequence { get; } = cursorSequence;

    public long? OldestAvailableSequence { get; } = oldestAvailableSequence;
}
