using System.Collections.Concurrent;
using System.Data.Common;
using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ChongqingVet.Data;

/// <summary>One column of a bulk insert: its name and, for PostgreSQL's <c>unnest</c>, its array element type and CLR type.</summary>
public sealed record BulkColumn(string Name, string PostgresType, Type ClrType);

/// <summary>
/// Multi-row writes and set membership, per dialect (the bulk half of <see cref="SqlDialect"/>):
/// <list type="bullet">
/// <item>PostgreSQL: one <c>INSERT … SELECT columns FROM unnest(@c0::type[], …) AS batch (columns)</c> per call, one typed array per column
/// (a single statement and a single round trip, whatever the row count);</item>
/// <item>SQLite: <c>INSERT … SELECT value ->> 0, … FROM json_each(@rows)</c>: the rows travel as one JSON array of
/// arrays in a single text parameter (blobs as hex, turned back by <c>unhex</c>), up to <see cref="SqliteRowsPerStatement"/>
/// rows per statement. SQLite binds each named parameter with a linear search over the statement's parameter names, so
/// a multi-row VALUES statement costs time quadratic in its parameters; one parameter per statement avoids that;</item>
/// <item>SQL Server: <c>INSERT … VALUES (…), (…)</c>, several rows per statement (its limits of 2,100 parameters and
/// 1,000 rows), one command reused for the full chunks, the statement text cached per (table, columns, rows).</item>
/// </list>
/// Values are bound as parameters, never spliced into the SQL text. <see cref="JsonList{T}"/> is the list form of the
/// same idea for lookups: SQLite reads <c>column IN (SELECT value FROM json_each(@List))</c> (blobs:
/// <c>SELECT unhex(value)</c>) from one parameter instead of one parameter per element.
/// </summary>
public static partial class SqlBulk
{
    private static readonly ConcurrentDictionary<(string Table, string Columns, int Rows, DatabaseProvider Provider), string> Statements = new();

    /// <summary>
    /// A query whose list parameters are written <c>column IN @List</c> (Dapper expands the list on SQLite and SQL
    /// Server), as the dialect runs it: on PostgreSQL each becomes <c>column = ANY(@List)</c> (Dapper passes the
    /// array as one parameter to Npgsql). Lists longer than <see cref="MaxListLength"/> must be split by the caller.
    /// </summary>
    public static string WithInLists(this SqlDialect dialect, string sql) =>
        dialect.Provider == DatabaseProvider.Postgres ? InListPattern().Replace(sql, "$1 = ANY(@$2)") : sql;

    [System.Text.RegularExpressions.GeneratedRegex(@"\b([\w.]+)\s+IN\s+@(\w+)")]
    private static partial System.Text.RegularExpressions.Regex InListPattern();

    /// <summary>The longest list <see cref="WithInLists"/> takes (SQL Server allows 2,100 parameters per statement).</summary>
    public const int MaxListLength = 1000;

    /// <summary>Rows per SQLite statement (one JSON text parameter each; bounds the text a statement carries).</summary>
    public const int SqliteRowsPerStatement = 1000;

