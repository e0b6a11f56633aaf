using k8s;
using k8s.Models;

namespace ChongqingVet.K8s.Tests.Manifests;

/// <summary>A pod template and the object that owns it.</summary>
public sealed record Workload(string Kind, string Name, V1PodTemplateSpec Template)
{
    public IDictionary<string, string> Labels => Template.Metadata?.Labels ?? new Dictionary<string, string>();

    public V1PodSpec Pod => Template.Spec;

    /// <summary>Deployments and StatefulSets serve; Jobs run to completion.</summary>
    public bool IsLongRunning => Kind is "Deployment" or "StatefulSet";

    public string Id => $"{Kind}/{Name}";

    public IEnumerable<V1Container> AllContainers => Pod.Containers.Concat(Pod.InitContainers ?? []);

    public IEnumerable<V1ContainerPort> Ports => Pod.Containers.SelectMany(c => c.Ports ?? []);

    public static IReadOnlyList<Workload> From(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects) =>
        objects.Select(o => o switch
        {
            V1Deployment d => new Workload("Deployment", d.Metadata.Name, d.Spec.Template),
            V1StatefulSet s => new Workload("StatefulSet", s.Metadata.Name, s.Spec.Template),
            V1Job j => new Workload("Job", j.Metadata.Name, j.Spec.Template),
            V1DaemonSet or V1CronJob or V1ReplicaSet or V1Pod =>
                throw new InvalidOperationException($"{o.Kind}/{o.Metadata.Name}: the policy tests do not cover this kind yet."),
            _ => null,
        })
        .OfType<Workload>()
        .ToList();
}
