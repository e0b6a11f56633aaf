using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data;

/// <summary>
/// Deletes idempotency rows older than <see cref="IdempotencyOptions.Retention"/> (default 7 days) once at start and
/// then every <see cref="IdempotencyOptions.CleanupInterval"/> (default 1 hour); the DELETE is idempotent.
/// </summary>
public sealed class IdempotencyCleanupService(
    IdempotencyStore store,
    IdempotencyOptions options,
    TimeProvider clock,
    ILogger<IdempotencyCleanupService> logger) : PeriodicSweepService(options.CleanupInterval, clock, logger, "idempotency rows")
{
    protected override Task<int> DeleteExpiredAsync(CancellationToken cancellationToken) =>
        store.DeleteOlderThanAsync(options.Retention, cancellationToken);
}
