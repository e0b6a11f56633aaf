using System.Globalization;
using ChongqingVet.K8s.Tests.Manifests;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace ChongqingVet.K8s.Tests;

/// <summary>
/// Production transport security: the Istio ambient mesh carries every pod-to-pod connection as mutual TLS (HBONE on
/// TCP 15008), so no listener's cleartext crosses the network. The NetworkPolicies must let the tunnel and the
/// kubelet's probes through, and the mesh's own policies (k8s/overlays/prod/mesh) must fit the rendered pods.
/// </summary>
public class MeshTests
{
    private const int Hbone = 15008;
    private const string ProbeSource = "169.254.7.127/32";

    [Fact]
    public void Namespace_Prod_IsEnrolledInTheAmbientMesh()
    {
        var ns = Assert.Single(Rendered.Of(Rendered.Prod).Of<V1Namespace>());
        Assert.Equal("ambient", ns.Metadata.Labels.Get("istio.io/dataplane-mode"));
    }

    [Fact]
    public void NetworkPolicies_Prod_AdmitTheTunnelWhereverTheyAdmitAPeer()
    {
        var policies = Rendered.Of(Rendered.Prod).Of<V1NetworkPolicy>().ToList();
        var policy = new Policy(Rendered.Prod);
        foreach (var networkPolicy in policies)
        {
            var subject = $"NetworkPolicy/{networkPolicy.Metadata.Name}";
            foreach (var rule in networkPolicy.Spec.Ingress ?? [])
            {
                var fromPods = (rule.FromProperty ?? []).Any(p => p.PodSelector is not null || p.NamespaceSelector is not null);
                policy.Require(!fromPods || AdmitsPort(rule.Ports, Hbone), subject, $"an ingress rule from pods also admits the HBONE port {Hbone}");
            }
            foreach (var rule in networkPolicy.Spec.Egress ?? [])
            {
                // In-mesh destinations only: pods of this namespace (DNS and external addresses are not in the mesh).
                var toMeshPods = (rule.To ?? []).Any(p => p.PodSelector is not null && p.NamespaceSelector is null);
                policy.Require(!toMeshPods || AdmitsPort(rule.Ports, Hbone), subject, $"an egress rule to pods of the mesh also allows the HBONE port {Hbone}");
            }
        }
        policy.AssertNone();
    }

    [Fact]
    public void NetworkPolicies_Prod_AdmitTheKubeletsProbesFromTheMeshProbeAddress()
    {
        var rendered = Rendered.Of(Rendered.Prod);
        var policies = rendered.Of<V1NetworkPolicy>().ToList();
        var policy = new Policy(Rendered.Prod);
        foreach (var workload in rendered.Workloads.Where(w => w.IsLongRunning))
        {
            var container = workload.Pod.Containers.Single();
            var probePorts = new[] { container.StartupProbe, container.LivenessProbe, container.ReadinessProbe }
                .Select(p => ProbePort(container, p)).OfType<int>().Distinct();
            foreach (var port in probePorts)
            {
                var admitted = policies
                    .Where(p => (p.Spec.PolicyTypes ?? []).Contains("Ingress") && Selectors.Matches(p.Spec.PodSelector, workload.Labels))
                    .SelectMany(p => p.Spec.Ingress ?? [])
                    .Any(r => (r.FromProperty ?? []).Any(peer => peer.IpBlock?.Cidr == ProbeSource)
                              && (r.Ports ?? []).Any(p => p.Port.Value == port.ToString(CultureInfo.InvariantCulture) || PortNumber(container, p.Port.Value) == port));
                policy.Require(admitted, workload.Id, $"probe port {port} admits {ProbeSource} (ambient's address for the kubelet's probes)");
            }
        }
        policy.AssertNone();
    }

