using k8s.Models;

namespace ChongqingVet.K8s.Tests.Manifests;

/// <summary>What a container's process reads as settings, resolved as the kubelet does (envFrom ConfigMaps in order, then env).</summary>
public static class Settings
{
    /// <summary>Literal settings only (ConfigMaps and env values); a secretKeyRef is listed with a null value.</summary>
    public static IReadOnlyDictionary<string, string?> Of(Rendered rendered, V1Container container)
    {
        var configMaps = rendered.Of<V1ConfigMap>().ToDictionary(c => c.Metadata.Name);
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            if (source.ConfigMapRef?.Name is { } name && configMaps.TryGetValue(name, out var map))
            {
                foreach (var (key, value) in map.Data ?? new Dictionary<string, string>()) settings[(source.Prefix ?? "") + key] = value;
            }
        }
        foreach (var variable in container.Env ?? [])
        {
            settings[variable.Name] = variable.ValueFrom?.ConfigMapKeyRef is { } reference && configMaps.TryGetValue(reference.Name, out var map)
                ? map.Data.Get(reference.Key)
                : variable.Value;
        }
        return settings;
    }

    /// <summary>The ConfigMap a setting comes from through envFrom (null when env sets it, or nothing does).</summary>
    public static V1ConfigMap? SourceOf(Rendered rendered, V1Container container, string key)
    {
        if ((container.Env ?? []).Any(e => e.Name == key)) return null;
        var configMaps = rendered.Of<V1ConfigMap>().ToDictionary(c => c.Metadata.Name);
        return (container.EnvFrom ?? [])
            .Select(s => s.ConfigMapRef?.Name is { } name && configMaps.TryGetValue(name, out var map) ? map : null)
            .LastOrDefault(map => map?.Data?.ContainsKey(key) == true);
    }
}
