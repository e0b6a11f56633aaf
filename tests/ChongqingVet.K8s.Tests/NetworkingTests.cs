using System.Globalization;
using ChongqingVet.K8s.Tests.Manifests;
using k8s.Models;
using Environment = ChongqingVet.K8s.Tests.Manifests.Environment;

namespace ChongqingVet.K8s.Tests;

/// <summary>Services, selectors, disruption budgets, autoscalers and network policies fit the pods they are for.</summary>
public class NetworkingTests
{
    /// <summary>The four services: each serves its change feed to the insights service and its API to the gateway.</summary>
    private static readonly string[] FeedSources = ["certificates", "competitions", "courses", "jobpostings"];

    /// <summary>What the gateway calls: the four services and the insights service.</summary>
    private static readonly string[] GatewayBackends = [.. FeedSources, "insights"];

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void Services_EachTarget_RouteEveryPortToANamedContainerPort(string target)
    {
        var rendered = Rendered.Of(target);
        var environment = Environment.Of(target.Split('/')[0]);
        var policy = new Policy(target);
        foreach (var service in rendered.Of<V1Service>())
        {
            var subject = $"Service/{service.Metadata.Name}";
            var selected = environment.SelectedBy(service.Spec.Selector).ToList();
            policy.Require(selected.Count == 1 && selected[0].IsLongRunning, subject,
                $"selects the pods of exactly one Deployment or StatefulSet (selects: {string.Join(", ", selected.Select(w => w.Id))})");
            foreach (var port in service.Spec.Ports)
            {
                var portSubject = $"{subject} port {port.Name}";
                policy.Require(!string.IsNullOrEmpty(port.Name), subject, $"port {port.Port} has a name");
                policy.Require(port.TargetPort is { } t && !int.TryParse(t.Value, out _), portSubject, "targets a container port by name");
                foreach (var workload in selected)
                {
                    var containerPort = workload.Ports.SingleOrDefault(p => p.Name == port.TargetPort?.Value);
                    policy.Require(
                        containerPort is not null && containerPort.ContainerPort == port.Port && (containerPort.Protocol ?? "TCP") == (port.Protocol ?? "TCP"),
                        portSubject, $"{workload.Id} has a container port named '{port.TargetPort?.Value}' with the same number and protocol");
                }
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void ServerServices_EachTarget_ExposeGrpcAndOnlyTheGatewayHttp(string target)
    {
        var policy = new Policy(target);
        foreach (var service in Rendered.Of(target).Of<V1Service>().Where(s => s.Spec.Selector.Get("app.kubernetes.io/component") == "server"))
        {
            var headless = service.Spec.ClusterIP == "None";
            var gateway = service.Spec.Selector.Get("app.kubernetes.io/name") == "gateway";
            var names = service.Spec.Ports.Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
            // Only the gateway's http port has a client (the Ingress); the management port is scraped per pod, never via a Service.
            string[] expected = headless || !gateway ? ["grpc"] : ["grpc", "http"];
            policy.Require(names.SequenceEqual(expected), $"Service/{service.Metadata.Name}",
                $"ports named {string.Join(" and ", expected)} (found {string.Join(", ", names)})");
            policy.Require(service.Spec.Ports.Where(p => p.Name == "grpc").All(p => p.AppProtocol == "kubernetes.io/h2c"), $"Service/{service.Metadata.Name}",
                "grpc port declares appProtocol kubernetes.io/h2c (HTTP/2 without TLS)");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void WorkloadSelectors_EachEnvironment_SelectOnlyTheirOwnPods(string name)
    {
        var environment = Environment.Of(name);
        var policy = new Policy(name);
        var selectors = environment.Application.Of<V1Deployment>().Select(d => (Id: $"Deployment/{d.Metadata.Name}", d.Spec.Selector))
            .Concat(environment.Application.Of<V1StatefulSet>().Select(s => (Id: $"StatefulSet/{s.Metadata.Name}", s.Spec.Selector)));
        foreach (var (id, selector) in selectors)
        {
            var selected = environment.SelectedBy(selector).Select(w => w.Id).ToList();
            policy.Require(selected.SequenceEqual([id]), id, $"its selector matches its own pods only (matches: {string.Join(", ", selected)})");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void Deployments_EachApplication_HaveAServiceDisruptionBudgetAndAutoscaler(string name)
    {
        var environment = Environment.Of(name);
        var rendered = environment.Application;
        var policy = new Policy(name);
        foreach (var deployment in rendered.Workloads.Where(w => w.Kind == "Deployment"))
        {
            var budgets = rendered.Of<V1PodDisruptionBudget>().Where(b => Selectors.Matches(b.Spec.Selector, deployment.Labels)).ToList();
            var autoscalers = rendered.Of<V2HorizontalPodAutoscaler>()
                .Where(h => h.Spec.ScaleTargetRef is { Kind: "Deployment", ApiVersion: "apps/v1" } target && target.Name == deployment.Name).ToList();
            policy.Require(rendered.Of<V1Service>().Any(s => Selectors.Matches(s.Spec.Selector, deployment.Labels)), deployment.Id, "a Service selects its pods");
            policy.Require(budgets.Count == 1, deployment.Id, $"exactly one PodDisruptionBudget (found {budgets.Count})");
            foreach (var budget in budgets)
            {
                var covered = environment.SelectedBy(budget.Spec.Selector).Select(w => w.Id).ToList();
                policy.Require(covered.SequenceEqual([deployment.Id]), $"PodDisruptionBudget/{budget.Metadata.Name}", $"covers {deployment.Id} only (covers: {string.Join(", ", covered)})");
            }
            policy.Require(autoscalers.Count == 1, deployment.Id, $"exactly one HorizontalPodAutoscaler targets it (found {autoscalers.Count})");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void NetworkPolicies_EachApplication_DenyAllTrafficByDefault(string name)
    {
        var policies = Rendered.Of(name).Of<V1NetworkPolicy>();

        Assert.Contains(policies, p =>
            Selectors.IsEmpty(p.Spec.PodSelector)
            && (p.Spec.PolicyTypes ?? []).Order(StringComparer.Ordinal).SequenceEqual(["Egress", "Ingress"])
            && (p.Spec.Ingress ?? []).Count == 0 && (p.Spec.Egress ?? []).Count == 0);
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void NetworkPolicies_EachApplication_SelectPodsThatExist(string name)
    {
        var environment = Environment.Of(name);
        var policy = new Policy(name);
        foreach (var networkPolicy in environment.Application.Of<V1NetworkPolicy>())
        {
            var subject = $"NetworkPolicy/{networkPolicy.Metadata.Name}";
            policy.Require(Selectors.IsEmpty(networkPolicy.Spec.PodSelector) || environment.SelectedBy(networkPolicy.Spec.PodSelector).Any(), subject, "its podSelector matches some pod");
            foreach (var peer in Peers(networkPolicy).Where(p => p.PodSelector is not null && p.NamespaceSelector is null))
            {
                policy.Require(environment.SelectedBy(peer.PodSelector).Any(), subject, "each peer podSelector matches some pod of this namespace");
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void NetworkPolicies_EachApplication_AdmitEveryServicePort(string name)
    {
        var environment = Environment.Of(name);
        var policies = environment.Application.Of<V1NetworkPolicy>().ToList();
        var policy = new Policy(name);
        foreach (var service in environment.Application.Of<V1Service>())
        {
            foreach (var workload in environment.SelectedBy(service.Spec.Selector))
            {
                foreach (var port in service.Spec.Ports)
                {
                    var containerPort = workload.Ports.SingleOrDefault(p => p.Name == port.TargetPort?.Value);
                    var admitted = containerPort is not null && policies
                        .Where(p => (p.Spec.PolicyTypes ?? []).Contains("Ingress") && Selectors.Matches(p.Spec.PodSelector, workload.Labels))
                        .SelectMany(p => p.Spec.Ingress ?? [])
                        .Any(rule => Allows(rule.Ports, containerPort));
                    policy.Require(admitted, $"Service/{service.Metadata.Name} port {port.Name}", $"a NetworkPolicy admits ingress to {workload.Id} on this port");
                }
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void NetworkPolicies_EachApplication_LetTheGatewayCallEveryService(string name)
    {
        var environment = Environment.Of(name);
        var policies = environment.Application.Of<V1NetworkPolicy>().ToList();
        var gateway = environment.Workloads.Single(w => w.Kind == "Deployment" && w.Labels["app.kubernetes.io/name"] == "gateway");
        var policy = new Policy(name);
        var backends = environment.Workloads.Where(w => w.Kind == "Deployment" && GatewayBackends.Contains(w.Labels["app.kubernetes.io/name"])).ToList();
        Assert.Equal(GatewayBackends.Order(StringComparer.Ordinal), backends.Select(w => w.Labels["app.kubernetes.io/name"]).Order(StringComparer.Ordinal));
        foreach (var service in backends)
        {
            var grpc = service.Ports.Single(p => p.Name == "grpc");
            policy.Require(
                EgressRules(policies, gateway).Any(rule => Allows(rule.Ports, grpc) && (rule.To ?? []).Any(peer => SelectsInNamespace(peer, service))),
                service.Id, "the gateway may send to its grpc port (egress)");
            policy.Require(
                IngressRules(policies, service).Any(rule => Allows(rule.Ports, grpc) && (rule.FromProperty ?? []).Any(peer => SelectsInNamespace(peer, gateway))),
                service.Id, "its grpc port admits the gateway (ingress)");
        }
        policy.AssertNone();
    }

    [Theory]
    [InlineData(Rendered.Dev)]
    [InlineData(Rendered.Prod)]
    public void NetworkPolicies_EachApplication_LetDatabaseClientsReachTheirDatabase(string name)
    {
        var environment = Environment.Of(name);
        var policies = environment.Application.Of<V1NetworkPolicy>().ToList();
        var database = environment.Workloads.SingleOrDefault(w => w.Labels.Get("app.kubernetes.io/component") == "database");
        var clients = environment.Workloads.Where(w => w.Pod.Containers.Any(c => (c.Env ?? []).Any(e => e.Name == "ConnectionStrings__Database"))).ToList();
        var policy = new Policy(name);
        Assert.Equal(10, clients.Count); // five servers (four services and insights) and their five migration Jobs
        foreach (var client in clients)
        {
            if (database is not null)
            {
                // In-cluster database: both ends must be open.
                var port = database.Ports.Single();
                policy.Require(EgressRules(policies, client).Any(r => Allows(r.Ports, port) && (r.To ?? []).Any(peer => SelectsInNamespace(peer, database))),
                    client.Id, $"egress to {database.Id} on {port.ContainerPort}");
                policy.Require(IngressRules(policies, database).Any(r => Allows(r.Ports, port) && (r.FromProperty ?? []).Any(peer => SelectsInNamespace(peer, client))),
                    client.Id, $"{database.Id} admits it on {port.ContainerPort}");
            }
            else
            {
                // External SQL Server: egress to an address block on the SQL Server port.
                policy.Require(EgressRules(policies, client).Any(r =>
                        (r.To ?? []).Any(peer => peer.IpBlock is not null) && (r.Ports ?? []).Any(p => p.Port?.Value == "1433" && (p.Protocol ?? "TCP") == "TCP")),
                    client.Id, "egress to the SQL Server address block on TCP 1433");
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void NetworkPolicies_EachApplication_LetEveryPodResolveNames(string name)
    {
        var environment = Environment.Of(name);
        var policies = environment.Application.Of<V1NetworkPolicy>().ToList();
        var policy = new Policy(name);
        foreach (var workload in environment.Workloads)
        {
            var dns = EgressRules(policies, workload)
                .Where(r => (r.To ?? []).Any(peer => peer.NamespaceSelector?.MatchLabels.Get("kubernetes.io/metadata.name") == "kube-system"))
                .SelectMany(r => r.Ports ?? [])
                .Where(p => p.Port?.Value == "53")
                .Select(p => p.Protocol ?? "TCP")
                .ToHashSet();
            policy.Require(dns.SetEquals(["UDP", "TCP"]), workload.Id, "egress to the cluster DNS (kube-system) on UDP and TCP 53");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void NetworkPolicies_EachApplication_AdmitTheManagementPortFromMonitoringOnly(string name)
    {
        var environment = Environment.Of(name);
        var policies = environment.Application.Of<V1NetworkPolicy>().ToList();
        var policy = new Policy(name);
        foreach (var server in environment.Workloads.Where(w => w.Kind == "Deployment"))
        {
            var management = server.Ports.SingleOrDefault(p => p.Name == "management");
            policy.Require(management is not null, server.Id, "has a container port named management");
            if (management is null) continue;
            var admitting = IngressRules(policies, server).Where(r => Allows(r.Ports, management)).ToList();
            policy.Require(admitting.Count > 0, server.Id, "a NetworkPolicy admits Prometheus to the management port");
            policy.Require(
                admitting.All(r => (r.FromProperty ?? []).All(peer =>
                    peer.NamespaceSelector?.MatchLabels.Get("kubernetes.io/metadata.name") == "monitoring" && peer.IpBlock is null)),
                server.Id, "the management port admits the monitoring namespace only");
            foreach (var other in server.Ports.Where(p => p.Name != "management"))
            {
                policy.Require(
                    !IngressRules(policies, server).Any(r => Allows(r.Ports, other)
                        && (r.FromProperty ?? []).Any(peer => peer.NamespaceSelector?.MatchLabels.Get("kubernetes.io/metadata.name") == "monitoring")),
                    server.Id, $"monitoring is not admitted to the '{other.Name}' port (no /metrics there)");
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void NetworkPolicies_EachApplication_LetEveryServerReachItsAuthority(string name)
    {
        var environment = Environment.Of(name);
        var policies = environment.Application.Of<V1NetworkPolicy>().ToList();
        var policy = new Policy(name);
        foreach (var server in environment.Workloads.Where(w => w.Kind == "Deployment"))
        {
            var authority = new Uri(Settings.Of(environment.Application, server.Pod.Containers.Single())["Auth__Authority"]!);
            var port = authority.Port.ToString(CultureInfo.InvariantCulture);
            // Outside this namespace: an address block (an issuer outside the cluster) or a namespace and its pods.
            policy.Require(
                EgressRules(policies, server).Any(r =>
                    (r.Ports ?? []).Any(p => p.Port?.Value == port && (p.Protocol ?? "TCP") == "TCP")
                    && (r.To ?? []).Any(peer => peer.IpBlock is not null || (peer.NamespaceSelector is not null && !Selectors.IsEmpty(peer.NamespaceSelector)))),
                server.Id, $"egress to the identity provider ({authority}) on TCP {port}");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void NetworkPolicies_EachApplication_NeverOpenToEveryone(string name)
    {
        var policy = new Policy(name);
        foreach (var networkPolicy in Rendered.Of(name).Of<V1NetworkPolicy>())
        {
            var subject = $"NetworkPolicy/{networkPolicy.Metadata.Name}";
            policy.Require((networkPolicy.Spec.Ingress ?? []).All(r => r.FromProperty is { Count: > 0 }), subject, "every ingress rule names its sources");
            policy.Require((networkPolicy.Spec.Egress ?? []).All(r => r.To is { Count: > 0 }), subject, "every egress rule names its destinations");
            foreach (var peer in Peers(networkPolicy))
            {
                policy.Require(peer.IpBlock is null || !peer.IpBlock.Cidr.EndsWith("/0", StringComparison.Ordinal), subject, $"no ipBlock for every address ({peer.IpBlock?.Cidr})");
                policy.Require(peer.NamespaceSelector is null || !Selectors.IsEmpty(peer.NamespaceSelector), subject, "no peer in every namespace (empty namespaceSelector)");
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void NetworkPolicies_EachApplication_NameOnlyPortsTheirPodsHave(string name)
    {
        var environment = Environment.Of(name);
        var policy = new Policy(name);
        foreach (var networkPolicy in environment.Application.Of<V1NetworkPolicy>())
        {
            var subject = $"NetworkPolicy/{networkPolicy.Metadata.Name}";
            var selected = environment.SelectedBy(networkPolicy.Spec.PodSelector).ToList();
            foreach (var port in (networkPolicy.Spec.Ingress ?? []).SelectMany(r => r.Ports ?? []).Where(IsNamed))
            {
                policy.Require(selected.All(w => w.Ports.Any(p => p.Name == port.Port.Value)), subject, $"every selected pod has the ingress port named '{port.Port.Value}'");
            }
            foreach (var rule in networkPolicy.Spec.Egress ?? [])
            {
                var peers = (rule.To ?? []).Where(p => p.PodSelector is not null && p.NamespaceSelector is null)
                    .SelectMany(p => environment.SelectedBy(p.PodSelector)).ToList();
                foreach (var port in (rule.Ports ?? []).Where(IsNamed))
                {
                    policy.Require(peers.All(w => w.Ports.Any(p => p.Name == port.Port.Value)), subject, $"every destination pod has the egress port named '{port.Port.Value}'");
                }
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void GatewayAddresses_EachApplication_UseHeadlessServicesOfThisNamespace(string name)
    {
        var rendered = Rendered.Of(name);
        var config = rendered.Of<V1ConfigMap>().Single(c => c.Metadata.Name.StartsWith("gateway-config", StringComparison.Ordinal));
        var addresses = (config.Data ?? new Dictionary<string, string>()).Where(p => p.Key.StartsWith("Services__", StringComparison.Ordinal)).ToList();
        var policy = new Policy(name);
        Assert.Equal(
            ["Services__Certificates__Address", "Services__Competitions__Address", "Services__Courses__Address", "Services__Insights__Address", "Services__JobPostings__Address"],
            addresses.Select(a => a.Key).Order(StringComparer.Ordinal));
        foreach (var (key, value) in addresses)
        {
            // dns:///<service>.<namespace>.svc.cluster.local:<port>
            var uri = new Uri(value.Replace("dns:///", "dns://x/", StringComparison.Ordinal));
            var parts = uri.AbsolutePath.TrimStart('/').Split(':');
            var host = parts[0].Split('.');
            var service = rendered.Of<V1Service>().SingleOrDefault(s => s.Metadata.Name == host[0]);
            var subject = $"{key}={value}";
            policy.Require(value.StartsWith("dns:///", StringComparison.Ordinal), subject, "uses the dns:/// resolver (client-side load balancing)");
            policy.Require(host.Length == 5 && host[1] == service?.Metadata.NamespaceProperty && string.Join('.', host[2..]) == "svc.cluster.local",
                subject, $"a fully qualified name in namespace {service?.Metadata.NamespaceProperty}");
            policy.Require(service?.Spec.ClusterIP == "None", subject, "names a headless Service of this render");
            policy.Require(parts.Length == 2 && service?.Spec.Ports.Any(p => p.Name == "grpc" && p.Port.ToString(CultureInfo.InvariantCulture) == parts[1]) == true,
                subject, "uses that Service's grpc port");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void NetworkPolicies_EachApplication_LetInsightsFollowEveryFeed(string name)
    {
        var environment = Environment.Of(name);
        var policies = environment.Application.Of<V1NetworkPolicy>().ToList();
        var insights = environment.Workloads.Single(w => w.Kind == "Deployment" && w.Labels["app.kubernetes.io/name"] == "insights");
        var policy = new Policy(name);
        foreach (var source in environment.Workloads.Where(w => w.Kind == "Deployment" && FeedSources.Contains(w.Labels["app.kubernetes.io/name"])))
        {
            var grpc = source.Ports.Single(p => p.Name == "grpc");
            policy.Require(
                EgressRules(policies, insights).Any(rule => Allows(rule.Ports, grpc) && (rule.To ?? []).Any(peer => SelectsInNamespace(peer, source))),
                source.Id, "the insights service may send to its grpc port (egress: its change feed)");
            policy.Require(
                IngressRules(policies, source).Any(rule => Allows(rule.Ports, grpc) && (rule.FromProperty ?? []).Any(peer => SelectsInNamespace(peer, insights))),
                source.Id, "its grpc port admits the insights service (ingress)");
        }
        // Its migration Job follows nothing.
        var job = environment.Workloads.Single(w => w.Kind == "Job" && w.Labels["app.kubernetes.io/name"] == "insights");
        policy.Require(!EgressRules(policies, job).Any(rule => (rule.To ?? []).Any(peer => environment.Workloads.Any(w => w.Kind == "Deployment"
                && FeedSources.Contains(w.Labels["app.kubernetes.io/name"]) && SelectsInNamespace(peer, w)))),
            job.Id, "no egress to the services (only its database)");
        policy.AssertNone();
    }

    /// <summary>In-namespace callers of each server's grpc port: the gateway calls every backend, the insights service the four feeds.</summary>
    private static readonly Dictionary<string, string[]> GrpcCallers = new()
    {
        ["certificates"] = ["gateway", "insights"],
        ["competitions"] = ["gateway", "insights"],
        ["courses"] = ["gateway", "insights"],
        ["jobpostings"] = ["gateway", "insights"],
        ["insights"] = ["gateway"],
        ["gateway"] = [],
    };

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void NetworkPolicies_EachApplication_AdmitToEachGrpcPortOnlyItsCallers(string name)
    {
        var environment = Environment.Of(name);
        var policies = environment.Application.Of<V1NetworkPolicy>().ToList();
        var policy = new Policy(name);
        var servers = environment.Workloads.Where(w => w.Kind == "Deployment").ToList();
        Assert.Equal(GrpcCallers.Keys.Order(StringComparer.Ordinal), servers.Select(w => w.Labels["app.kubernetes.io/name"]).Order(StringComparer.Ordinal));
        foreach (var server in servers)
        {
            var grpc = server.Ports.Single(p => p.Name == "grpc");
            var serverName = server.Labels["app.kubernetes.io/name"];
            var admitted = Callers.AdmittedFromNamespace(environment, server, grpc);
            policy.Require(admitted.All(w => w.Kind == "Deployment"), server.Id, $"no migration Job or database may call its grpc port (admits {string.Join(", ", admitted.Select(w => w.Id))})");
            policy.Require(admitted.Select(w => w.Labels["app.kubernetes.io/name"]).Order(StringComparer.Ordinal).SequenceEqual(GrpcCallers[serverName]), server.Id,
                $"its grpc port admits exactly {string.Join(", ", GrpcCallers[serverName])} from this namespace (admits {string.Join(", ", admitted.Select(w => w.Id))})");
            // From outside the namespace: only the ingress controller reaches the gateway; anyone else only the kubelet's probes (ambient).
            foreach (var peer in Callers.AdmittedFromElsewhere(policies, server, grpc))
            {
                var ingressController = peer.NamespaceSelector?.MatchLabels.Get("kubernetes.io/metadata.name") == "ingress-nginx" && peer.PodSelector is null;
                var kubeletProbes = peer.IpBlock?.Cidr == "169.254.7.127/32";
                policy.Require(kubeletProbes || (ingressController && serverName == "gateway"), server.Id,
                    $"its grpc port admits nobody from outside the namespace but {(serverName == "gateway" ? "the ingress controller and " : "")}the kubelet's probes");
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void InsightsFeedAddresses_EachApplication_NameEachServicesGrpcServiceInThisNamespace(string name)
    {
        var rendered = Rendered.Of(name);
        var insights = rendered.Workloads.Single(w => w.Kind == "Deployment" && w.Labels["app.kubernetes.io/name"] == "insights");
        var settings = Settings.Of(rendered, insights.Pod.Containers.Single());
        var policy = new Policy(name);
        // The keys FeedOptions reads (services/ChongqingVet.Insights/Feeds/FeedOptions.cs), one per source.
        var keys = new Dictionary<string, string>
        {
            ["certificates"] = "Feeds__Certificates__Address",
            ["competitions"] = "Feeds__Competitions__Address",
            ["courses"] = "Feeds__Courses__Address",
            ["jobpostings"] = "Feeds__JobPostings__Address",
        };
        Assert.Equal(keys.Values.Order(StringComparer.Ordinal), settings.Keys.Where(k => k.StartsWith("Feeds__", StringComparison.Ordinal) && k.EndsWith("__Address", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        foreach (var (source, key) in keys)
        {
            var value = settings[key] ?? "";
            var subject = $"{key}={value}";
            // http://<service>.<namespace>.svc.cluster.local:<port> (FeedOptions accepts http(s) only; h2c by the http scheme)
            var valid = Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == "http";
            policy.Require(valid, subject, "an absolute http:// address (cleartext HTTP/2 inside the pod network; the mesh encrypts it in prod)");
            if (!valid) continue;
            var host = uri!.Host.Split('.');
            var service = rendered.Of<V1Service>().SingleOrDefault(s => s.Metadata.Name == host[0]);
            policy.Require(host.Length == 5 && host[1] == service?.Metadata.NamespaceProperty && string.Join('.', host[2..]) == "svc.cluster.local",
                subject, $"a fully qualified name in namespace {service?.Metadata.NamespaceProperty}");
            policy.Require(service is not null && service.Spec.Selector.Get("app.kubernetes.io/name") == source && service.Spec.Selector.Get("app.kubernetes.io/component") == "server",
                subject, $"names a Service of {source}'s server");
            policy.Require(service?.Spec.Ports.Any(p => p.Name == "grpc" && p.Port == uri.Port) == true, subject, "uses that Service's grpc port");
        }
        policy.Require(!string.IsNullOrWhiteSpace(settings.GetValueOrDefault("Feeds__ClientId")), insights.Id, "Feeds__ClientId names the feed client (from a ConfigMap)");
        policy.AssertNone();
    }

    private static IEnumerable<V1NetworkPolicyPeer> Peers(V1NetworkPolicy policy) =>
        (policy.Spec.Ingress ?? []).SelectMany(r => r.FromProperty ?? []).Concat((policy.Spec.Egress ?? []).SelectMany(r => r.To ?? []));

    private static IEnumerable<V1NetworkPolicyEgressRule> EgressRules(IEnumerable<V1NetworkPolicy> policies, Workload workload) =>
        policies.Where(p => (p.Spec.PolicyTypes ?? []).Contains("Egress") && Selectors.Matches(p.Spec.PodSelector, workload.Labels)).SelectMany(p => p.Spec.Egress ?? []);

    private static IEnumerable<V1NetworkPolicyIngressRule> IngressRules(IEnumerable<V1NetworkPolicy> policies, Workload workload) =>
        policies.Where(p => (p.Spec.PolicyTypes ?? []).Contains("Ingress") && Selectors.Matches(p.Spec.PodSelector, workload.Labels)).SelectMany(p => p.Spec.Ingress ?? []);

    /// <summary>A peer in the policy's own namespace (podSelector without namespaceSelector) that selects the workload.</summary>
    private static bool SelectsInNamespace(V1NetworkPolicyPeer peer, Workload workload) =>
        peer.PodSelector is not null && peer.NamespaceSelector is null && peer.IpBlock is null && Selectors.Matches(peer.PodSelector, workload.Labels);

    private static bool Allows(IList<V1NetworkPolicyPort>? ports, V1ContainerPort port) =>
        ports is null || ports.Count == 0 || ports.Any(p =>
            (p.Protocol ?? "TCP") == (port.Protocol ?? "TCP")
            && (p.Port is null || p.Port.Value == port.Name || p.Port.Value == port.ContainerPort.ToString(CultureInfo.InvariantCulture)));

    private static bool IsNamed(V1NetworkPolicyPort port) => port.Port is { } p && !int.TryParse(p.Value, out _);
}
