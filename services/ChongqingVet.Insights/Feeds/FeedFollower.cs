using ChongqingVet.Insights.Data;

namespace ChongqingVet.Insights.Feeds;

/// <summary>
/// Follows every registered <see cref="IChangeSource"/> (one loop each): reads the source's stored cursor, streams the
/// changes after it and applies each one with the cursor in one transaction (<see cref="ReadModelStore.ApplyAsync"/>).
/// After downtime it resumes from the stored cursor, so it catches up with what it missed; a change delivered twice
/// changes nothing. A broken stream or a failed apply is retried from the stored cursor after a back-off (on the
/// injected clock); a cursor the source no longer keeps (CURSOR_EXPIRED) stops that source's loop with an error log —
/// re-syncing from the List calls is an operator step (docs/INSIGHTS.md).
/// </summary>
public sealed class FeedFollower(
    IEnumerable<IChangeSource> sources,
    ReadModelStore store,
    FeedProgress progress,
    TimeProvider time,
    ILogger<FeedFollower> logger) : BackgroundService
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(sources.Select(source => Task.Run(() => FollowAsync(source, stoppingToken), CancellationToken.None)));

    private async Task FollowAsync(IChangeSource source, CancellationToken stoppingToken)
    {
        var retry = FirstRetry;
        var types = ReadModelMapper.TypesBySource.GetValueOrDefault(source.Source, []).ToList();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var cursor = await store.GetCursorAsync(source.Source, stoppingToken);
                var sequence = cursor?.Sequence ?? 0;
                progress.Report(source.Source, sequence);
                await foreach (var change in source.WatchAsync(cursor?.CursorToken ?? string.Empty, types, stoppingToken))
                {
                    var applied = change.IsHeartbeat ? change with { Sequence = sequence } : change;
                    await store.ApplyAsync(source.Source, [applied], stoppingToken);
                    sequence = Math.Max(sequence, applied.Sequence);
                    progress.Report(source.Source, sequence);
                    retry = FirstRetry;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (CursorExpiredException expired)
            {
                progress.Fail(source.Source, expired);
                logger.LogError(expired, "The {Source} feed no longer keeps the stored cursor: re-sync that source (docs/INSIGHTS.md)", source.Source);
                return;
            }
            catch (Exception exception)
            {
                progress.Fail(source.Source, exception);
                logger.LogWarning(exception, "Following the {Source} feed failed; retrying from the stored cursor in {Delay}", source.Source, retry);
            }
            try
            {
                await Task.Delay(retry, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
        }
    }
}

/// <summary>How far each source has been applied, and its last failure; tests and the feed status wait on it.</summary>
public sealed class FeedProgress
{
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _applied = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Exception> _failures = new(StringComparer.Ordinal);
    private readonly List<(string Source, long Sequence, TaskCompletionSource Done)> _waiters = [];

    public void Report(string source, long sequence)
    {
        lock (_gate)
        {
            _applied[source] = sequence;
            _failures.Remove(source);
            foreach (var waiter in _waiters.Where(w => w.Source == source && w.Sequence <= sequence).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    public void Fail(string source, Exception exception)
    {
        lock (_gate)
        {
            _failures[source] = exception;
            foreach (var waiter in _waiters.Where(w => w.Source == source).ToList()) waiter.Done.TrySetResult();
        }
    }

    /// <summary>The last failure of a source since it last applied a change, if any.</summary>
    public Exception? LastFailure(string source)
    {
        lock (_gate) return _failures.GetValueOrDefault(source);
    }

    /// <summary>Completes when the source has applied up to <paramref name="sequence"/>, or when it fails.</summary>
    public Task WaitForAsync(string source, long sequence, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_applied.GetValueOrDefault(source, -1) >= sequence || _failures.ContainsKey(source)) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((source, sequence, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }
}
