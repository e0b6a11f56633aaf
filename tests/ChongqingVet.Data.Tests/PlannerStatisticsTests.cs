using ChongqingVet.TestKit.Databases;
using Dapper;

namespace ChongqingVet.Data.Tests;

/// <summary>A bulk writer's tables are analysed on PostgreSQL as they grow: first after <see cref="PlannerStatistics.MinRows"/>, then at each doubling.</summary>
public class PlannerStatisticsTests
{
    [Fact]
    public async Task Postgres_AnalysesATableAtMinRows_ThenEachTimeItHasDoubled()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await using var connection = await CreateTableAsync(database);
        var statistics = new PlannerStatistics(database.Factory.Dialect, "grown");
        long count = 0;

        async Task AddAsync(long rows)
        {
            await connection.ExecuteAsync("INSERT INTO grown (id) SELECT g FROM generate_series(@From, @To) g", new { From = count + 1, To = count + rows });
            count += rows;
            await statistics.RowsAddedAsync(connection, rows, CancellationToken.None);
        }

        await AddAsync(600);
        await AddAsync(399);
        Assert.Equal(-1, await RowsAsync(connection)); // 999 rows: never analysed
        await AddAsync(1);
        Assert.Equal(1000, await RowsAsync(connection));
        await AddAsync(999);
        Assert.Equal(1000, await RowsAsync(connection)); // 1,999 rows: not yet doubled
        await AddAsync(500);
        Assert.Equal(2499, await RowsAsync(connection));
        await AddAsync(2498);
        Assert.Equal(2499, await RowsAsync(connection));
        await AddAsync(1);
        Assert.Equal(4998, await RowsAsync(connection));
    }

    [Fact]
    public async Task Postgres_ATableAlreadyLarge_IsNotAnalysedForAFewRows()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await using var connection = await CreateTableAsync(database);
        await connection.ExecuteAsync("INSERT INTO grown (id) SELECT g FROM generate_series(1, 5000) g");
        await connection.ExecuteAsync("ANALYZE grown");
        await connection.ExecuteAsync("INSERT INTO grown (id) SELECT g FROM generate_series(5001, 9000) g");
        var statistics = new PlannerStatistics(database.Factory.Dialect, "grown");

        await statistics.RowsAddedAsync(connection, 4000, CancellationToken.None);

        Assert.Equal(5000, await RowsAsync(connection)); // 4,000 added to 5,000 analysed: below a doubling
    }

    [Fact]
    public async Task Sqlite_DoesNothing()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync("CREATE TABLE grown (id INTEGER PRIMARY KEY)");
        await connection.ExecuteAsync("INSERT INTO grown (id) WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 2000) SELECT n FROM g");

        await new PlannerStatistics(database.Factory.Dialect, "grown").RowsAddedAsync(connection, 2000, CancellationToken.None);

        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"));
    }

    /// <summary>An empty table "grown" with autovacuum off, so every analysis it sees is the writer's.</summary>
    private static async Task<System.Data.Common.DbConnection> CreateTableAsync(TestDatabase database)
    {
        var connection = await database.Factory.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync("CREATE TABLE grown (id BIGINT PRIMARY KEY) WITH (autovacuum_enabled = false)");
        return connection;
    }

    private static async Task<long> RowsAsync(System.Data.Common.DbConnection connection) =>
        (long)await connection.ExecuteScalarAsync<double>("SELECT reltuples FROM pg_class WHERE oid = 'grown'::regclass");
}
