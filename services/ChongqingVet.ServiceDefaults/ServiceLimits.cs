namespace ChongqingVet.ServiceDefaults;

/// <summary>
/// Limits every service enforces, bound from the "Limits" configuration section
/// (environment: <c>Limits__MaxReceiveMessageBytes</c> …). Defaults are documented in the README.
/// </summary>
public sealed class ServiceLimits
{
    public const string SectionName = "Limits";

    /// <summary>Largest request message accepted, in bytes (default 4 MiB).</summary>
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent, in bytes (default 16 MiB).</summary>
    public int MaxSendMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest HTTP request body for REST/JSON and gRPC-Web, in bytes (default 4 MiB).</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;
}
