using System.Globalization;
using k8s.Models;

namespace ChongqingVet.K8s.Tests.Manifests;

/// <summary>Who the NetworkPolicies of an environment let reach a workload's port, and who a workload may reach.</summary>
public static class Callers
{
    /// <summary>The workloads of this namespace that an ingress rule of the target admits to <paramref name="port"/>.</summary>
    public static IReadOnlyList<Workload> AdmittedFromNamespace(Environment environment, Workload target, V1ContainerPort port) =>
        IngressRules(environment.Application.Of<V1NetworkPolicy>(), target)
            .Where(rule => Allows(rule.Ports, port))
            .SelectMany(rule => rule.FromProperty ?? [])
            .Where(peer => peer.PodSelector is not null && peer.NamespaceSelector is null && peer.IpBlock is null)
            .SelectMany(peer => environment.SelectedBy(peer.PodSelector))
            .DistinctBy(w => w.Id)
            .ToList();

    /// <summary>The peers from outside this namespace (other namespaces, address blocks) admitted to <paramref name="port"/>.</summary>
    public static IReadOnlyList<V1NetworkPolicyPeer> AdmittedFromElsewhere(IEnumerable<V1NetworkPolicy> policies, Workload target, V1ContainerPort port) =>
        IngressRules(policies, target)
            .Where(rule => Allows(rule.Ports, port))
            .SelectMany(rule => rule.FromProperty ?? [])
            .Where(peer => peer.NamespaceSelector is not null || peer.IpBlock is not null)
            .ToList();

    public static IEnumerable<V1NetworkPolicyEgressRule> EgressRules(IEnumerable<V1NetworkPolicy> policies, Workload workload) =>
        policies.Where(p => (p.Spec.PolicyTypes ?? []).Contains("Egress") && Selectors.Matches(p.Spec.PodSelector, workload.Labels)).SelectMany(p => p.Spec.Egress ?? []);

    public static IEnumerable<V1NetworkPolicyIngressRule> IngressRules(IEnumerable<V1NetworkPolicy> policies, Workload workload) =>
        policies.Where(p => (p.Spec.PolicyTypes ?? []).Contains("Ingress") && Selectors.Matches(p.Spec.PodSelector, workload.Labels)).SelectMany(p => p.Spec.Ingress ?? []);

    public static bool Allows(IList<V1NetworkPolicyPort>? ports, V1ContainerPort port) =>
        ports is null || ports.Count == 0 || ports.Any(p =>
            (p.Protocol ?? "TCP") == (port.Protocol ?? "TCP")
            && (p.Port is null || p.Port.Value == port.Name || p.Port.Value == port.ContainerPort.ToString(CultureInfo.InvariantCulture)));
}
