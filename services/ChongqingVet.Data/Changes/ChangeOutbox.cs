using System.Data.Common;
using System.Text.RegularExpressions;
using ChongqingVet.Domain.Codes;
using Dapper;
using Google.Protobuf;
using Microsoft.Data.SqlClient;
using Npgsql;

namespace ChongqingVet.Data.Changes;

/// <summary>The change kinds the four services write (docs/CHANGE_FEEDS.md lists them per resource).</summary>
public static class ChangeKind
{
    public const string Created = "CREATED";
    public const string Updated = "UPDATED";
    public const string Issued = "ISSUED";
    public const string Revoked = "REVOKED";
    public const string Recorded = "RECORDED";
    public const string Enrolled = "ENROLLED";
    public const string Graded = "GRADED";
    public const string Opened = "OPENED";
    public const string Closed = "CLOSED";
    public const string Deprecated = "DEPRECATED";
}

/// <summary>
/// One change to append: the resource's name (e.g. <c>certificates/{number}</c>), the kind of change and the resource's
/// new state. The state must already be redacted as the List calls redact it for a caller without a personal-data
/// scope (no names, no ID numbers); the outbox withholds anything left that is shaped like an ID number.
/// </summary>
public sealed record PendingChange(string ResourceName, string Kind, IMessage State);

/// <summary>
/// The transactional outbox (docs/CHANGE_FEEDS.md): appends change rows inside the writing transaction, so a change is
/// in the feed exactly when its write committed and a write that fails or rolls back leaves none. Called by the
/// repository method that writes the resource (one place per write, whichever use case, import or seeder calls it).
/// <para>
/// Ordering: each append first adds to <c>change_head.last_sequence</c>, which takes that row's lock until the
/// transaction ends (PostgreSQL and SQL Server row locks; SQLite's single writer under BEGIN IMMEDIATE). Concurrent
/// writers therefore take sequences one after another and commit in sequence order, and a rolled-back transaction
/// returns its numbers: the committed sequence is gapless, and a reader that sees sequence n sees every change before
/// it — unlike an identity column, whose values PostgreSQL commits out of order. Append as late in the transaction as
/// possible (after the resource's own write): the lock is then held only for the rest of the write and the commit.
/// </para>
/// </summary>
public static partial class ChangeOutbox
{
    /// <summary>The longest resource name and type the table holds (migration 0005).</summary>
    public const int MaxResourceNameLength = 300;
    public const int MaxResourceTypeLength = 100;
    public const int MaxKindLength = 40;

    /// <summary>What replaces a value shaped like a national ID number in a state.</summary>
    public const string Withheld = "(withheld)";

    // Takes the head row's lock and reserves @Count sequences (the caller's transaction holds both until it ends), then
    // reads the last of them: one round trip.
    private const string ReserveSql = """
        UPDATE change_head SET last_sequence = last_sequence + @Count WHERE id = 1;
        SELECT last_sequence FROM change_head WHERE id = 1
        """;

    // One change: reserves its sequence and inserts it in one round trip (most writes append exactly one).
    private const string AppendOneSql = """
        UPDATE change_head SET last_sequence = last_sequence + 1 WHERE id = 1;
        INSERT INTO changes (sequence, resource_type, resource_name, kind, state, occurred_at)
        SELECT last_sequence, @ResourceType, @ResourceName, @Kind, @State, @OccurredAt FROM change_head WHERE id = 1;
        SELECT last_sequence FROM change_head WHERE id = 1
        """;

