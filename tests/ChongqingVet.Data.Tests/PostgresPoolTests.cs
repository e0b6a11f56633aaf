using ChongqingVet.Domain.Errors;
using ChongqingVet.TestKit.Databases;
using Dapper;
using Npgsql;

namespace ChongqingVet.Data.Tests;

/// <summary>The PostgreSQL pool's bound and automatic preparation (Database:PostgresMaxPoolSize, Database:PostgresMaxAutoPrepare), on a real server.</summary>
public class PostgresPoolTests
{
    [Fact]
    public async Task MaxPoolSize_ACallerBeyondItWaitsForAConnection_AndGetsTheOneGivenBack()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        // Timeout=1: a caller still waiting after a second fails, so a pool without the bound shows as a third connection, a bound pool as that failure.
        using var factory = new DbConnectionFactory(Options(database, maxPoolSize: 2, maxAutoPrepare: 0, extra: ";Timeout=1"));
        await using var first = await factory.OpenAsync(CancellationToken.None);
        await using var second = await factory.OpenAsync(CancellationToken.None);

        var refused = await Assert.ThrowsAsync<NpgsqlException>(() => factory.OpenAsync(CancellationToken.None));
        Assert.Contains("pool", refused.Message, StringComparison.OrdinalIgnoreCase);
        // A caller refused by the bound gets a retryable status (UNAVAILABLE), never INTERNAL.
        Assert.Equal(TransientFault.Unavailable, factory.Dialect.Classify(refused));

        var waiting = factory.OpenAsync(CancellationToken.None);
        await first.DisposeAsync();
        await using var third = await waiting;
        Assert.Equal(2, await third.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"));
    }

    [Theory]
    [InlineData(64, true)]
    [InlineData(0, false)]
    public async Task MaxAutoPrepare_AStatementUsedRepeatedly_StaysPreparedOnTheServer(int maxAutoPrepare, bool prepared)
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        using var factory = new DbConnectionFactory(Options(database, maxPoolSize: 1, maxAutoPrepare));
        for (var i = 0; i < 6; i++)
        {
            await using var connection = await factory.OpenAsync(CancellationToken.None);
            Assert.Equal(i, await connection.ExecuteScalarAsync<int>("SELECT @N::int + 0", new { N = i }));
        }

        await using var same = await factory.OpenAsync(CancellationToken.None); // the pool's one physical connection
        var statements = (await same.QueryAsync<string>("SELECT statement FROM pg_prepared_statements")).ToList();
        Assert.Equal(prepared, statements.Any(s => s.Contains("+ 0", StringComparison.Ordinal)));
    }

    private static DatabaseOptions Options(TestDatabase database, int maxPoolSize, int maxAutoPrepare, string extra = "") => new()
    {
        Provider = DatabaseProvider.Postgres,
        ConnectionString = database.ConnectionString + extra,
        PostgresMaxPoolSize = maxPoolSize,
        PostgresMaxAutoPrepare = maxAutoPrepare,
    };
}
