using ChongqingVet.Data;
using ChongqingVet.Insights.Feeds;
using Dapper;

namespace ChongqingVet.Insights.Data;

/// <summary>
/// The read model's tables (Migrations/*/0001_read_model.sql): the latest state per resource and one cursor per source.
/// <see cref="ApplyAsync"/> writes a batch of one source's changes and that source's cursor in one transaction, so the
/// cursor never runs ahead of (or behind) the changes it covers; a change whose sequence is not newer than the stored
/// row's changes nothing (idempotent replay, at-least-once feeds).
/// </summary>
public sealed class ReadModelStore(IDbConnectionFactory database, ReadModelMapper mapper, TimeProvider time)
{
    private const string UpdateResourceSql = """
        UPDATE insight_resources SET resource_type = @ResourceType, kind = @Kind, sequence = @Sequence, change_time = @ChangeTime, state_json = @StateJson
        WHERE source = @Source AND resource_name = @ResourceName AND sequence < @Sequence
        """;

    private const string SelectResourceSequenceSql = """
        SELECT sequence FROM insight_resources WHERE source = @Source AND resource_name = @ResourceName
        """;

    private const string InsertResourceSql = """
        INSERT INTO insight_resources (source, resource_name, resource_type, kind, sequence, change_time, state_json)
        VALUES (@Source, @ResourceName, @ResourceType, @Kind, @Sequence, @ChangeTime, @StateJson)
        """;

    private const string UpdateCursorSql = """
        UPDATE insight_cursors SET cursor_token = @Cursor, sequence = @Sequence, applied_at = @AppliedAt
        WHERE source = @Source AND sequence <= @Sequence
        """;

    private const string SelectCursorSql = """
        SELECT source AS Source, cursor_token AS CursorToken, sequence AS Sequence, applied_at AS AppliedAt FROM insight_cursors WHERE source = @Source
        """;

    private const string InsertCursorSql = """
        INSERT INTO insight_cursors (source, cursor_token, sequence, applied_at) VALUES (@Source, @Cursor, @Sequence, @AppliedAt)
        """;

    private const string ListCursorsSql = """
        SELECT source AS Source, cursor_token AS CursorToken, sequence AS Sequence, applied_at AS AppliedAt FROM insight_cursors ORDER BY source
        """;

    private const string CountResourcesSql = """
        SELECT source AS Source, COUNT(*) AS Resources FROM insight_resources GROUP BY source ORDER BY source
        """;

    private const string LoadResourcesSql = """
        SELECT resource_type AS ResourceType, state_json AS StateJson FROM insight_resources ORDER BY source, resource_name
        """;

