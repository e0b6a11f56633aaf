namespace ChongqingVet.Certificates.Domain;

/// <summary>
/// Limits of certificate imports, bound from the "Import" configuration section (environment: <c>Import__BatchSize</c> …).
/// The defaults below are also written out in appsettings.json.
/// </summary>
public sealed class ImportOptions
{
    public const string SectionName = "Import";

    /// <summary>Items per committed (and, when streamed, acknowledged) batch; clamped to 1–5000 (default 500).</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Items one stream may carry; the next one ends the call with INVALID_ARGUMENT (default 100,000).</summary>
    public int MaxItemsPerStream { get; set; } = 100_000;

    /// <summary>Longest client_reference, in characters (default 128).</summary>
    public int MaxClientReferenceLength { get; set; } = 128;

    /// <summary>How long the server waits for the next item before it ends the stream with ABORTED (default 60 s).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    internal int EffectiveBatchSize => Math.Clamp(BatchSize, 1, 5000);
}
