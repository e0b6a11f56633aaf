using System.Data.Common;
using Dapper;

namespace ChongqingVet.Data.Changes;

/// <summary>The feed's head: the last committed sequence and the last sequence retention deleted.</summary>
public sealed record ChangeHead(long LastSequence, long PrunedThrough);

/// <summary>One stored change row.</summary>
public sealed record StoredChange(long Sequence, string ResourceType, string ResourceName, string Kind, string State, DateTimeOffset OccurredAt);

/// <summary>
/// Reads the outbox for WatchChanges and deletes what retention no longer keeps. Reads need no transaction: the
/// head's committed <c>last_sequence</c> n means every change up to n has committed (<see cref="ChangeOutbox"/>), so a
/// read bounded by a head read before it sees a complete, gapless range.
/// </summary>
public sealed class ChangeFeedStore(IDbConnectionFactory connections, TimeProvider clock)
{
    private const string HeadSql = "SELECT last_sequence AS LastSequence, pruned_through AS PrunedThrough FROM change_head WHERE id = 1";

    private const string ReadSql = """
        SELECT sequence AS Sequence, resource_type AS ResourceType, resource_name AS ResourceName, kind AS Kind, state AS State,
               occurred_at AS OccurredAt
        FROM changes
        WHERE sequence > @After AND sequence <= @Through
        ORDER BY sequence
        """;

    // A list parameter: PostgreSQL runs it as "= ANY(@ResourceTypes)" (SqlBulk.WithInLists).
    private const string ReadTypesSql = """
        SELECT sequence AS Sequence, resource_type AS ResourceType, resource_name AS ResourceName, kind AS Kind, state AS State,
               occurred_at AS OccurredAt
        FROM changes
        WHERE sequence > @After AND sequence <= @Through AND resource_type IN @ResourceTypes
        ORDER BY sequence
        """;

    // Retention: the first change young enough to keep, or the newest change when every change is old.
    private const string FirstKeptSql = "SELECT MIN(sequence) FROM changes WHERE occurred_at >= @Before";

    private const string LastSql = "SELECT MAX(sequence) FROM changes";

    private const string DeleteThroughSql = "DELETE FROM changes WHERE sequence <= @Through";

    private const string MovePrunedSql = "UPDATE change_head SET pruned_through = @Through WHERE id = 1 AND pruned_through < @Through";

    private readonly string _readSql = ReadSql + connections.Dialect.Limit();
    private readonly string _readTypesSql = connections.Dialect.WithInLists(ReadTypesSql) + connections.Dialect.Limit();

    public async Task<ChangeHead> HeadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.QuerySingleAsync<ChangeHead>(new CommandDefinition(HeadSql, cancellationToken: cancellationToken));
    }

    /// <summary>Up to <paramref name="limit"/> changes after <paramref name="after"/> and up to <paramref name="through"/>, by sequence; types empty: all.</summary>
    public async Task<IReadOnlyList<StoredChange>> ReadAsync(long after, long through, IReadOnlyCollection<string> types, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = types.Count == 0
            ? await connection.QueryAsync<Row>(new CommandDefinition(_readSql, new { After = after, Through = through, Limit = limit }, cancellationToken: cancellationToken))
            : await connection.QueryAsync<Row>(new CommandDefinition(_readTypesSql,
                new { After = after, Through = through, ResourceTypes = types.ToArray(), Limit = limit }, cancellationToken: cancellationToken));
        return rows.Select(r => new StoredChange(r.Sequence, r.ResourceType, r.ResourceName, r.Kind, r.State, DateTimeOffset.FromUnixTimeMilliseconds(r.OccurredAt)))
            .ToArray();
    }

    /// <summary>
    /// Deletes the changes before the first one younger than <paramref name="retention"/> (so nothing younger is ever
    /// deleted, whatever the replicas' clocks) and moves <c>pruned_through</c> to the last deleted sequence, in one
    /// transaction. Returns how many rows it deleted. Every replica may run it; a second run deletes nothing.
    /// </summary>
    public async Task<int> PruneAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow().Subtract(retention).ToUnixTimeMilliseconds();
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var firstKept = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(FirstKeptSql, new { Before = before }, transaction, cancellationToken: cancellationToken));
        var through = firstKept is { } kept
            ? kept - 1
            : await connection.ExecuteScalarAsync<long?>(new CommandDefinition(LastSql, transaction: transaction, cancellationToken: cancellationToken)) ?? 0;
        if (through <= 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return 0;
        }
        var deleted = await connection.ExecuteAsync(new CommandDefinition(DeleteThroughSql, new { Through = through }, transaction, cancellationToken: cancellationToken));
        // Last: the head row's lock is then held only for the commit.
        await connection.ExecuteAsync(new CommandDefinition(MovePrunedSql, new { Through = through }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    private sealed class Row
    {
        public long Sequence { get; init; }
        public string ResourceType { get; init; } = "";
        public string ResourceName { get; init; } = "";
        public string Kind { get; init; } = "";
        public string State { get; init; } = "";
        public long OccurredAt { get; init; }
    }
}

/// <summary>
/// Wakes this process's streams when a write that may have appended changes has committed (the idempotency store
/// calls <see cref="Notify"/> after every commit). Other replicas' writes are seen at the next poll.
/// </summary>
public sealed class ChangeNotifier
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next notification comes. Take it before reading, so no notification is missed.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

/// <summary>
/// Cursors: opaque to callers, "cqv-changes/1|{feed}|{sequence}" in base64url. The feed's name is inside, so a cursor
/// of another service's feed is refused instead of silently resuming at a foreign position.
/// </summary>
public static class ChangeCursor
{
    private const string Prefix = "cqv-changes/1|";

    public static string Encode(string feed, long sequence) =>
        Base64Url(System.Text.Encoding.UTF8.GetBytes($"{Prefix}{feed}|{sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));

    /// <summary>The sequence in the cursor, or null when it is not a cursor of <paramref name="feed"/>.</summary>
    public static long? Decode(string feed, string cursor)
    {
        if (cursor.Length is 0 or > 200) return null;
        string text;
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(padded));
        }
        catch (FormatException)
        {
            return null;
        }
        var expected = $"{Prefix}{feed}|";
        if (!text.StartsWith(expected, StringComparison.Ordinal)) return null;
        return long.TryParse(text.AsSpan(expected.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence)
            ? sequence
            : null;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
