using ChongqingVet.K8s.Tests.Manifests;
using k8s.Models;

namespace ChongqingVet.K8s.Tests;

/// <summary>Every pod template (servers, migration Jobs, the dev database): hardening, resources, probes, shutdown.</summary>
public class PodPolicyTests
{
    /// <summary>Volume types the "restricted" Pod Security Standard allows.</summary>
    private static readonly string[] RestrictedVolumeTypes =
        ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

    /// <summary>HostOptions.ShutdownTimeout default since .NET 8: how long Kestrel drains after SIGTERM.</summary>
    private const int HostShutdownSeconds = 30;

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void Pods_EachTarget_MeetRestrictedPodSecurityStandard(string target)
    {
        var policy = new Policy(target);
        foreach (var workload in Rendered.Of(target).Workloads)
        {
            var pod = workload.Pod;
            var podContext = pod.SecurityContext ?? new V1PodSecurityContext();
            policy.Require(pod.HostNetwork != true && pod.HostPID != true && pod.HostIPC != true, workload.Id, "no host network, PID or IPC namespace");
            policy.Require(podContext.RunAsUser != 0, workload.Id, "pod runAsUser is not 0");
            foreach (var volume in pod.Volumes ?? [])
            {
                var type = VolumeType(volume);
                policy.Require(RestrictedVolumeTypes.Contains(type), $"{workload.Id} volume {volume.Name}", $"type '{type}' is not allowed by the restricted standard");
            }
            foreach (var container in workload.AllContainers)
            {
                var subject = $"{workload.Id} container {container.Name}";
                var context = container.SecurityContext ?? new V1SecurityContext();
                policy.Require(context.Privileged != true, subject, "not privileged");
                policy.Require(context.AllowPrivilegeEscalation == false, subject, "allowPrivilegeEscalation: false");
                policy.Require((context.RunAsNonRoot ?? podContext.RunAsNonRoot) == true, subject, "runAsNonRoot: true (pod or container)");
                policy.Require((context.RunAsUser ?? podContext.RunAsUser) is not 0, subject, "runAsUser is not 0");
                var seccomp = context.SeccompProfile?.Type ?? podContext.SeccompProfile?.Type;
                policy.Require(seccomp is "RuntimeDefault" or "Localhost", subject, "seccompProfile RuntimeDefault or Localhost (pod or container)");
                policy.Require(context.Capabilities?.Drop?.Contains("ALL") == true, subject, "capabilities drop ALL");
                policy.Require((context.Capabilities?.Add ?? []).All(c => c == "NET_BIND_SERVICE"), subject, "adds no capability but NET_BIND_SERVICE");
                policy.Require((container.Ports ?? []).All(p => p.HostPort is null or 0), subject, "no hostPort");
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void Containers_EachTarget_HaveReadOnlyRootAndTmpEmptyDir(string target)
    {
        var policy = new Policy(target);
        foreach (var workload in Rendered.Of(target).Workloads)
        {
            var emptyDirs = (workload.Pod.Volumes ?? []).Where(v => v.EmptyDir is not null).Select(v => v.Name).ToHashSet();
            foreach (var container in workload.AllContainers)
            {
                var subject = $"{workload.Id} container {container.Name}";
                policy.Require(container.SecurityContext?.ReadOnlyRootFilesystem == true, subject, "readOnlyRootFilesystem: true");
                policy.Require(
                    (container.VolumeMounts ?? []).Any(m => m.MountPath == "/tmp" && emptyDirs.Contains(m.Name) && m.ReadOnlyProperty != true),
                    subject, "mounts a writable emptyDir at /tmp");
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void Containers_EachTarget_RequestAndLimitCpuAndMemory(string target)
    {
        var policy = new Policy(target);
        foreach (var workload in Rendered.Of(target).Workloads)
        {
            foreach (var container in workload.AllContainers)
            {
                var subject = $"{workload.Id} container {container.Name}";
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    ResourceQuantity? request = null, limit = null;
                    var hasRequest = container.Resources?.Requests?.TryGetValue(resource, out request) == true;
                    var hasLimit = container.Resources?.Limits?.TryGetValue(resource, out limit) == true;
                    policy.Require(hasRequest, subject, $"requests {resource}");
                    policy.Require(hasLimit, subject, $"limits {resource}");
                    if (hasRequest && hasLimit)
                    {
                        policy.Require(request!.ToDecimal() <= limit!.ToDecimal(), subject, $"{resource} request {request} is not above its limit {limit}");
                    }
                }
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void ServiceAccounts_EachTarget_DoNotMountApiTokens(string target)
    {
        var rendered = Rendered.Of(target);
        var policy = new Policy(target);
        var accounts = rendered.Of<V1ServiceAccount>().ToDictionary(a => a.Metadata.Name);
        foreach (var account in accounts.Values)
        {
            policy.Require(account.AutomountServiceAccountToken == false, $"ServiceAccount/{account.Metadata.Name}", "automountServiceAccountToken: false");
        }
        foreach (var workload in rendered.Workloads)
        {
            policy.Require(workload.Pod.AutomountServiceAccountToken == false, workload.Id, "pod automountServiceAccountToken: false");
            policy.Require(
                workload.Pod.ServiceAccountName is { } name && accounts.ContainsKey(name),
                workload.Id, $"runs as its own ServiceAccount from this render (not 'default'), found '{workload.Pod.ServiceAccountName}'");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void LongRunningContainers_EachTarget_HaveLivenessAndReadinessProbes(string target)
    {
        var policy = new Policy(target);
        foreach (var workload in Rendered.Of(target).Workloads.Where(w => w.IsLongRunning))
        {
            foreach (var container in workload.Pod.Containers)
            {
                var subject = $"{workload.Id} container {container.Name}";
                policy.Require(container.LivenessProbe is not null, subject, "has a liveness probe");
                policy.Require(container.ReadinessProbe is not null, subject, "has a readiness probe");
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void Servers_EachTarget_ProbeTheGrpcHealthService(string target)
    {
        var policy = new Policy(target);
        foreach (var workload in Servers(target))
        {
            var container = workload.Pod.Containers.Single();
            var grpcPort = container.Ports?.SingleOrDefault(p => p.Name == "grpc")?.ContainerPort;
            var subject = workload.Id;
            policy.Require(grpcPort is not null, subject, "has a container port named grpc");
            policy.Require(IsGrpcProbe(container.StartupProbe, grpcPort, "liveness"), subject, "startupProbe: grpc on the grpc port, service \"liveness\"");
            policy.Require(IsGrpcProbe(container.LivenessProbe, grpcPort, "liveness"), subject, "livenessProbe: grpc on the grpc port, service \"liveness\" (never the database)");
            policy.Require(IsGrpcProbe(container.ReadinessProbe, grpcPort, "readiness"), subject, "readinessProbe: grpc on the grpc port, service \"readiness\" (includes the database)");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void Servers_EachTarget_DrainWithinTheGracePeriod(string target)
    {
        var policy = new Policy(target);
        foreach (var workload in Servers(target))
        {
            var sleep = workload.Pod.Containers.Single().Lifecycle?.PreStop?.Sleep?.Seconds;
            var grace = workload.Pod.TerminationGracePeriodSeconds;
            policy.Require(sleep is > 0, workload.Id, "preStop sleep (native sleep action: the image has no shell)");
            policy.Require(
                grace is not null && sleep is not null && grace > sleep + HostShutdownSeconds,
                workload.Id, $"terminationGracePeriodSeconds ({grace}) > preStop sleep ({sleep}) + host shutdown timeout ({HostShutdownSeconds})");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void Servers_EachTarget_ListenOnTheirNamedPorts(string target)
    {
        var policy = new Policy(target);
        foreach (var workload in Servers(target))
        {
            var container = workload.Pod.Containers.Single();
            foreach (var (endpoint, portName) in new[] { ("Grpc", "grpc"), ("Http", "http"), ("Management", "management") })
            {
                var url = container.Env?.SingleOrDefault(e => e.Name == $"Kestrel__Endpoints__{endpoint}__Url")?.Value;
                var port = container.Ports?.SingleOrDefault(p => p.Name == portName)?.ContainerPort;
                policy.Require(
                    url is not null && port is not null && url.StartsWith("http://", StringComparison.Ordinal) && url.EndsWith($":{port}", StringComparison.Ordinal),
                    workload.Id, $"Kestrel__Endpoints__{endpoint}__Url ({url}) listens on the '{portName}' container port ({port}) without TLS");
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void Servers_EachTarget_ServeMetricsOnTheManagementPortWherePrometheusScrapes(string target)
    {
        var policy = new Policy(target);
        foreach (var workload in Servers(target))
        {
            var container = workload.Pod.Containers.Single();
            var env = (container.Env ?? []).Where(e => e.Value is not null).ToDictionary(e => e.Name, e => e.Value);
            var management = container.Ports?.SingleOrDefault(p => p.Name == "management")?.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var annotations = workload.Template.Metadata?.Annotations;
            policy.Require(management is not null && env.GetValueOrDefault("Management__Port") == management, workload.Id,
                $"Management__Port ({env.GetValueOrDefault("Management__Port")}) is the management container port ({management}): /metrics answers there only");
            policy.Require(env.GetValueOrDefault("Kestrel__Endpoints__Management__Protocols") == "Http1", workload.Id, "the management endpoint speaks HTTP/1.1 (what Prometheus uses)");
            policy.Require(annotations.Get("prometheus.io/scrape") == "true" && annotations.Get("prometheus.io/path") == "/metrics"
                           && management is not null && annotations.Get("prometheus.io/port") == management,
                workload.Id, $"scrape annotations point at /metrics on the management port (prometheus.io/port: {annotations.Get("prometheus.io/port")})");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void Servers_EachTarget_SpreadAcrossNodes(string target)
    {
        var policy = new Policy(target);
        foreach (var workload in Servers(target))
        {
            var spread = workload.Pod.TopologySpreadConstraints ?? [];
            policy.Require(
                spread.Any(c => c.TopologyKey == "kubernetes.io/hostname" && c.LabelSelector is not null && Selectors.Matches(c.LabelSelector, workload.Labels)),
                workload.Id, "a topology spread constraint over kubernetes.io/hostname whose selector matches its own pods");
        }
        policy.AssertNone();
    }

    private static IEnumerable<Workload> Servers(string target) =>
        Rendered.Of(target).Workloads.Where(w => w.Kind == "Deployment");

    private static bool IsGrpcProbe(V1Probe? probe, int? port, string service) =>
        probe?.Grpc is { } grpc && grpc.Port == port && grpc.Service == service;

    private static string VolumeType(V1Volume volume)
    {
        string[] types = [
            volume.ConfigMap is null ? "" : "configMap", volume.Csi is null ? "" : "csi", volume.DownwardAPI is null ? "" : "downwardAPI",
            volume.EmptyDir is null ? "" : "emptyDir", volume.Ephemeral is null ? "" : "ephemeral",
            volume.PersistentVolumeClaim is null ? "" : "persistentVolumeClaim", volume.Projected is null ? "" : "projected",
            volume.Secret is null ? "" : "secret", volume.HostPath is null ? "" : "hostPath",
        ];
        return types.FirstOrDefault(t => t.Length > 0) ?? "other";
    }
}
