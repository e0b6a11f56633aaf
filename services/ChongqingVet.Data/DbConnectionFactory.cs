using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ChongqingVet.Data;

/// <summary>Opens connections to the service's own database. One connection per operation.</summary>
public interface IDbConnectionFactory
{
    DatabaseProvider Provider { get; }

    SqlDialect Dialect { get; }

    Task<DbConnection> OpenAsync(CancellationToken cancellationToken);
}

public sealed class DbConnectionFactory : IDbConnectionFactory
{
    // Durability and concurrency settings for SQLite, applied on every connection: WAL lets readers run beside
    // the one writer, synchronous=FULL makes an acknowledged commit survive power loss, and the busy timeout
    // makes concurrent writers queue instead of failing.
    private const string SqlitePragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";

    private readonly DatabaseOptions _options;
    private readonly NpgsqlDataSource? _postgres;

    public DbConnectionFactory(DatabaseOptions options)
    {
        _options = options;
        Dialect = SqlDialect.For(options.Provider);
        if (options.Provider == DatabaseProvider.Postgres) _postgres = NpgsqlDataSource.Create(options.ConnectionString);
    }

    public DatabaseProvider Provider => _options.Provider;

    public SqlDialect Dialect { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        switch (_options.Provider)
        {
            case DatabaseProvider.Postgres:
                return await _postgres!.OpenConnectionAsync(cancellationToken);
            case DatabaseProvider.SqlServer:
                var sqlServer = new SqlConnection(_options.ConnectionString);
                await sqlServer.OpenAsync(cancellationToken);
                return sqlServer;
            default:
                var sqlite = new SqliteConnection(_options.ConnectionString);
                await sqlite.OpenAsync(cancellationToken);
                await using (var pragma = sqlite.CreateCommand())
                {
                    pragma.CommandText = SqlitePragmas;
                    await pragma.ExecuteNonQueryAsync(cancellationToken);
                }
                return sqlite;
        }
    }
}
