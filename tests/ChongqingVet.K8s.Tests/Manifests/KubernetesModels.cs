using k8s;

namespace ChongqingVet.K8s.Tests.Manifests;

/// <summary>Runs tools/validate-k8s-models.mjs (npm kubernetes-models: schema types and enum values) over objects.</summary>
public static class KubernetesModels
{
    public static IReadOnlyList<string> Problems(IEnumerable<object> objects)
    {
        var json = "[" + string.Join(",", objects.Select(o => KubernetesJson.Serialize(o))) + "]";
        var result = ExternalTool.Run(
            "node",
            [Repository.PathOf("tools/validate-k8s-models.mjs")],
            "Install Node.js and run 'npm ci' at the repository root (devDependency kubernetes-models).",
            json);
        return result.ExitCode switch
        {
            0 => [],
            1 => result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            _ => throw new InvalidOperationException($"tools/validate-k8s-models.mjs could not run ({result.ExitCode}): {result.Error.Trim()}"),
        };
    }
}
