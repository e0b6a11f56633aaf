using System.Collections.Concurrent;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.JobPostings.V1;

namespace ChongqingVet.Gateway.Catalog;

/// <summary>Settings of the gateway's skill catalog cache (<c>SkillCatalog:</c> section).</summary>
public sealed class SkillCatalogOptions
{
    /// <summary>
    /// Age at which the cached catalog is reloaded (ListSkills, all pages), and how long a code fetched on its own
    /// (BatchGetSkills) — found or unknown to the catalog — is remembered. Default 5 minutes.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After a failed load, no new load is tried for this long (stale names are used meanwhile). Default 10 seconds.</summary>
    public TimeSpan RetryAfterFailure { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Skills per ListSkills page (the job postings service's maximum is 200). Default 200.</summary>
    public int PageSize { get; set; } = 200;

    /// <summary>At most this many ListSkills pages per load (default 100: 20,000 skills); codes past them are fetched on their own.</summary>
    public int MaxPages { get; set; } = 100;

    /// <summary>Codes per BatchGetSkills call for codes missing from the loaded catalog (the service's maximum is 500). Default 500.</summary>
    public int BatchSize { get; set; } = 500;
}

/// <summary>The catalog entries of the codes asked for; <see cref="Reachable"/> is false when some could not be fetched.</summary>
public sealed record SkillLookup(IReadOnlyDictionary<string, Skill> Found, bool Reachable);

/// <summary>
/// The gateway's copy of the job postings service's skill catalog, shared by every request (profile names, skill gap,
/// deprecated → successor codes). The whole catalog is loaded with ListSkills and reloaded when it is older than
/// <see cref="SkillCatalogOptions.RefreshInterval"/> on the injected clock: the request that finds it expired reloads it
/// while concurrent requests keep using the old copy, so a profile makes no catalog call except once per interval.
/// A code missing from the copy (a skill created since the load) is fetched with BatchGetSkills once — concurrent
/// requests for it wait for that one call — and remembered, found or unknown to the catalog, for the same interval.
/// <para>
/// Calls run in the triggering request's context (its bearer token and deadline travel with them, as for every
/// backend call); the catalog is reference data, the same for every caller allowed to read it.
/// </para>
/// </summary>
public sealed class SkillCatalog(
    JobPostingService.JobPostingServiceClient jobPostings,
    BackendCaller backends,
    TimeProvider clock,
    SkillCatalogOptions options)
{
    private sealed record Snapshot(Dictionary<string, Skill> Skills, DateTimeOffset LoadedAt);

    /// <summary>A code fetched on its own: its entry, or null when the catalog does not know it; valid until <c>Expires</c>.</summary>
    private readonly record struct Fetched(Skill? Skill, DateTimeOffset Expires);

    private readonly Lock _gate = new();
    private Snapshot? _snapshot;
    private Task<bool>? _loading;
    private DateTimeOffset _nextTry = DateTimeOffset.MinValue;
    private readonly ConcurrentDictionary<string, Fetched> _fetched = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _fetching = new(StringComparer.Ordinal);

    /// <summary>The entries of <paramref name="codes"/> the catalog knows.</summary>
    public async Task<SkillLookup> LookUpAsync(IEnumerable<string> codes, CancellationToken cancellationToken)
    {
        var snapshot = await FreshSnapshotAsync(cancellationToken);
        var found = new Dictionary<string, Skill>(StringComparer.Ordinal);
        List<string>? missing = null;
        foreach (var code in codes)
        {
            if (found.ContainsKey(code)) continue;
            var known = Known(snapshot, code, out var skill);
            if (known is true) found[code] = skill!;
            else if (known is null) (missing ??= []).Add(code);
        }
        if (missing is null) return new SkillLookup(found, Reachable: true);

        await FetchOnceAsync(missing.Distinct(StringComparer.Ordinal).ToArray(), cancellationToken);
        var reachable = true;
        foreach (var code in missing)
        {
            var known = Known(snapshot, code, out var skill);
            if (known is true) found[code] = skill!;
            else if (known is null) reachable = false; // its fetch failed: the job postings service is unreachable
        }
        return new SkillLookup(found, reachable);
    }

    /// <summary>True with the entry when known, false when the catalog said it does not know the code, null when not known yet.</summary>
    private bool? Known(Snapshot? snapshot, string code, out Skill? skill)
    {
        if (snapshot is not null && snapshot.Skills.TryGetValue(code, out skill)) return true;
        if (_fetched.TryGetValue(code, out var fetched) && fetched.Expires > clock.GetUtcNow())
        {
            skill = fetched.Skill;
            return skill is not null;
        }
        skill = null;
        return null;
    }

    /// <summary>
    /// The current copy. Expired (or never loaded): one request reloads it and waits; the others use the old copy, or,
    /// with none yet, wait for the same load. A failed load is not retried for RetryAfterFailure.
    /// </summary>
    private async Task<Snapshot?> FreshSnapshotAsync(CancellationToken cancellationToken)
    {
        Task<bool> load;
        Snapshot? current;
        bool mine;
        lock (_gate)
        {
            current = _snapshot;
            var now = clock.GetUtcNow();
            if (current is not null && now - current.LoadedAt < options.RefreshInterval) return current;
            if (now < _nextTry && _loading is null) return current;
            mine = _loading is null;
            load = _loading ??= LoadAsync(cancellationToken);
        }
        if (current is not null && !mine) return current;
        try
        {
            await load.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (!mine && !cancellationToken.IsCancellationRequested)
        {
            // The request that loaded gave up; this one goes on without the catalog (its codes are fetched on their own).
        }
        return Volatile.Read(ref _snapshot);
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        await Task.Yield(); // out of the lock
        var loaded = false;
        try
        {
            var skills = new Dictionary<string, Skill>(StringComparer.Ordinal);
            var token = string.Empty;
            for (var page = 0; page < options.MaxPages; page++)
            {
                var request = new ListSkillsRequest { PageSize = options.PageSize, PageToken = token, IncludeDeprecated = true };
                var result = await backends.TryAsync(Backends.JobPostings, async t => await jobPostings.ListSkillsAsync(request, cancellationToken: t), cancellationToken);
                if (!result.Reachable) return false;
                foreach (var skill in result.Value!.Skills) skills[skill.Code] = skill;
                token = result.Value.NextPageToken;
                if (token.Length == 0) break;
            }
            var now = clock.GetUtcNow();
            Volatile.Write(ref _snapshot, new Snapshot(skills, now));
            foreach (var (code, fetched) in _fetched)
                if (fetched.Expires <= now) _fetched.TryRemove(KeyValuePair.Create(code, fetched));
            loaded = true;
            return true;
        }
        finally
        {
            lock (_gate)
            {
                _loading = null;
                // A cancelled load (the caller gave up) says nothing about the backend: the next request may try at once.
                if (!loaded && !cancellationToken.IsCancellationRequested) _nextTry = clock.GetUtcNow() + options.RetryAfterFailure;
            }
        }
    }

    /// <summary>Fetches the codes nobody is fetching (one BatchGetSkills per BatchSize codes) and waits for those others are.</summary>
    private async Task FetchOnceAsync(string[] codes, CancellationToken cancellationToken)
    {
        var mine = new List<(string Code, TaskCompletionSource Done)>();
        var theirs = new List<Task>();
        foreach (var code in codes)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var fetching = _fetching.GetOrAdd(code, done.Task);
            if (fetching != done.Task) theirs.Add(fetching);
            else if (_fetched.TryGetValue(code, out var fetched) && fetched.Expires > clock.GetUtcNow())
            {
                // Fetched between the caller's look and here: nothing to do.
                _fetching.TryRemove(KeyValuePair.Create(code, done.Task));
                done.SetResult();
            }
            else mine.Add((code, done));
        }
        try
        {
            foreach (var chunk in mine.Chunk(Math.Max(1, options.BatchSize)))
            {
                var request = new BatchGetSkillsRequest { Codes = { chunk.Select(c => c.Code) } };
                var result = await backends.TryAsync(Backends.JobPostings, async t => await jobPostings.BatchGetSkillsAsync(request, cancellationToken: t), cancellationToken);
                if (!result.Reachable) continue;
                var expires = clock.GetUtcNow() + options.RefreshInterval;
                var returned = new HashSet<string>(StringComparer.Ordinal);
                foreach (var skill in result.Value!.Skills)
                {
                    _fetched[skill.Code] = new Fetched(skill, expires);
                    returned.Add(skill.Code);
                }
                // Codes the catalog does not know (listed in missing_codes, or simply not returned) are remembered as unknown.
                foreach (var (code, _) in chunk)
                    if (!returned.Contains(code)) _fetched[code] = new Fetched(null, expires);
            }
        }
        finally
        {
            foreach (var (code, done) in mine)
            {
                _fetching.TryRemove(KeyValuePair.Create(code, done.Task));
                done.SetResult();
            }
        }
        if (theirs.Count == 0) return;
        Interlocked.Increment(ref _waitingForOthers);
        try
        {
            await Task.WhenAll(theirs).WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waitingForOthers);
        }
    }

    private int _waitingForOthers;

    /// <summary>Requests waiting now for codes another request is fetching (what single-flight saves; tests watch it).</summary>
    public int WaitingForOthersFetches => Volatile.Read(ref _waitingForOthers);
}
