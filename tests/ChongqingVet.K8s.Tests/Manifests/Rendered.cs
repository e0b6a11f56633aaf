using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ChongqingVet.K8s.Tests.Manifests;

/// <summary>
/// One kustomize target (an overlay or an overlay's migrations) rendered with <c>kubectl kustomize</c> and loaded
/// strictly into the Kubernetes API types: an unknown field or a wrongly typed value fails the load.
/// </summary>
public sealed class Rendered
{
    /// <summary>The targets operators apply, relative to k8s/overlays.</summary>
    public const string Dev = "dev";
    public const string DevMigrations = "dev/migrations";
    public const string Prod = "prod";
    public const string ProdMigrations = "prod/migrations";

    public static readonly string[] AllTargets = [Dev, DevMigrations, Prod, ProdMigrations];
    public static readonly string[] ApplicationTargets = [Dev, Prod];

    public static TheoryData<string> All => new(AllTargets);
    public static TheoryData<string> Applications => new(ApplicationTargets);

    private static readonly ConcurrentDictionary<string, Lazy<Rendered>> Cache = new();

    private Rendered(string target, string yaml, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, int documentCount)
    {
        Target = target;
        Yaml = yaml;
        Objects = objects;
        DocumentCount = documentCount;
        Workloads = Workload.From(objects);
    }

    public string Target { get; }

    public string Yaml { get; }

    /// <summary>Number of YAML documents kubectl printed (every one must load as an object).</summary>
    public int DocumentCount { get; }

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; }

    /// <summary>Every pod template: Deployments, StatefulSets, Jobs.</summary>
    public IReadOnlyList<Workload> Workloads { get; }

    public IEnumerable<T> Of<T>() => Objects.OfType<T>();

    public T Single<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        Of<T>().SingleOrDefault(o => o.Metadata.Name == name)
        ?? throw new InvalidOperationException($"{Target}: no {typeof(T).Name} named '{name}'.");

    /// <summary>The rendered target, rendered once per test run (rendering is read-only and deterministic).</summary>
    public static Rendered Of(string target) =>
        Cache.GetOrAdd(target, t => new Lazy<Rendered>(() => Load(t))).Value;

    public static string Render(string target)
    {
        var directory = Repository.PathOf("k8s/overlays/" + target);
        var result = ExternalTool.Run("kubectl", ["kustomize", directory],
            "Install kubectl (a client with kustomize, 1.27 or later); CI installs it before running the tests.");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl kustomize k8s/overlays/{target} failed ({result.ExitCode}):\n{result.Error}");
        }
        return result.Output;
    }

    private static Rendered Load(string target)
    {
        var yaml = Render(target);
        var objects = KubernetesYaml.LoadAllFromString(yaml, strict: true)
            .Select(o => o as IKubernetesObject<V1ObjectMeta>
                         ?? throw new InvalidOperationException($"{target}: {o?.GetType().Name} has no object metadata."))
            .ToList();
        return new Rendered(target, yaml, objects, CountDocuments(yaml));
    }

    private static int CountDocuments(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        var count = 0;
        while (parser.MoveNext())
        {
            if (parser.Current is DocumentStart) count++;
        }
        return count;
    }
}
