using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ChongqingVet.AppHost;
using ChongqingVet.K8s.Tests.Manifests;
using k8s.Models;

namespace ChongqingVet.Reliability.Tests.Kubernetes;

/// <summary>
/// One container of a rendered Deployment or Job, turned into what a local process needs: the built assembly of its
/// image, its arguments and the environment Kubernetes would give it (envFrom ConfigMaps, env values, ConfigMap and
/// Secret key references), with every container port moved to a free port on 127.0.0.1.
/// </summary>
public sealed partial class PodSpecification
{
    private PodSpecification(string deployable, Workload workload, V1Container container, SuiteLayout.Member member)
    {
        Deployable = deployable;
        Workload = workload;
        Container = container;
        Member = member;
    }

    /// <summary>"certificates" … "gateway": the image's name.</summary>
    public string Deployable { get; }

    public Workload Workload { get; }

    public V1Container Container { get; }

    public SuiteLayout.Member Member { get; }

    /// <summary>Container port → the local port the process binds instead.</summary>
    public IReadOnlyDictionary<int, int> Ports { get; private set; } = new Dictionary<int, int>();

    public IReadOnlyDictionary<string, string> Environment { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Arguments => Container.Args?.ToList() ?? [];

    /// <summary>The local port for a probe's port number.</summary>
    public int LocalPort(int containerPort) =>
        Ports.TryGetValue(containerPort, out var local)
            ? local
            : throw new InvalidOperationException($"{Workload.Id}: the probe uses port {containerPort}, which the container does not declare.");

    /// <summary>The local port for a probe's port: a number, or the name of one of the container's ports.</summary>
    public int LocalPort(IntOrString port) => LocalPort(port.Value);

    /// <summary>The local port for a container port given as a number or by its name ("grpc", "http", "management").</summary>
    public int LocalPort(string value)
    {
        var containerPort = int.TryParse(value, out var number)
            ? number
            : Container.Ports?.SingleOrDefault(p => p.Name == value)?.ContainerPort
              ?? throw new InvalidOperationException($"{Workload.Id}: no container port named '{value}'.");
        return LocalPort(containerPort);
    }

    /// <summary>The one container of every Deployment (or Job) of a rendered target, with its environment resolved.</summary>
    /// <param name="secretValue">A generated value for each (Secret name, key) the manifests reference.</param>
    public static IReadOnlyList<PodSpecification> From(Rendered rendered, string kind, Func<string, string, string, string> secretValue)
    {
        var configMaps = rendered.Of<V1ConfigMap>().ToDictionary(c => c.Metadata.Name);
        return rendered.Workloads
            .Where(w => w.Kind == kind)
            .Select(workload =>
            {
                var container = Assert.Single(workload.Pod.Containers);
                Assert.True(container.Command is null, $"{workload.Id}: a command override cannot be reproduced locally.");
                var deployable = ImageName(container.Image);
                var member = SuiteLayout.All.SingleOrDefault(m => m.Name == deployable)
                             ?? throw new InvalidOperationException($"{workload.Id}: image '{container.Image}' is not a project of the suite.");
                var pod = new PodSpecification(deployable, workload, container, member);
                pod.Resolve(configMaps, (secret, key) => secretValue(deployable, secret, key));
                return pod;
            })
            .ToList();
    }

    private void Resolve(IReadOnlyDictionary<string, V1ConfigMap> configMaps, Func<string, string, string> secretValue)
    {
        var ports = (Container.Ports ?? []).ToDictionary(p => p.ContainerPort, _ => LocalPorts.Free());
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        // Kubernetes: envFrom first (in order), then env, which wins.
        foreach (var source in Container.EnvFrom ?? [])
        {
            if (source.ConfigMapRef is { } map)
            {
                foreach (var (key, value) in ConfigMap(configMaps, map.Name).Data ?? new Dictionary<string, string>())
                    environment[(source.Prefix ?? "") + key] = value;
            }
            else
            {
                throw new InvalidOperationException($"{Workload.Id}: envFrom of a Secret is not supported by this test; reference keys instead.");
            }
        }
        foreach (var variable in Container.Env ?? [])
        {
            environment[variable.Name] = variable switch
            {
                { ValueFrom: null } => variable.Value ?? "",
                { ValueFrom.SecretKeyRef: { } secret } => secretValue(secret.Name, secret.Key),
                { ValueFrom.ConfigMapKeyRef: { } key } => ConfigMap(configMaps, key.Name).Data?[key.Key]
                                                         ?? throw new InvalidOperationException($"{Workload.Id}: ConfigMap {key.Name} has no key {key.Key}."),
                _ => throw new InvalidOperationException($"{Workload.Id}: env {variable.Name} has a source this test cannot reproduce."),
            };
        }

        // Every listening address moves to 127.0.0.1 and the local port of its container port.
        foreach (var key in environment.Keys.Where(IsListenAddress).ToList())
        {
            var match = ListenUrl().Match(environment[key]);
            Assert.True(match.Success, $"{Workload.Id}: {key}={environment[key]} is not a URL with a port.");
            var port = int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(ports.ContainsKey(port), $"{Workload.Id}: {key} listens on {port}, which the container does not declare as a port.");
            environment[key] = $"{match.Groups["scheme"].Value}://127.0.0.1:{ports[port]}{match.Groups["rest"].Value}";
        }
        // Management__Port names the management listener's container port (the only one /metrics answers on): it moves too.
        if (environment.TryGetValue(ManagementPortKey, out var managementPort))
        {
            Assert.True(int.TryParse(managementPort, out var number) && ports.ContainsKey(number),
                $"{Workload.Id}: {ManagementPortKey}={managementPort} is not one of the container's ports.");
            environment[ManagementPortKey] = ports[number].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        Ports = ports;
        Environment = environment;
    }

    private const string ManagementPortKey = "Management__Port";

    /// <summary>The same pod with one more environment variable (a test's stand-in for a cluster address), as a pod patch would set it.</summary>
    public PodSpecification WithEnvironment(string key, string value) =>
        new(Deployable, Workload, Container, Member)
        {
            Ports = Ports,
            Environment = new Dictionary<string, string>(Environment, StringComparer.Ordinal) { [key] = value },
        };

    private static bool IsListenAddress(string key) =>
        key is "ASPNETCORE_URLS" || (key.StartsWith("Kestrel__Endpoints__", StringComparison.Ordinal) && key.EndsWith("__Url", StringComparison.Ordinal));

    private V1ConfigMap ConfigMap(IReadOnlyDictionary<string, V1ConfigMap> configMaps, string name) =>
        configMaps.TryGetValue(name, out var map) ? map : throw new InvalidOperationException($"{Workload.Id}: ConfigMap {name} is not in the target.");

    private static string ImageName(string image)
    {
        var name = image[(image.LastIndexOf('/') + 1)..];
        var tag = name.IndexOf(':', StringComparison.Ordinal);
        return tag < 0 ? name : name[..tag];
    }

    /// <summary>A generated stand-in for a key of a Secret: 32 random bytes, base64 (what every key of the suite is).</summary>
    public static string RandomKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [GeneratedRegex(@"^(?<scheme>https?)://[^/]+:(?<port>\d+)(?<rest>/.*)?$")]
    private static partial Regex ListenUrl();
}