    [Fact]
    public void MeshPolicies_Prod_RequireMutualTlsAndNameRenderedPodsPortsAndAccounts()
    {
        var rendered = Rendered.Of(Rendered.Prod);
        var ns = rendered.Of<V1Namespace>().Single().Metadata.Name;
        var documents = Directory.GetFiles(Repository.PathOf("k8s/overlays/prod/mesh"), "*.yaml")
            .SelectMany(LoadDocuments).ToList();
        var policy = new Policy(Rendered.Prod + "/mesh");

        var peer = documents.Where(d => Kind(d) == "PeerAuthentication").ToList();
        policy.Require(peer.Any(d => Namespace(d) == ns && Path(d, "spec", "mtls", "mode") as string == "STRICT" && Path(d, "spec", "selector") is null),
            "PeerAuthentication", $"namespace-wide STRICT mutual TLS in {ns}");

        var accounts = rendered.Of<V1ServiceAccount>().Select(a => $"cluster.local/ns/{ns}/sa/{a.Metadata.Name}").ToHashSet();
        var authorizations = documents.Where(d => Kind(d) == "AuthorizationPolicy").ToList();
        foreach (var document in authorizations)
        {
            var subject = $"AuthorizationPolicy/{Path(document, "metadata", "name")}";
            policy.Require(Namespace(document) == ns, subject, $"in namespace {ns}");
            var matchLabels = (Path(document, "spec", "selector", "matchLabels") as Dictionary<object, object>)?
                .ToDictionary(p => (string)p.Key, p => (string)p.Value);
            policy.Require(Path(document, "spec", "selector") is Dictionary<object, object> selector && selector.Keys.All(k => (string)k == "matchLabels"),
                subject, "selects with matchLabels only (Istio's WorkloadSelector has no matchExpressions)");
            var selected = rendered.Workloads.Where(w => w.IsLongRunning && Selectors.Matches(matchLabels, w.Labels)).ToList();
            policy.Require(selected.Count == 1, subject, $"selects exactly one Deployment (selects {selected.Count})");
            foreach (var rule in (Path(document, "spec", "rules") as List<object> ?? []).Cast<Dictionary<object, object>>())
            {
                foreach (var port in Strings(rule, "to", "operation", "ports"))
                {
                    policy.Require(selected.All(w => w.Ports.Any(p => p.ContainerPort.ToString(CultureInfo.InvariantCulture) == port)), subject, $"port {port} is a container port of the selected pods");
                }
                foreach (var principal in Strings(rule, "from", "source", "principals"))
                {
                    policy.Require(accounts.Contains(principal), subject, $"principal {principal} is a ServiceAccount of this render");
                }
            }
        }
        // Every server has an ALLOW policy (else any meshed workload may call it) that admits its management port to monitoring.
        foreach (var server in rendered.Workloads.Where(w => w.Kind == "Deployment"))
        {
            var management = server.Ports.Single(p => p.Name == "management").ContainerPort.ToString(CultureInfo.InvariantCulture);
            policy.Require(authorizations.Any(d =>
                    Selectors.Matches((Path(d, "spec", "selector", "matchLabels") as Dictionary<object, object>)?.ToDictionary(p => (string)p.Key, p => (string)p.Value), server.Labels)
                    && (Path(d, "spec", "rules") as List<object> ?? []).Cast<Dictionary<object, object>>().Any(r =>
                        Strings(r, "from", "source", "namespaces").Contains("monitoring") && Strings(r, "to", "operation", "ports").Contains(management))),
                server.Id, $"an AuthorizationPolicy admits the monitoring namespace to the management port {management}");
        }
        policy.AssertNone();
    }

