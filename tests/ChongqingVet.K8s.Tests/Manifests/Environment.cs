using k8s.Models;

namespace ChongqingVet.K8s.Tests.Manifests;

/// <summary>What an environment runs: its application target plus its migrations target (applied first).</summary>
public sealed class Environment
{
    private Environment(string name)
    {
        Name = name;
        Application = Rendered.Of(name);
        Migrations = Rendered.Of(name + "/migrations");
        // Objects in both targets (the dev database) are the same object, applied twice.
        Workloads = Application.Workloads.Concat(Migrations.Workloads).DistinctBy(w => w.Id).ToList();
    }

    public string Name { get; }

    public Rendered Application { get; }

    public Rendered Migrations { get; }

    /// <summary>Every pod template of both targets: servers, the dev database and migration Jobs.</summary>
    public IReadOnlyList<Workload> Workloads { get; }

    public static Environment Of(string name) => new(name);

    public IEnumerable<Workload> SelectedBy(V1LabelSelector selector) => Workloads.Where(w => Selectors.Matches(selector, w.Labels));

    public IEnumerable<Workload> SelectedBy(IDictionary<string, string>? selector) => Workloads.Where(w => Selectors.Matches(selector, w.Labels));
}
