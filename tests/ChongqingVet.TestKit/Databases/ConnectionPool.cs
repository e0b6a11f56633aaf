using ChongqingVet.Data;

namespace ChongqingVet.TestKit.Databases;

/// <summary>Concurrency tests: without idle pooled connections, opening them staggers "concurrent" calls so they rarely overlap.</summary>
public static class ConnectionPool
{
    /// <summary>Opens <paramref name="count"/> connections at once and returns them to the pool (TestDatabase allows 60 on PostgreSQL).</summary>
    public static async Task WarmAsync(IDbConnectionFactory factory, int count = 60)
    {
        var connections = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => factory.OpenAsync(CancellationToken.None)));
        foreach (var connection in connections) await connection.DisposeAsync();
    }
}