    [Fact]
    public void MeshPolicies_Prod_AdmitToEachGrpcPortTheAccountsOfTheCallersTheNetworkPoliciesAdmit()
    {
        // Both layers must agree: a caller the NetworkPolicies admit but the mesh denies fails (PERMISSION_DENIED-like
        // resets), and one the mesh admits but the NetworkPolicies do not is a policy nobody meant.
        var environment = Manifests.Environment.Of(Rendered.Prod);
        var rendered = environment.Application;
        var ns = rendered.Of<V1Namespace>().Single().Metadata.Name;
        var authorizations = Directory.GetFiles(Repository.PathOf("k8s/overlays/prod/mesh"), "*.yaml")
            .SelectMany(LoadDocuments).Where(d => Kind(d) == "AuthorizationPolicy").ToList();
        var policy = new Policy(Rendered.Prod + "/mesh");
        foreach (var server in rendered.Workloads.Where(w => w.Kind == "Deployment"))
        {
            var grpc = server.Ports.Single(p => p.Name == "grpc");
            var port = grpc.ContainerPort.ToString(CultureInfo.InvariantCulture);
            var expected = Callers.AdmittedFromNamespace(environment, server, grpc)
                .Select(w => $"cluster.local/ns/{ns}/sa/{w.Pod.ServiceAccountName}").Order(StringComparer.Ordinal).ToList();
            var allowed = authorizations
                .Where(d => Selectors.Matches((Path(d, "spec", "selector", "matchLabels") as Dictionary<object, object>)?.ToDictionary(p => (string)p.Key, p => (string)p.Value), server.Labels))
                .SelectMany(d => (Path(d, "spec", "rules") as List<object> ?? []).Cast<Dictionary<object, object>>())
                .Where(r => Strings(r, "to", "operation", "ports").Contains(port))
                .SelectMany(r => Strings(r, "from", "source", "principals"))
                .Distinct().Order(StringComparer.Ordinal).ToList();
            policy.Require(allowed.SequenceEqual(expected), server.Id,
                $"principals allowed on {port} ({string.Join(", ", allowed)}) are the ServiceAccounts the NetworkPolicies admit ({string.Join(", ", expected)})");
        }
        policy.AssertNone();
    }

    private static bool AdmitsPort(IList<V1NetworkPolicyPort>? ports, int port) =>
        ports is null || ports.Count == 0 || ports.Any(p => (p.Protocol ?? "TCP") == "TCP" && (p.Port is null || p.Port.Value == port.ToString(CultureInfo.InvariantCulture)));

    private static int? ProbePort(V1Container container, V1Probe? probe) => probe switch
    {
        { Grpc: { } grpc } => grpc.Port,
        { HttpGet: { } http } => PortNumber(container, http.Port.Value),
        { TcpSocket: { } tcp } => PortNumber(container, tcp.Port.Value),
        _ => null,
    };

    private static int? PortNumber(V1Container container, string value) =>
        int.TryParse(value, out var number) ? number : container.Ports?.SingleOrDefault(p => p.Name == value)?.ContainerPort;

    private static IEnumerable<Dictionary<object, object>> LoadDocuments(string path)
    {
        var parser = new Parser(new StringReader(File.ReadAllText(path)));
        var deserializer = new DeserializerBuilder().Build();
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            yield return deserializer.Deserialize<Dictionary<object, object>>(parser);
        }
    }

    private static string? Kind(Dictionary<object, object> document) => document.GetValueOrDefault("kind") as string;

    private static string? Namespace(Dictionary<object, object> document) => Path(document, "metadata", "namespace") as string;

    private static object? Path(Dictionary<object, object> node, params string[] keys)
    {
        object? current = node;
        foreach (var key in keys)
        {
            current = current is Dictionary<object, object> map && map.TryGetValue(key, out var next) ? next : null;
        }
        return current;
    }

    /// <summary>Strings at from[].source.&lt;field&gt; or to[].operation.&lt;field&gt; of one rule.</summary>
    private static IEnumerable<string> Strings(Dictionary<object, object> rule, string list, string item, string field) =>
        (rule.GetValueOrDefault(list) as List<object> ?? [])
        .OfType<Dictionary<object, object>>()
        .SelectMany(entry => Path(entry, item, field) as List<object> ?? [])
        .OfType<string>();
}
