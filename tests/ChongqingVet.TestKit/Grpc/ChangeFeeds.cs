using ChongqingVet.Common.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.TestKit.Grpc;

/// <summary>
/// Reading a service's change feed (chongqingvet.common.v1.ChangeFeedService) in tests. A stream sends a heartbeat
/// right after it first caught up, so "every change committed so far" is everything before the first heartbeat — no
/// clock needs to move for that.
/// </summary>
public static class ChangeFeeds
{
    /// <summary>How long a test waits for the next message before it fails (a bound, never a sleep).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>The changes committed so far (after the request's cursor), and the heartbeat that ended them.</summary>
    public static async Task<(IReadOnlyList<Change> Changes, ChangeFeedHeartbeat Heartbeat)> ReadUntilCaughtUpAsync(GrpcChannel channel,
        WatchChangesRequest? request = null)
    {
        using var cts = new CancellationTokenSource(Patience);
        using var call = new ChangeFeedService.ChangeFeedServiceClient(channel).WatchChanges(request ?? new WatchChangesRequest(), cancellationToken: cts.Token);
        var changes = new List<Change>();
        while (await call.ResponseStream.MoveNext(cts.Token))
        {
            var message = call.ResponseStream.Current;
            if (message.EventCase == WatchChangesResponse.EventOneofCase.Heartbeat) return (changes, message.Heartbeat);
            changes.Add(message.Change);
        }
        throw new InvalidOperationException("The change stream ended without a heartbeat.");
    }

    /// <summary>
    /// The stream's next message. With a <paramref name="clock"/>, it is advanced by <paramref name="step"/> until the
    /// message comes (a stream waits on the service's clock between polls); without one, the message must come by itself.
    /// </summary>
    public static async Task<WatchChangesResponse> NextAsync(AsyncServerStreamingCall<WatchChangesResponse> call, FakeTimeProvider? clock = null,
        TimeSpan? step = null)
    {
        using var cts = new CancellationTokenSource(Patience);
        var next = call.ResponseStream.MoveNext(cts.Token);
        while (clock is not null && !next.IsCompleted)
        {
            clock.Advance(step ?? TimeSpan.FromSeconds(1));
            // Wait for the stream's reaction to this tick before the next one (bounded by Patience).
            await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(20), cts.Token));
        }
        if (!await next) throw new InvalidOperationException("The change stream ended.");
        return call.ResponseStream.Current;
    }
}