    private static readonly JsonWriterOptions JsonOptions = new()
    {
        // Non-ASCII text (names, organisations) stays as UTF-8; quotes, backslashes and control characters are escaped.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    /// <summary>Inserts <paramref name="rowCount"/> rows; <paramref name="value"/>(row, column) gives each value (null: NULL).</summary>
    public static async Task InsertAsync(DbConnection connection, DbTransaction transaction, SqlDialect dialect, string table,
        IReadOnlyList<BulkColumn> columns, int rowCount, Func<int, int, object?> value, CancellationToken cancellationToken)
    {
        if (rowCount == 0) return;
        var columnList = string.Join(", ", columns.Select(c => c.Name));
        if (dialect.Provider == DatabaseProvider.Postgres)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Statements.GetOrAdd((table, columnList, 0, dialect.Provider), _ => InsertSql(dialect, table, columns, rowCount));
            for (var c = 0; c < columns.Count; c++)
            {
                var array = Array.CreateInstance(columns[c].ClrType, rowCount);
                for (var r = 0; r < rowCount; r++) array.SetValue(value(r, c), r);
                var parameter = command.CreateParameter();
                parameter.ParameterName = "c" + c;
                parameter.Value = array;
                command.Parameters.Add(parameter);
            }
            await command.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        if (dialect.Provider == DatabaseProvider.Sqlite)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Statements.GetOrAdd((table, columnList, 0, dialect.Provider), _ => InsertSql(dialect, table, columns, rowCount));
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@rows";
            command.Parameters.Add(parameter);
            var buffer = new ArrayBufferWriter<byte>(16 * 1024);
            for (var first = 0; first < rowCount; first += SqliteRowsPerStatement)
            {
                var rows = Math.Min(SqliteRowsPerStatement, rowCount - first);
                buffer.ResetWrittenCount();
                using (var json = new Utf8JsonWriter(buffer, JsonOptions))
                {
                    json.WriteStartArray();
                    for (var r = 0; r < rows; r++)
                    {
                        json.WriteStartArray();
                        for (var c = 0; c < columns.Count; c++) WriteJsonValue(json, value(first + r, c), table, columns[c].Name);
                        json.WriteEndArray();
                    }
                    json.WriteEndArray();
                }
                // Text, not bytes: a blob parameter would be read as SQLite's binary JSONB.
                parameter.Value = Encoding.UTF8.GetString(buffer.WrittenSpan);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            return;
        }

        var maxRows = Math.Max(1, Math.Min(1000, 2000 / columns.Count));
        DbCommand? full = null;
        try
        {
            for (var first = 0; first < rowCount; first += maxRows)
            {
                var rows = Math.Min(maxRows, rowCount - first);
                // A full chunk reuses one command (SQLite keeps its prepared statement); the last, shorter one gets its own.
                var command = rows == maxRows ? full ??= NewValuesCommand(connection, transaction, dialect, table, columns, columnList, rows)
                                              : NewValuesCommand(connection, transaction, dialect, table, columns, columnList, rows);
                try
                {
                    for (var r = 0; r < rows; r++)
                        for (var c = 0; c < columns.Count; c++)
                            command.Parameters[r * columns.Count + c].Value = value(first + r, c) ?? DBNull.Value;
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                finally
                {
                    if (!ReferenceEquals(command, full)) await command.DisposeAsync();
                }
            }
        }
        finally
        {
            if (full is not null) await full.DisposeAsync();
        }
    }

    /// <summary>
    /// The statement that inserts <paramref name="rows"/> rows: on PostgreSQL <c>INSERT … SELECT columns FROM unnest(@c0::type[], …) AS batch (columns)</c>
    /// (any row count; parameter @cN holds column N's array), on SQLite <c>INSERT … SELECT value ->> 0, … FROM json_each(@rows)</c>
    /// (any row count; @rows is a JSON array of rows, each an array of the columns' values, blobs as hex), on SQL Server
    /// <c>INSERT … VALUES (@p0, …), (…)</c> (parameter @p(row × columns + column)).
    /// </summary>
    public static string InsertSql(SqlDialect dialect, string table, IReadOnlyList<BulkColumn> columns, int rows)
    {
        var columnList = string.Join(", ", columns.Select(c => c.Name));
        // Table and column names come from the callers' constant column descriptors, never from input; every value is a parameter.
        if (dialect.Provider == DatabaseProvider.Postgres)
            return $"INSERT INTO {table} ({columnList}) SELECT {columnList} FROM unnest("
                   + string.Join(", ", columns.Select((c, i) => $"@c{i}::{c.PostgresType}[]")) + $") AS batch ({columnList})";
        if (dialect.Provider == DatabaseProvider.Sqlite)
            return $"INSERT INTO {table} ({columnList}) SELECT "
                   + string.Join(", ", columns.Select((c, i) => c.ClrType == typeof(byte[]) ? $"unhex(value ->> {i})" : $"value ->> {i}"))
                   + " FROM json_each(@rows)";
        var sql = new StringBuilder($"INSERT INTO {table} ({columnList}) VALUES ");
        for (var r = 0; r < rows; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Count; c++) sql.Append(c == 0 ? "@p" : ", @p").Append(r * columns.Count + c);
            sql.Append(')');
        }
        return sql.ToString();
    }

    /// <summary>
    /// A list parameter for SQLite's <c>IN (SELECT value FROM json_each(@List))</c>: the values as one JSON array (byte
    /// arrays as hex, read back with <c>SELECT unhex(value)</c>). One parameter, however long the list.
    /// </summary>
    public static string JsonList<T>(IEnumerable<T> values)
    {
        var buffer = new ArrayBufferWriter<byte>(4 * 1024);
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartArray();
            foreach (var value in values) WriteJsonValue(json, value, "list", "value");
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>One value as SQLite's json_each reads it back (->> gives TEXT, INTEGER, REAL or NULL; blobs go as hex).</summary>
    private static void WriteJsonValue(Utf8JsonWriter json, object? value, string table, string column)
    {
        switch (value)
        {
            case null or DBNull: json.WriteNullValue(); break;
            case string text: json.WriteStringValue(text); break;
            case long number: json.WriteNumberValue(number); break;
            case int number: json.WriteNumberValue(number); break;
            case short number: json.WriteNumberValue(number); break;
            case byte number: json.WriteNumberValue(number); break;
            case bool flag: json.WriteNumberValue(flag ? 1 : 0); break;
            case double number: json.WriteNumberValue(number); break;
            case byte[] bytes: json.WriteStringValue(Convert.ToHexString(bytes)); break;
            default:
                throw new ArgumentException($"{table}.{column}: a bulk value of type {value.GetType().Name} has no SQLite JSON form.", nameof(value));
        }
    }

    private static DbCommand NewValuesCommand(DbConnection connection, DbTransaction transaction, SqlDialect dialect, string table,
        IReadOnlyList<BulkColumn> columns, string columnList, int rows)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Statements.GetOrAdd((table, columnList, rows, dialect.Provider), _ => InsertSql(dialect, table, columns, rows));
        for (var i = 0; i < rows * columns.Count; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + i;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}