    private static readonly BulkColumn[] Columns =
    [
        new("sequence", "bigint", typeof(long)),
        new("resource_type", "text", typeof(string)),
        new("resource_name", "text", typeof(string)),
        new("kind", "text", typeof(string)),
        new("state", "text", typeof(string)),
        new("occurred_at", "bigint", typeof(long)),
    ];

    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default);

    /// <summary>Appends one change inside the caller's transaction; returns its sequence.</summary>
    public static Task<long> AppendAsync(DbConnection connection, DbTransaction transaction, string resourceName, string kind, IMessage state,
        TimeProvider clock, CancellationToken cancellationToken) =>
        AppendAsync(connection, transaction, [new PendingChange(resourceName, kind, state)], clock, cancellationToken);

    /// <summary>Appends one change whose state is <paramref name="resource"/> itself and returns the resource (for the repository to return).</summary>
    public static async Task<T> PublishAsync<T>(DbConnection connection, DbTransaction transaction, string resourceName, string kind, T resource,
        TimeProvider clock, CancellationToken cancellationToken) where T : IMessage
    {
        await AppendAsync(connection, transaction, resourceName, kind, resource, clock, cancellationToken);
        return resource;
    }

    /// <summary>
    /// Appends the changes, in order, inside the caller's transaction (one multi-row insert for a batch such as an
    /// import); returns the sequence of the last one (0 when there are none).
    /// </summary>
    public static async Task<long> AppendAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<PendingChange> changes,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        if (changes.Count == 0) return 0;
        var rows = changes.Select(Row).ToArray();
        var occurredAt = clock.GetUtcNow().ToUnixTimeMilliseconds();

        if (rows.Length == 1)
        {
            return await connection.ExecuteScalarAsync<long>(new CommandDefinition(AppendOneSql, new
            {
                rows[0].ResourceType,
                rows[0].ResourceName,
                rows[0].Kind,
                rows[0].State,
                OccurredAt = occurredAt,
            }, transaction, cancellationToken: cancellationToken));
        }
        var last = await connection.ExecuteScalarAsync<long>(new CommandDefinition(ReserveSql, new { Count = (long)rows.Length }, transaction, cancellationToken: cancellationToken));
        var first = last - rows.Length + 1;
        await SqlBulk.InsertAsync(connection, transaction, DialectOf(connection), "changes", Columns, rows.Length, (row, column) => column switch
        {
            0 => first + row,
            1 => rows[row].ResourceType,
            2 => rows[row].ResourceName,
            3 => rows[row].Kind,
            4 => rows[row].State,
            _ => occurredAt,
        }, cancellationToken);
        return last;
    }

    /// <summary>The state as stored: the message's protobuf JSON, with every value shaped like a national ID number withheld.</summary>
    public static string StateJson(IMessage state) => WithoutIdNumbers(Json.Format(state));

    /// <summary>
    /// Replaces every run of 17 digits and a check character that is a valid national ID number checksum (and every
    /// run of exactly 15 digits, the old format) by <see cref="Withheld"/>: a guard under the per-resource redaction,
    /// for free text such as a revocation reason that quotes an ID number.
    /// </summary>
    public static string WithoutIdNumbers(string json) => IdNumberLike().Replace(json, match =>
    {
        var value = match.Value;
        if (value.Length == 15) return Withheld;
        return char.ToUpperInvariant(value[17]) == NationalIdNumber.ComputeCheckCharacter(value.AsSpan(0, 17)) ? Withheld : value;
    });

    [GeneratedRegex("(?<![0-9A-Za-z])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")]
    private static partial Regex IdNumberLike();

    private static (string ResourceType, string ResourceName, string Kind, string State) Row(PendingChange change)
    {
        ArgumentNullException.ThrowIfNull(change.State);
        var type = change.State.Descriptor.FullName;
        if (string.IsNullOrWhiteSpace(change.ResourceName) || change.ResourceName.Length > MaxResourceNameLength)
            throw new ArgumentException($"A change's resource name must have 1 to {MaxResourceNameLength} characters.", nameof(change));
        if (string.IsNullOrWhiteSpace(change.Kind) || change.Kind.Length > MaxKindLength)
            throw new ArgumentException($"A change's kind must have 1 to {MaxKindLength} characters.", nameof(change));
        if (type.Length > MaxResourceTypeLength)
            throw new ArgumentException($"A change's resource type must have at most {MaxResourceTypeLength} characters.", nameof(change));
        return (type, change.ResourceName, change.Kind, StateJson(change.State));
    }

    private static SqlDialect DialectOf(DbConnection connection) => connection switch
    {
        NpgsqlConnection => SqlDialect.Postgres,
        SqlConnection => SqlDialect.SqlServer,
        _ => SqlDialect.Sqlite,
    };
}
