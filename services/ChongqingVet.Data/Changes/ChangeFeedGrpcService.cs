using System.Collections.Concurrent;
using System.Security.Claims;
using ChongqingVet.Common.V1;
using ChongqingVet.Domain.Errors;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;

namespace ChongqingVet.Data.Changes;

/// <summary>
/// chongqingvet.common.v1.ChangeFeedService over the service's own outbox — one implementation for all four services
/// (mapped by <see cref="ChangeFeedHosting.MapChangeFeed"/>; the scope changes.read is the host's method → scope table).
/// <para>
/// A stream reads the head, then the changes after its position up to that head (filtered by type, a batch per round
/// trip), writes them in sequence order and moves its position; when it has read up to the head it waits for a
/// local commit (<see cref="ChangeNotifier"/>) or the poll interval, and sends a heartbeat when it has been idle for
/// the heartbeat interval (and once, right after it first caught up). Delivery is at least once: a subscriber that
/// resumes from the cursor of the last message it processed gets nothing twice that it had processed, and misses
/// nothing, because the committed sequence is gapless (<see cref="ChangeOutbox"/>).
/// </para>
/// </summary>
public sealed class ChangeFeedGrpcService(
    ChangeFeedStore store,
    ChangeFeedOptions options,
    ChangeNotifier notifier,
    ChangeStreamLimiter limiter,
    TimeProvider clock,
    IHostApplicationLifetime lifetime) : ChangeFeedService.ChangeFeedServiceBase
{
    public override async Task WatchChanges(WatchChangesRequest request, IServerStreamWriter<WatchChangesResponse> responseStream, ServerCallContext context)
    {
        var violations = new Violations();
        long? cursor = null;
        if (request.Cursor.Length > 0)
        {
            cursor = ChangeCursor.Decode(options.FeedName, request.Cursor);
            violations.Check(cursor is not null, "cursor", $"is not a cursor of the {options.FeedName} change feed");
            violations.Check(!request.StartFromNow, "start_from_now", "must be false when a cursor is given");
        }
        var types = request.ResourceTypes.Distinct(StringComparer.Ordinal).ToArray();
        for (var i = 0; i < request.ResourceTypes.Count; i++)
        {
            violations.Check(options.ResourceTypes.Contains(request.ResourceTypes[i]), $"resource_types[{i}]",
                $"is not published by this service; it publishes {string.Join(", ", options.ResourceTypes.Order(StringComparer.Ordinal))}");
        }
        var batchSize = request.BatchSize == 0 ? ChangeFeedOptions.DefaultBatchSize : request.BatchSize;
        violations.Check(batchSize > 0, "batch_size", "must not be negative");
        violations.ThrowIfAny();
        batchSize = Math.Min(batchSize, ChangeFeedOptions.MaxBatchSize);

        using var lease = limiter.Acquire(ClientOf(context.GetHttpContext().User));
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var ct = stopping.Token;
        try
        {
            await StreamAsync(cursor, request.StartFromNow, types, batchSize, responseStream, ct);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The server is shutting down; resume from the cursor of the last message you processed."));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The subscriber went away: nothing to report.
        }
    }

    private async Task StreamAsync(long? cursor, bool startFromNow, string[] types, int batchSize, IServerStreamWriter<WatchChangesResponse> responseStream,
        CancellationToken ct)
    {
        var head = await store.HeadAsync(ct);
        long position;
        if (cursor is { } given)
        {
            if (given > head.LastSequence)
                throw new FailedPreconditionException("CURSOR_AHEAD",
                    "The cursor is ahead of this service's change feed (its database was restored or replaced); re-read the resources with the List calls and start from now.")
                { Metadata = Positions(given, head) };
            position = given;
        }
        else
        {
            position = startFromNow ? head.LastSequence : head.PrunedThrough;
        }

        var caughtUp = false;
        var lastSent = clock.GetUtcNow();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var wake = notifier.Next; // before reading: a commit after this read still wakes the wait below
            head = await store.HeadAsync(ct);
            if (position < head.PrunedThrough) throw Expired(position, head);
            if (head.LastSequence > position)
            {
                var changes = await store.ReadAsync(position, head.LastSequence, types, batchSize, ct);
                // Retention may have deleted part of the range while it was read: then the range is not complete.
                var after = await store.HeadAsync(ct);
                if (position < after.PrunedThrough) throw Expired(position, after);
                foreach (var change in changes)
                {
                    await responseStream.WriteAsync(new WatchChangesResponse { Change = ToProto(change) }, ct);
                    position = change.Sequence;
                }
                if (changes.Count > 0) lastSent = clock.GetUtcNow();
                if (changes.Count == batchSize) continue; // more may follow up to the head
                position = head.LastSequence; // everything up to the head that matches the filter was delivered
            }

            var now = clock.GetUtcNow();
            if (!caughtUp || now - lastSent >= options.HeartbeatInterval)
            {
                await responseStream.WriteAsync(new WatchChangesResponse
                {
                    Heartbeat = new ChangeFeedHeartbeat
                    {
                        Cursor = ChangeCursor.Encode(options.FeedName, position),
                        HeadSequence = head.LastSequence,
                        Time = Timestamp.FromDateTimeOffset(now),
                    },
                }, ct);
                lastSent = now;
                caughtUp = true;
            }

            var untilHeartbeat = options.HeartbeatInterval - (clock.GetUtcNow() - lastSent);
            var wait = untilHeartbeat < options.PollInterval ? untilHeartbeat : options.PollInterval;
            if (wait > TimeSpan.Zero) await Task.WhenAny(wake, Task.Delay(wait, clock, ct));
        }
    }

    private Change ToProto(StoredChange change) => new()
    {
        Sequence = change.Sequence,
        Cursor = ChangeCursor.Encode(options.FeedName, change.Sequence),
        ResourceName = change.ResourceName,
        ResourceType = change.ResourceType,
        Kind = change.Kind,
        ChangeTime = Timestamp.FromDateTimeOffset(change.OccurredAt),
        State = Struct.Parser.ParseJson(change.State),
    };

    private static FailedPreconditionException Expired(long position, ChangeHead head) =>
        new("CURSOR_EXPIRED",
            "The cursor is older than the change feed's retention: the changes after it were deleted. Re-read the resources with the List calls, then resume from a heartbeat's cursor taken before the re-read (start_from_now).")
        {
            Metadata = Positions(position, head),
        };

    private static Dictionary<string, string> Positions(long position, ChangeHead head) => new()
    {
        ["cursor_sequence"] = position.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["oldest_available_sequence"] = (head.PrunedThrough + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["head_sequence"] = head.LastSequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string ClientOf(ClaimsPrincipal user) =>
        user.FindFirst("client_id")?.Value ?? user.FindFirst("azp")?.Value ?? user.FindFirst("sub")?.Value ?? "anonymous";
}

/// <summary>
/// Open WatchChanges streams per OAuth client in this process: at most <see cref="ChangeFeedOptions.MaxStreamsPerClient"/>;
/// one more is RESOURCE_EXHAUSTED (reason TOO_MANY_STREAMS) with a RetryInfo. A stream's lease is returned when it ends.
/// </summary>
public sealed class ChangeStreamLimiter(ChangeFeedOptions options)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    public int OpenStreams(string clientId) => _open.GetValueOrDefault(clientId);

    public IDisposable Acquire(string clientId)
    {
        while (true)
        {
            var current = _open.GetOrAdd(clientId, 0);
            if (current >= options.MaxStreamsPerClient)
                throw new RateLimitedException("TOO_MANY_STREAMS",
                    $"This client already holds {options.MaxStreamsPerClient} change streams on this server; close one or retry later.", TimeSpan.FromSeconds(5))
                {
                    Metadata = new Dictionary<string, string> { ["max_streams"] = options.MaxStreamsPerClient.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                };
            if (_open.TryUpdate(clientId, current + 1, current)) return new Lease(this, clientId);
        }
    }

    private void Release(string clientId)
    {
        while (true)
        {
            var current = _open.GetValueOrDefault(clientId);
            if (current <= 0) return;
            if (current == 1)
            {
                if (_open.TryRemove(new KeyValuePair<string, int>(clientId, current))) return;
            }
            else if (_open.TryUpdate(clientId, current - 1, current)) return;
        }
    }

    private sealed class Lease(ChangeStreamLimiter limiter, string clientId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) limiter.Release(clientId);
        }
    }
}
