using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace ChongqingVet.Data;

/// <summary>
/// Open SQLite connections kept with their compiled statements. Microsoft.Data.Sqlite compiles a command's SQL on its first
/// execution and finalizes it when the command is disposed or its connection closed, and Dapper makes a command per query:
/// without this every query compiled its SQL again, most of a read's SQLite time (docs/PERFORMANCE.md, "Where a backend's
/// CPU goes"). At most <see cref="DatabaseOptions.SqliteCachedConnections"/> idle connections are kept; a connection
/// given back closed, inside a transaction or with a command still out is closed instead.
/// </summary>
internal sealed class SqliteConnectionCache(DatabaseOptions options) : IDisposable
{
    private readonly Stack<CachingSqliteConnection> _idle = new();
    private bool _disposed;

    public CachingSqliteConnection? Rent()
    {
        lock (_idle) return _idle.TryPop(out var connection) ? connection : null;
    }

    /// <summary>True when <paramref name="connection"/> is kept for the next <see cref="Rent"/>; false: the caller closes it.</summary>
    public bool TryReturn(CachingSqliteConnection connection)
    {
        // Inside a transaction, or with a statement still out (a reader still open holds a read snapshot that stops
        // checkpoints): closed instead, which rolls back and finalizes.
        if (connection.State != ConnectionState.Open || connection.StatementsOut > 0 || SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) == 0) return false;
        lock (_idle)
        {
            if (_disposed || _idle.Count >= options.SqliteCachedConnections) return false;
            _idle.Push(connection);
            return true;
        }
    }

    public void Dispose()
    {
        CachingSqliteConnection[] idle;
        lock (_idle)
        {
            _disposed = true;
            idle = _idle.ToArray();
            _idle.Clear();
        }
        foreach (var connection in idle) connection.Close();
    }
}

/// <summary>A SQLite connection whose dispose hands it back to its cache, and whose commands reuse compiled statements.</summary>
internal sealed class CachingSqliteConnection(string connectionString, SqliteConnectionCache cache, int maxStatements) : SqliteConnection(connectionString)
{
    private readonly Dictionary<string, Stack<SqliteCommand>> _statements = new(StringComparer.Ordinal);

    /// <summary>Commands rented and not yet given back.</summary>
    internal int StatementsOut { get; private set; }

    protected override DbCommand CreateDbCommand() => new CachedStatementCommand(this);

    /// <summary>A compiled command for <paramref name="sql"/>, or a new one; it is this caller's until <see cref="Return"/>.</summary>
    internal SqliteCommand Rent(string sql)
    {
        StatementsOut++;
        if (_statements.TryGetValue(sql, out var free) && free.TryPop(out var command)) return command;
        command = base.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    /// <summary>Gives <paramref name="command"/> back; one whose reader is still open is disposed, not kept.</summary>
    internal void Return(SqliteCommand command, bool readerOpen)
    {
        StatementsOut--;
        if (readerOpen || State != ConnectionState.Open)
        {
            command.Dispose();
            return;
        }
        command.Parameters.Clear();
        command.Transaction = null;
        if (!_statements.TryGetValue(command.CommandText, out var free))
        {
            if (_statements.Count >= maxStatements || command.CommandText.Length == 0)
            {
                command.Dispose();
                return;
            }
            _statements[command.CommandText] = free = new Stack<SqliteCommand>(1);
        }
        free.Push(command);
    }

    public override void Close()
    {
        _statements.Clear(); // closing disposes every command the connection made
        base.Close();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && cache.TryReturn(this)) return;
        base.Dispose(disposing);
    }
}

/// <summary>
/// The command Dapper gets: its text and parameters are its own (Dapper holds on to the parameter collection while it
/// rewrites the text for list parameters); executing it rents the compiled command for the text from the connection and
/// binds the parameters there, and disposing it gives that command back.
/// </summary>
internal sealed class CachedStatementCommand(CachingSqliteConnection connection) : DbCommand
{
    private readonly ParameterList _parameters = [];
    private SqliteCommand? _command;
    private SqliteDataReader? _reader;

    [AllowNull]
    public override string CommandText { get; set; } = string.Empty;

    public override int CommandTimeout { get; set; } = 30;

    public override CommandType CommandType { get; set; } = CommandType.Text;

    public override UpdateRowSource UpdatedRowSource { get; set; }

    public override bool DesignTimeVisible { get; set; }

    protected override DbConnection? DbConnection
    {
        get => connection;
        set
        {
            if (!ReferenceEquals(value, connection)) throw new NotSupportedException("A cached statement stays with its connection.");
        }
    }

    protected override DbTransaction? DbTransaction { get; set; }

    protected override DbParameterCollection DbParameterCollection => _parameters;

    protected override DbParameter CreateDbParameter() => new SqliteParameter();

    public override void Cancel() => _command?.Cancel();

    public override void Prepare() => Ready().Prepare();

    public override int ExecuteNonQuery() => Ready().ExecuteNonQuery();

    public override object? ExecuteScalar() => Ready().ExecuteScalar();

    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => _reader = Ready().ExecuteReader(behavior);

    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => Ready().ExecuteNonQueryAsync(cancellationToken);

    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => Ready().ExecuteScalarAsync(cancellationToken);

    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
        _reader = await Ready().ExecuteReaderAsync(behavior, cancellationToken);

    private SqliteCommand Ready()
    {
        var text = CommandText ?? string.Empty;
        if (_command is not null && _command.CommandText != text) GiveBack();
        var command = _command ??= connection.Rent(text);
        command.Parameters.Clear();
        foreach (SqliteParameter parameter in _parameters) command.Parameters.Add(parameter);
        command.Transaction = (SqliteTransaction?)DbTransaction;
        command.CommandTimeout = CommandTimeout;
        command.CommandType = CommandType;
        return command;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _command is not null) GiveBack();
        base.Dispose(disposing);
    }

    private void GiveBack()
    {
        connection.Return(_command!, readerOpen: _reader is { IsClosed: false });
        (_command, _reader) = (null, null);
    }

    private sealed class ParameterList : SqliteParameterCollection;
}
