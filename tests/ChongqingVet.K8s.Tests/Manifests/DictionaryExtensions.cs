namespace ChongqingVet.K8s.Tests.Manifests;

public static class DictionaryExtensions
{
    /// <summary>The value of a label, annotation or data key, or null (the model types expose IDictionary).</summary>
    public static string? Get(this IDictionary<string, string>? dictionary, string key) =>
        dictionary is not null && dictionary.TryGetValue(key, out var value) ? value : null;
}
