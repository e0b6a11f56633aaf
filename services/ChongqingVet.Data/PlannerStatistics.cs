using System.Data.Common;
using Dapper;

namespace ChongqingVet.Data;

/// <summary>
/// Keeps PostgreSQL's planner statistics in step with one bulk writer (an import stream) that grows its tables fast.
/// A table that was never analysed has no statistics, and PostgreSQL then estimates that <c>column = ANY(@list)</c>
/// with a list of hundreds matches most of the table: it reads every row instead of probing the index, so each batch's
/// look-ups cost time in proportion to the table. Autovacuum analyses such a table on its next round (a minute by
/// default) — for a fresh database's first import, long after it began. The writer reports the rows it committed; once
/// a table has grown by its size at the previous analysis (at least <see cref="MinRows"/>), it is analysed again: a
/// handful of analyses per stream (one per doubling), each bounded by PostgreSQL's sample size.
/// Other dialects: nothing to do (SQL Server updates its statistics itself as a table grows; SQLite's planner probes
/// an index for an equality without statistics). ANALYZE needs the table's owner — the services' own role, which runs
/// their migrations; another role gets a warning from PostgreSQL and no analysis, not an error.
/// </summary>
public sealed class PlannerStatistics
{
    /// <summary>Rows a table gains before its first analysis by this writer.</summary>
    public const long MinRows = 1000;

    private readonly SqlDialect _dialect;
    private readonly Table[] _tables;

    /// <param name="tables">The tables the writer grows and looks up by lists of keys (constants of the caller, never input).</param>
    public PlannerStatistics(SqlDialect dialect, params string[] tables)
    {
        _dialect = dialect;
        _tables = tables.Select(name => new Table(name)).ToArray();
    }

    private sealed class Table(string name)
    {
        public string Name { get; } = name;

        /// <summary>Rows added that trigger the next analysis (-1: not read yet).</summary>
        public long Threshold { get; set; } = -1;

        public long Added { get; set; }
    }

    /// <summary>Reports <paramref name="rows"/> rows committed to every table; analyses each table that has grown enough.</summary>
    public async Task RowsAddedAsync(DbConnection connection, long rows, CancellationToken cancellationToken)
    {
        if (_dialect.Provider != DatabaseProvider.Postgres || rows <= 0) return;
        foreach (var table in _tables)
        {
            if (table.Threshold < 0) table.Threshold = await ThresholdAsync(connection, table.Name, cancellationToken);
            table.Added += rows;
            if (table.Added < table.Threshold) continue;

            await connection.ExecuteAsync(new CommandDefinition($"ANALYZE {table.Name}", cancellationToken: cancellationToken));
            table.Threshold = await ThresholdAsync(connection, table.Name, cancellationToken);
            table.Added = 0;
        }
    }

    /// <summary>The table's rows as of its last analysis (pg_class.reltuples; -1 when never analysed), at least <see cref="MinRows"/>.</summary>
    private static async Task<long> ThresholdAsync(DbConnection connection, string table, CancellationToken cancellationToken)
    {
        var rows = await connection.ExecuteScalarAsync<double>(new CommandDefinition(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(@Table)", new { Table = table }, cancellationToken: cancellationToken));
        return Math.Max(MinRows, (long)rows);
    }
}
