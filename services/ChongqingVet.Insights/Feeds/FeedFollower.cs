using ChongqingVet.Insights.Data;

namespace ChongqingVet.Insights.Feeds;

/// <summary>
/// Follows every registered <see cref="IChangeSource"/> (one loop each): reads the source's stored cursor, streams the
/// changes after it and applies each one with the cursor in one transaction (<see cref="ReadModelStore.ApplyAsync"/>).
/// After downtime it resumes from the stored cursor, so it catches up with what it missed; a change delivered twice
/// changes nothing. A broken stream or a failed apply is retried from the stored cursor after a back-off (on the
/// injected clock).
/// <para>
/// Re-sync (docs/INSIGHTS.md, "Re-sync after CURSOR_EXPIRED"): when the source cannot resume from the stored cursor
/// (CURSOR_EXPIRED: retention deleted the changes after it; CURSOR_AHEAD: the source's database was replaced), or when
/// there is no stored cursor yet, and the source has an <see cref="IResyncSource"/>, the follower reads the feed's head,
/// then lists the source's resources with its List calls, replaces that source's rows in one transaction and resumes
/// after the head read before the listing — a change committed during the listing arrives again through the feed and
/// the idempotent apply settles it. Types no List call returns in full are kept and replayed from the oldest change the
/// feed keeps (a partial re-sync, logged as a warning). A failed re-sync leaves the read model as it was and is retried
/// after the back-off. Without an <see cref="IResyncSource"/> an expired cursor stops the source's loop with an error.
/// </para>
/// </summary>
public sealed class FeedFollower(
    IEnumerable<IChangeSource> sources,
    IEnumerable<IResyncSource> resyncSources,
    ReadModelStore store,
    FeedProgress progress,
    System.Diagnostics.Metrics.IMeterFactory meters,
    TimeProvider time,
    ILogger<FeedFollower> logger) : BackgroundService
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    /// <summary>The reason recorded for the first re-sync of a source that has no stored cursor.</summary>
    public const string NoCursor = "NO_CURSOR";

    private readonly FeedMetrics _metrics = new(meters);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(sources.Select(source => Task.Run(() => FollowAsync(source, stoppingToken), CancellationToken.None)));

    private async Task FollowAsync(IChangeSource source, CancellationToken stoppingToken)
    {
        var retry = FirstRetry;
        var types = ReadModelMapper.TypesBySource.GetValueOrDefault(source.Source, []).ToList();
        var resync = resyncSources.LastOrDefault(r => r.Source == source.Source);
        CursorExpiredException? pending = null; // the expiry a re-sync must answer (kept across a failed re-sync)
        var resyncedWithoutChange = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = true;
            try
            {
                var cursor = await store.GetCursorAsync(source.Source, stoppingToken);
                if (resync is not null && (pending is not null || cursor is null))
                {
                    await ResyncAsync(resync, types, pending, stoppingToken);
                    pending = null;
                    resyncedWithoutChange = true;
                    retry = FirstRetry;
                    continue;
                }
                var sequence = cursor?.Sequence ?? 0;
                progress.Report(source.Source, sequence);
                await foreach (var change in source.WatchAsync(cursor?.CursorToken ?? string.Empty, types, stoppingToken))
                {
                    var applied = change.IsHeartbeat ? change with { Sequence = sequence } : change;
                    await store.ApplyAsync(source.Source, [applied], stoppingToken);
                    sequence = Math.Max(sequence, applied.Sequence);
                    progress.Report(source.Source, sequence);
                    retry = FirstRetry;
                    resyncedWithoutChange = false;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (CursorExpiredException expired) when (resync is not null)
            {
                pending = expired;
                logger.LogWarning("The {Source} feed cannot resume from the stored cursor ({Reason}; cursor sequence {CursorSequence}, oldest kept {OldestAvailable}): re-syncing that source from its List calls",
                    source.Source, expired.Reason, expired.CursorSequence, expired.OldestAvailableSequence);
                // At once, unless the cursor of a re-sync that just finished expired again before anything was applied.
                wait = resyncedWithoutChange;
            }
            catch (CursorExpiredException expired)
            {
                progress.Fail(source.Source, expired);
                logger.LogError(expired, "The {Source} feed no longer keeps the stored cursor and no List calls are configured for it: re-sync that source by hand (docs/INSIGHTS.md)", source.Source);
                return;
            }
            catch (Exception exception)
            {
                progress.Fail(source.Source, exception);
                if (exception is ResyncFailedException) _metrics.ResyncFailed(source.Source, pending?.Reason ?? NoCursor);
                logger.LogWarning(exception, "Following the {Source} feed failed; retrying from the stored cursor in {Delay}", source.Source, retry);
            }
            if (!wait) continue;
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

    /// <summary>
    /// Head first, then the listing, then one transaction that replaces the listed types' rows and sets the cursor: to
    /// the head when every followed type was listed, else to the start of the feed (empty cursor: the oldest change
    /// kept) so the types that cannot be listed are replayed from what retention left.
    /// </summary>
    private async Task ResyncAsync(IResyncSource resync, IReadOnlyList<string> types, CursorExpiredException? expired, CancellationToken cancellationToken)
    {
        var reason = expired?.Reason ?? NoCursor;
        try
        {
            var head = await resync.ReadHeadAsync(types, cancellationToken);
            var listedTypes = types.Where(resync.ListedTypes.Contains).ToList();
            var replayedTypes = types.Where(t => !listedTypes.Contains(t)).ToList();
            var resources = new List<ListedResource>();
            await foreach (var resource in resync.ListAsync(cancellationToken))
                if (listedTypes.Contains(resource.ResourceType)) resources.Add(resource);
            var complete = replayedTypes.Count == 0;
            await store.ReplaceSourceAsync(resync.Source, listedTypes, replayedTypes, resources, head,
                complete ? head.Cursor : string.Empty, complete ? head.Sequence : 0, cancellationToken);
            var record = new ResyncRecord(resync.Source, reason, time.GetUtcNow(), head.Sequence, resources.Count, complete, replayedTypes,
                expired?.CursorSequence, expired?.OldestAvailableSequence);
            progress.Resynced(record, complete ? head.Sequence : 0);
            _metrics.Resynced(record);
            // Counts, sequences and type names only: nothing personal.
            logger.LogInformation("Re-synced the {Source} read model from its List calls ({Reason}): {Resources} resources of {ListedTypes}; following resumes after sequence {HeadSequence}",
                resync.Source, reason, resources.Count, listedTypes, complete ? head.Sequence : 0);
            if (!complete)
                logger.LogWarning("The {Source} re-sync is partial: no List call returns every {ReplayedTypes}, so they are replayed from the oldest change the feed keeps; " +
                                  "their changes after sequence {LostFrom} and before {LostTo} were deleted by retention before they were applied and are missing until those resources change again",
                    resync.Source, replayedTypes, expired?.CursorSequence, expired?.OldestAvailableSequence);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new ResyncFailedException(resync.Source, exception);
        }
    }
}

/// <summary>A re-sync failed (head, listing or store); the read model is as it was and the re-sync is retried after the back-off.</summary>
public sealed class ResyncFailedException(string source, Exception inner)
    : Exception($"Re-syncing the {source} read model from its List calls failed: {inner.Message}", inner);

/// <summary>How far each source has been applied, and its last failure; tests and the feed status wait on it.</summary>
public sealed class FeedProgress
{
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _applied = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Exception> _failures = new(StringComparer.Ordinal);
    private readonly List<(string Source, long Sequence, TaskCompletionSource Done)> _waiters = [];
    private readonly List<ResyncRecord> _resyncs = [];

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

    /// <summary>A re-sync stored; the source's applied position is now <paramref name="sequence"/> (the head, or 0 for a partial one).</summary>
    public void Resynced(ResyncRecord record, long sequence)
    {
        lock (_gate) _resyncs.Add(record);
        Report(record.Source, sequence);
    }

    /// <summary>The re-syncs of a source since the process started, oldest first.</summary>
    public IReadOnlyList<ResyncRecord> Resyncs(string source)
    {
        lock (_gate) return _resyncs.Where(r => r.Source == source).ToList();
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
