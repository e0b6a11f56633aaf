using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data.Changes;

/// <summary>
/// Deletes changes older than <see cref="ChangeFeedOptions.Retention"/> once at start and then every
/// <see cref="ChangeFeedOptions.CleanupInterval"/>; a second sweep deletes nothing.
/// </summary>
public sealed class ChangeRetentionService(ChangeFeedStore store, ChangeFeedOptions options, TimeProvider clock, ILogger<ChangeRetentionService> logger)
    : PeriodicSweepService(options.CleanupInterval, clock, logger, "change-feed rows")
{
    protected override Task<int> DeleteExpiredAsync(CancellationToken cancellationToken) => store.PruneAsync(options.Retention, cancellationToken);
}
