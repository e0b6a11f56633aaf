using System.Threading.RateLimiting;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.ServiceDefaults.Security;

/// <summary>
/// Per-caller token buckets: one per authenticated client id, one per client address for public methods.
/// A refused call is RESOURCE_EXHAUSTED with RetryInfo — never UNAVAILABLE, which clients would retry at once.
/// </summary>
public sealed class CallerRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _clients;
    private readonly PartitionedRateLimiter<string> _addresses;

    public CallerRateLimiter(RateLimitOptions options)
    {
        _clients = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, options.PerClientBurst),
            TokensPerPeriod = Math.Max(1, options.PerClientPerSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        _addresses = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, options.AnonymousPerMinute),
            TokensPerPeriod = Math.Max(1, options.AnonymousPerMinute),
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public void AcquireForClient(string clientId) => Acquire(_clients, "client:" + clientId, "RATE_LIMITED", "Too many calls from this client");

    public void AcquireForAddress(string address) => Acquire(_addresses, "address:" + address, "RATE_LIMITED", "Too many calls from this address");

    private static void Acquire(PartitionedRateLimiter<string> limiter, string key, string reason, string message)
    {
        using var lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired) return;
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(1);
        throw new RateLimitedException(reason, $"{message}; retry after {Math.Ceiling(retryAfter.TotalSeconds)} s.", retryAfter);
    }

    public void Dispose()
    {
        _clients.Dispose();
        _addresses.Dispose();
    }
}
