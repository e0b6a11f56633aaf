using System.Globalization;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.Configuration;

namespace ChongqingVet.Data.Changes;

/// <summary>
/// The change feed of one service (section <c>ChangeFeed</c>; environment <c>ChangeFeed__PollInterval</c> …):
/// <list type="bullet">
/// <item><c>PollInterval</c> (default 1 s): how often an idle stream reads the outbox; a write committed in the same
/// process wakes its streams at once, writes of other replicas are seen at the next poll;</item>
/// <item><c>HeartbeatInterval</c> (default 15 s): an idle stream sends a heartbeat at least this often;</item>
/// <item><c>Retention</c> (default 7 days, at least 1 hour): changes older than this are deleted; a cursor before
/// the oldest kept change is CURSOR_EXPIRED;</item>
/// <item><c>CleanupInterval</c> (default 1 hour): how often retention runs;</item>
/// <item><c>MaxStreamsPerClient</c> (default 4): open WatchChanges streams per OAuth client and replica; one more is
/// RESOURCE_EXHAUSTED (reason TOO_MANY_STREAMS).</item>
/// </list>
/// Times run on the service's <see cref="TimeProvider"/>.
/// </summary>
public sealed class ChangeFeedOptions
{
    public const string SectionName = "ChangeFeed";
    public const int DefaultBatchSize = 100;
    public const int MaxBatchSize = 1000;
    public static readonly TimeSpan MinimumRetention = TimeSpan.FromHours(1);

    /// <summary>The feed's name, part of every cursor (e.g. "certificates"): a cursor of another feed is refused.</summary>
    public required string FeedName { get; init; }

    /// <summary>The resource types (protobuf full names) the service publishes; the request filter must name some of them.</summary>
    public required IReadOnlySet<string> ResourceTypes { get; init; }

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);

    public TimeSpan CleanupInterval { get; init; } = TimeSpan.FromHours(1);

    public int MaxStreamsPerClient { get; init; } = 4;

    /// <summary>Reads and checks the settings; a bad value stops start-up with the key's name.</summary>
    public static ChangeFeedOptions FromConfiguration(IConfiguration configuration, string feedName, IEnumerable<MessageDescriptor> resourceTypes)
    {
        var section = configuration.GetSection(SectionName);
        var poll = ReadTimeSpan(section, "PollInterval", TimeSpan.FromSeconds(1));
        var heartbeat = ReadTimeSpan(section, "HeartbeatInterval", TimeSpan.FromSeconds(15));
        var retention = ReadTimeSpan(section, "Retention", TimeSpan.FromDays(7));
        var cleanup = ReadTimeSpan(section, "CleanupInterval", TimeSpan.FromHours(1));
        if (retention < MinimumRetention) throw new InvalidOperationException("ChangeFeed:Retention must be at least one hour.");
        if (heartbeat < poll) throw new InvalidOperationException("ChangeFeed:HeartbeatInterval must not be shorter than ChangeFeed:PollInterval.");
        var maxStreamsText = section["MaxStreamsPerClient"];
        var maxStreams = 4;
        if (!string.IsNullOrWhiteSpace(maxStreamsText)
            && (!int.TryParse(maxStreamsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out maxStreams) || maxStreams < 1))
            throw new InvalidOperationException("ChangeFeed:MaxStreamsPerClient must be a whole number of at least 1.");
        return new ChangeFeedOptions
        {
            FeedName = feedName,
            ResourceTypes = resourceTypes.Select(t => t.FullName).ToHashSet(StringComparer.Ordinal),
            PollInterval = poll,
            HeartbeatInterval = heartbeat,
            Retention = retention,
            CleanupInterval = cleanup,
            MaxStreamsPerClient = maxStreams,
        };
    }

    private static TimeSpan ReadTimeSpan(IConfiguration section, string key, TimeSpan fallback)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) || value <= TimeSpan.Zero)
            throw new InvalidOperationException($"{SectionName}:{key} must be a positive time span such as 00:00:01.");
        return value;
    }
}
