using System.Diagnostics.Metrics;

namespace ChongqingVet.Gateway;

/// <summary>The gateway's meter (exported with every <c>ChongqingVet.*</c> meter by ServiceDefaults).</summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "ChongqingVet.Gateway";
    public const string SectionsUnreachableName = "chongqingvet.gateway.profile.sections_unreachable";

    private readonly Counter<long> _sectionsUnreachable;

    public GatewayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _sectionsUnreachable = meter.CreateCounter<long>(SectionsUnreachableName, "{section}",
            "Profile compositions that left a backend's sections out because it could not be reached, by backend.");
    }

    /// <summary>Counts each backend a composed profile (or a failed composition) could not reach.</summary>
    public void SectionsUnreachable(IEnumerable<string> backends)
    {
        foreach (var backend in backends) _sectionsUnreachable.Add(1, new KeyValuePair<string, object?>("backend", backend));
    }
}
