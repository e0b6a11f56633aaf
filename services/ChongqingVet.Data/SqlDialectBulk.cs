using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;

namespace ChongqingVet.Data;

/// <summary>One column of a bulk insert: its name and, for PostgreSQL's <c>unnest</c>, its array element type and CLR type.</summary>
public sealed record BulkColumn(string Name, string PostgresType, Type ClrType);

/// <summary>
/// Multi-row writes and set membership, per dialect (the bulk half of <see cref="SqlDialect"/>):
/// <list type="bullet">
/// <item>PostgreSQL: one <c>INSERT … SELECT columns FROM unnest(@c0::type[], …) AS batch (columns)</c> per call, one typed array per column
/// (a single statement and a single round trip, whatever the row count);</item>
/// <item>SQLite and SQL Server: <c>INSERT … VALUES (…), (…)</c>, several rows per statement (SQLite: about 256
/// parameters, its named-parameter binding is linear in the statement's parameters; SQL Server: its limits of 2,100
/// parameters and 1,000 rows), one command reused for the full chunks, the statement text cached per (table, columns, rows).</item>
/// </list>
/// Values are bound as parameters, never spliced into the SQL text.
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

    /// <summary>How many parameters one SQLite multi-row statement binds (measured: larger statements bind slower).</summary>
    private const int SqliteParametersPerStatement = 256;

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

        // SQLite binds each named parameter with a linear search over the statement's parameter names, so a statement
        // of thousands of parameters costs quadratic time: a few hundred per statement, the command reused, is fastest.
        var maxRows = Math.Max(1, dialect.Provider == DatabaseProvider.SqlServer
            ? Math.Min(1000, 2000 / columns.Count)
            : SqliteParametersPerStatement / columns.Count);
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
    /// (any row count; parameter @cN holds column N's array), elsewhere <c>INSERT … VALUES (@p0, …), (…)</c> (parameter
    /// @p(row × columns + column)).
    /// </summary>
    public static string InsertSql(SqlDialect dialect, string table, IReadOnlyList<BulkColumn> columns, int rows)
    {
        var columnList = string.Join(", ", columns.Select(c => c.Name));
        if (dialect.Provider == DatabaseProvider.Postgres)
            // Table and column names come from the callers' constant column descriptors, never from input; every value is a parameter.
            return $"INSERT INTO {table} ({columnList}) SELECT {columnList} FROM unnest("
                   + string.Join(", ", columns.Select((c, i) => $"@c{i}::{c.PostgresType}[]")) + $") AS batch ({columnList})";
        var sql = new StringBuilder($"INSERT INTO {table} ({columnList}) VALUES ");
        for (var r = 0; r < rows; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Count; c++) sql.Append(c == 0 ? "@p" : ", @p").Append(r * columns.Count + c);
            sql.Append(')');
        }
        return sql.ToString();
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