    /// <summary>
    /// Applies one source's changes (and heartbeats) in feed order and moves its cursor to the last one, in one
    /// transaction. A state that is not valid protobuf JSON for its type fails the whole batch: nothing is written.
    /// </summary>
    public async Task ApplyAsync(string source, IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0) return;
        var last = events[^1];
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var change in events.Where(e => !e.IsHeartbeat))
        {
            // Parsed (and stripped of personal fields) inside the transaction: a poison change rolls back the whole batch,
            // including the changes written before it.
            var row = new
            {
                Source = source,
                change.ResourceName,
                change.ResourceType,
                change.Kind,
                change.Sequence,
                ChangeTime = change.ChangeTime.ToUnixTimeMilliseconds(),
                StateJson = mapper.Normalise(change.ResourceType, change.StateJson),
            };
            var updated = await connection.ExecuteAsync(new CommandDefinition(UpdateResourceSql, row, transaction, cancellationToken: cancellationToken));
            if (updated > 0) continue;
            var existing = await connection.QueryFirstOrDefaultAsync<long?>(new CommandDefinition(SelectResourceSequenceSql, row, transaction, cancellationToken: cancellationToken));
            if (existing is not null) continue; // the stored state is as new or newer: a replayed change changes nothing
            await connection.ExecuteAsync(new CommandDefinition(InsertResourceSql, row, transaction, cancellationToken: cancellationToken));
        }
        var cursor = new { Source = source, last.Cursor, Sequence = events.Max(e => e.Sequence), AppliedAt = time.GetUtcNow().ToUnixTimeMilliseconds() };
        var moved = await connection.ExecuteAsync(new CommandDefinition(UpdateCursorSql, cursor, transaction, cancellationToken: cancellationToken));
        if (moved == 0 && await connection.QueryFirstOrDefaultAsync<CursorRow>(new CommandDefinition(SelectCursorSql, cursor, transaction, cancellationToken: cancellationToken)) is null)
            await connection.ExecuteAsync(new CommandDefinition(InsertCursorSql, cursor, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    // Re-sync (Feeds/FeedFollower.cs): one source's rows of the re-listed types are replaced and its cursor is set, whatever it was.
    private const string DeleteSourceTypeSql = """
        DELETE FROM insight_resources WHERE source = @Source AND resource_type = @ResourceType
        """;

    private const string ResetSequenceSql = """
        UPDATE insight_resources SET sequence = 0 WHERE source = @Source AND resource_type = @ResourceType
        """;

    private const string SetCursorSql = """
        UPDATE insight_cursors SET cursor_token = @Cursor, sequence = @Sequence, applied_at = @AppliedAt WHERE source = @Source
        """;

    private static readonly BulkColumn[] ResourceColumns =
    [
        new("source", "text", typeof(string)),
        new("resource_name", "text", typeof(string)),
        new("resource_type", "text", typeof(string)),
        new("kind", "text", typeof(string)),
        new("sequence", "bigint", typeof(long)),
        new("change_time", "bigint", typeof(long)),
        new("state_json", "text", typeof(string)),
    ];

    /// <summary>The kind stored for a row that came from a List call instead of a change.</summary>
    public const string ListedKind = "LISTED";

    /// <summary>
    /// A re-sync: in one transaction, deletes the source's rows of <paramref name="replacedTypes"/>, inserts
    /// <paramref name="resources"/> (the List calls' states, stored as of <paramref name="head"/>'s sequence so that any
    /// change after the head replaces them and none before it does) and sets the source's cursor to
    /// <paramref name="cursor"/>/<paramref name="cursorSequence"/> even if the stored one was further (CURSOR_AHEAD).
    /// The rows of <paramref name="replayedTypes"/> (types no List call returns in full, replayed from the feed's oldest
    /// kept change) are kept with sequence 0, so any replayed change replaces them — also after CURSOR_AHEAD, when their
    /// sequences came from a feed history that no longer exists. Other types and other sources are untouched. States are
    /// normalised (and stripped of personal fields) before the transaction: a bad one fails the re-sync and nothing is written.
    /// </summary>
    public async Task ReplaceSourceAsync(string source, IReadOnlyCollection<string> replacedTypes, IReadOnlyCollection<string> replayedTypes,
        IReadOnlyList<ListedResource> resources, FeedHead head, string cursor, long cursorSequence, CancellationToken cancellationToken)
    {
        var rows = resources
            .Select(r => (r.ResourceName, r.ResourceType, StateJson: mapper.Normalise(r.ResourceType, r.StateJson)))
            .GroupBy(r => r.ResourceName, StringComparer.Ordinal).Select(g => g.Last()) // a name listed twice: the later listing
            .ToList();
        var changeTime = head.Time.ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var type in replacedTypes)
            await connection.ExecuteAsync(new CommandDefinition(DeleteSourceTypeSql, new { Source = source, ResourceType = type }, transaction, cancellationToken: cancellationToken));
        foreach (var type in replayedTypes)
            await connection.ExecuteAsync(new CommandDefinition(ResetSequenceSql, new { Source = source, ResourceType = type }, transaction, cancellationToken: cancellationToken));
        foreach (var chunk in rows.Chunk(2000))
        {
            await SqlBulk.InsertAsync(connection, transaction, database.Dialect, "insight_resources", ResourceColumns, chunk.Length, (row, column) => column switch
            {
                0 => source,
                1 => chunk[row].ResourceName,
                2 => chunk[row].ResourceType,
                3 => ListedKind,
                4 => head.Sequence,
                5 => changeTime,
                _ => chunk[row].StateJson,
            }, cancellationToken);
        }
        var position = new { Source = source, Cursor = cursor, Sequence = cursorSequence, AppliedAt = time.GetUtcNow().ToUnixTimeMilliseconds() };
        if (await connection.ExecuteAsync(new CommandDefinition(SetCursorSql, position, transaction, cancellationToken: cancellationToken)) == 0)
            await connection.ExecuteAsync(new CommandDefinition(InsertCursorSql, position, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The stored cursor of a source, or null before its first change.</summary>
    public async Task<CursorRow?> GetCursorAsync(string source, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<CursorRow>(new CommandDefinition(SelectCursorSql, new { Source = source }, cancellationToken: cancellationToken));
    }

    /// <summary>Every stored cursor, and the resources held per source.</summary>
    public async Task<(IReadOnlyList<CursorRow> Cursors, IReadOnlyDictionary<string, long> Resources)> StatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var cursors = (await connection.QueryAsync<CursorRow>(new CommandDefinition(ListCursorsSql, cancellationToken: cancellationToken))).ToList();
        var counts = (await connection.QueryAsync<(string Source, long Resources)>(new CommandDefinition(CountResourcesSql, cancellationToken: cancellationToken)))
            .ToDictionary(r => r.Source, r => r.Resources, StringComparer.Ordinal);
        return (cursors, counts);
    }

    /// <summary>The whole read model, mapped for the indicators.</summary>
    public async Task<Domain.ReadModelSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string ResourceType, string StateJson)>(new CommandDefinition(LoadResourcesSql, cancellationToken: cancellationToken));
        return mapper.ToSnapshot(rows);
    }

    /// <summary>A stored cursor.</summary>
    public sealed record CursorRow(string Source, string CursorToken, long Sequence, long AppliedAt);
}
