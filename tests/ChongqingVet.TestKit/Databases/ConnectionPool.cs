using ChongqingVet.Data;

namespace ChongqingVet.TestKit.Databases;

/// <summary>Concurrency tests: without idle pooled connections, opening them staggers "concurrent" calls so they rarely overlap.</summary>
public static class ConnectionPool
{
    /// <summary>
    /// Opens <paramref name="count"/> connections at once and returns them to the pool. The default is a service's
    /// PostgreSQL pool bound (Database:PostgresMaxPoolSize): opening more at once than the pool allows would wait for
    /// connections that none of the callers gives back.
    /// </summary>
    public static async Task WarmAsync(IDbConnectionFactory factory, int? count = null)
    {
        var connections = await Task.WhenAll(Enumerable.Range(0, count ?? new DatabaseOptions().PostgresMaxPoolSize).Select(_ => factory.OpenAsync(CancellationToken.None)));
        foreach (var connection in connections) await connection.DisposeAsync();
    }
}
