using System.Net;
using ChongqingVet.AppHost;
using ChongqingVet.Reliability.Tests.Kubernetes;
using ChongqingVet.TestKit.Databases;
using Dapper;
using Grpc.Health.V1;
using k8s.Models;
using Npgsql;

namespace ChongqingVet.Reliability.Tests;

/// <summary>The whole dev overlay running locally and healthy: four migrated services, the migrated insights service and the gateway.</summary>
public sealed class HealthyDevCluster : IAsyncLifetime
{
    private readonly List<TestDatabase> _databases = [];

    public Dictionary<string, LocalPod> Pods { get; } = [];

    public async Task InitializeAsync()
    {
        var databases = new Dictionary<string, TestDatabase>();
        foreach (var service in SuiteLayout.All.Where(m => m.HasDatabase))
        {
            var database = await DevCluster.Instance.MigratedDatabaseAsync(service.Name);
            _databases.Add(database);
            databases[service.Name] = database;
        }
        var servers = DevCluster.Instance.Servers(name => databases.GetValueOrDefault(name));
        Assert.Equal(SuiteLayout.All.Select(m => m.Name).Order(), servers.Select(s => s.Deployable).Order());
        var started = await Task.WhenAll(servers.Select(DevCluster.StartAsync));
        foreach (var pod in started) Pods[pod.Specification.Deployable] = pod;
    }

    public async Task DisposeAsync()
    {
        foreach (var pod in Pods.Values) await pod.DisposeAsync();
        foreach (var database in _databases) await database.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ProbeCollection : ICollectionFixture<HealthyDevCluster>
{
    public const string Name = "dev cluster";
}

/// <summary>
/// Probe conformance: every deployable of k8s/overlays/dev, started as a process with the environment its Deployment
/// sets, answers the probes its manifest declares exactly as the kubelet calls them.
/// </summary>
[Collection(ProbeCollection.Name)]
public sealed class ProbeConformanceTests(HealthyDevCluster cluster)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Deployables => new(SuiteLayout.All.Select(m => m.Name));

    /// <summary>Every deployable with a database of its own and a migration Job: the four services and the insights service.</summary>
    public static TheoryData<string> DatabaseServices => new(SuiteLayout.All.Where(m => m.HasDatabase).Select(m => m.Name));

    [Theory, MemberData(nameof(Deployables))]
    public async Task ManifestProbes_HealthyDeployable_Succeed(string deployable)
    {
        var pod = cluster.Pods[deployable];
        var container = pod.Specification.Container;
        var probes = new (string Kind, V1Probe? Probe)[] { ("startup", container.StartupProbe), ("liveness", container.LivenessProbe), ("readiness", container.ReadinessProbe) };
        Assert.All(probes, p => Assert.NotNull(p.Probe));

        foreach (var (kind, probe) in probes)
        {
            var result = await Kubelet.ProbeAsync(probe!, pod.Specification);
            Assert.True(result.Success, $"{deployable} {kind} probe: {result.Observed}");
        }
        // The gateway's backends (dns:///…-headless.chongqingvet.svc.cluster.local) do not resolve here: its readiness
        // is its own, not its backends'. Likewise the insights service's feeds (http://…-server.chongqingvet.svc.cluster.local)
        // and its token endpoint (the dev authority): its readiness is its database's, not its sources'.
    }

    [Theory, MemberData(nameof(Deployables))]
    public async Task ContentRoot_NothingUnderItIsWatched(string deployable)
    {
        // The host's default file watcher covers the content root and every directory below it: a SQLite database there
        // (the image's /app/data) would wake it on every write. The servers read their configuration files once.
        var pod = cluster.Pods[deployable];
        var tree = await DirectoryInodesAsync(pod.WorkingDirectory);
        Assert.NotEmpty(tree);

        var watched = InotifyWatchedInodes(pod.ProcessId);

        Assert.False(pod.HasExited, pod.Output);
        Assert.Empty(watched.Intersect(tree));
    }

    [Theory, MemberData(nameof(DatabaseServices))]
    public void LoadedCode_OnPostgreSql_NoSqlServerDriver(string service)
    {
        // This cluster runs PostgreSQL: the SQL Server driver (with its dependencies about 1.3 MiB of RSS per replica)
        // has no business in the process.
        var mapped = MappedFileNames(cluster.Pods[service]);

        Assert.Contains("Npgsql.dll", mapped);
        Assert.DoesNotContain("Microsoft.Data.SqlClient.dll", mapped);
    }

    /// <summary>The names of the files the running server mapped into memory (its loaded assemblies and libraries).</summary>
    private static HashSet<string> MappedFileNames(LocalPod pod)
    {
        Assert.False(pod.HasExited, pod.Output);
        return File.ReadLines($"/proc/{pod.ProcessId}/maps")
            .Select(line => Path.GetFileName(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The inode of the directory and of every directory below it.</summary>
    private static async Task<HashSet<ulong>> DirectoryInodesAsync(string root)
    {
        var find = new System.Diagnostics.ProcessStartInfo("find", [root, "-type", "d", "-printf", "%i\n"]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(find)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ulong.Parse)];
    }

    /// <summary>
    /// The inodes the process's inotify instances watch: <c>/proc/&lt;pid&gt;/fdinfo/&lt;fd&gt;</c> has one
    /// "inotify wd:… ino:&lt;hex&gt; …" line per watch.
    /// </summary>
    private static HashSet<ulong> InotifyWatchedInodes(int processId)
    {
        var watched = new HashSet<ulong>();
        foreach (var fdinfo in Directory.EnumerateFiles($"/proc/{processId}/fdinfo"))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(fdinfo);
            }
            catch (IOException)
            {
                continue; // the descriptor closed meanwhile
            }
            foreach (var line in lines.Where(l => l.StartsWith("inotify wd:", StringComparison.Ordinal)))
            {
                var ino = line.Split(' ').First(part => part.StartsWith("ino:", StringComparison.Ordinal))["ino:".Length..];
                watched.Add(ulong.Parse(ino, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return watched;
    }

    [Theory, MemberData(nameof(Deployables))]
    public async Task EveryHealthName_HealthyDeployable_AnswersServingAndOk(string deployable)
    {
        var pod = cluster.Pods[deployable].Specification;
        var grpcPort = pod.LocalPort("grpc");
        var httpPort = pod.LocalPort("http");
        foreach (var service in new[] { "", "liveness", "readiness" })
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await Kubelet.GrpcHealthAsync(grpcPort, service, TimeSpan.FromSeconds(5)));
        foreach (var path in new[] { "/healthz/live", "/healthz/ready" })
            Assert.Equal(200, await Kubelet.HttpGetAsync(httpPort, path, TimeSpan.FromSeconds(5)));
    }

    [Theory, MemberData(nameof(Deployables))]
    public async Task Metrics_HealthyDeployable_AnswerOnTheManagementPortOnly(string deployable)
    {
        var pod = cluster.Pods[deployable].Specification;
        var management = pod.LocalPort("management");
        var http = pod.LocalPort("http");
        // Where the manifest's scrape annotations send Prometheus.
        var annotations = pod.Workload.Template.Metadata.Annotations;
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal(management, pod.LocalPort(annotations["prometheus.io/port"]));

        var scrape = await GetAsync(management, annotations["prometheus.io/path"]);
        Assert.Equal(200, scrape.Status);
        Assert.Contains("# TYPE ", scrape.Body, StringComparison.Ordinal);
        Assert.Equal(200, (await GetAsync(management, "/healthz/live")).Status);

        // Not on the public listener, whatever Host the caller claims (an ingress forwards the caller's Host).
        Assert.Equal(404, (await GetAsync(http, "/metrics")).Status);
        Assert.Equal(404, (await GetAsync(http, "/metrics", host: $"127.0.0.1:{management}")).Status);
        Assert.Equal(404, (await GetAsync(http, "/metrics", host: $"pod:{pod.Container.Ports.Single(p => p.Name == "management").ContainerPort}")).Status);
        // And the management listener serves diagnostics only, never the application.
        if (deployable == SuiteLayout.Gateway.Name)
        {
            Assert.Equal(200, (await GetAsync(http, "/web-config.json")).Status);
            Assert.Equal(404, (await GetAsync(management, "/web-config.json")).Status);
        }
    }

    [Fact]
    public async Task InsightsProbes_TokenEndpointFailingAndFeedsUnresolvable_AsksWithTheManifestsClientAndStaysServing()
    {
        await using var database = await DevCluster.Instance.MigratedDatabaseAsync(SuiteLayout.Insights.Name);
        // The manifest's settings, with the token endpoint (by default <Auth__Authority>connect/token, a cluster name that
        // does not resolve here) moved to a local one that refuses every request, as an identity provider outage would.
        using var tokenEndpoint = new HttpListener();
        var tokenPort = LocalPorts.Free();
        tokenEndpoint.Prefixes.Add($"http://127.0.0.1:{tokenPort}/");
        tokenEndpoint.Start();
        var specification = DevCluster.Instance.Server(SuiteLayout.Insights.Name, database)
            .WithEnvironment("Feeds__TokenEndpoint", $"http://127.0.0.1:{tokenPort}/connect/token");
        var environment = specification.Environment;
        foreach (var key in new[] { "Feeds__Certificates__Address", "Feeds__Competitions__Address", "Feeds__Courses__Address", "Feeds__JobPostings__Address" })
            Assert.StartsWith("http://", environment[key], StringComparison.Ordinal);
        await using var pod = await DevCluster.StartAsync(specification);

        // The follower asks for a changes.read token as the client the dev overlay names (the development provider's
        // gov-system) with the secret from the Secret's feed-client-secret key.
        var context = await tokenEndpoint.GetContextAsync().WaitAsync(Within);
        var form = System.Web.HttpUtility.ParseQueryString(await new StreamReader(context.Request.InputStream).ReadToEndAsync());
        context.Response.StatusCode = 503;
        context.Response.Close();
        Assert.Equal("POST", context.Request.HttpMethod);
        Assert.Equal("client_credentials", form["grant_type"]);
        Assert.Equal("changes.read", form["scope"]);
        Assert.Equal("gov-system", form["client_id"]);
        Assert.Equal(environment["Feeds__ClientId"], form["client_id"]);
        Assert.Equal(environment["Feeds__ClientSecret"], form["client_secret"]);

        // It retries (one loop per source: four first attempts, so a fifth request is a retry after the back-off) and keeps
        // answering its probes: an identity provider or source outage never takes the read model out of service, nor
        // restarts it.
        for (var request = 2; request <= 5; request++)
        {
            var next = await tokenEndpoint.GetContextAsync().WaitAsync(Within);
            next.Response.StatusCode = 503;
            next.Response.Close();
        }
        Assert.False(pod.HasExited, pod.Output);
        var container = pod.Specification.Container;
        foreach (var probe in new[] { container.LivenessProbe!, container.ReadinessProbe! })
        {
            var result = await Kubelet.ProbeAsync(probe, pod.Specification);
            Assert.True(result.Success, result.Observed);
        }
        tokenEndpoint.Stop();
    }

    /// <summary>A plain HTTP/1.1 GET; <paramref name="host"/> overrides the Host header.</summary>
    private static async Task<(int Status, string Body)> GetAsync(int port, string path, string? host = null)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(5) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}{path}");
        if (host is not null) request.Headers.Host = host;
        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Theory, MemberData(nameof(DatabaseServices))]
    public async Task ReadinessProbe_MigrationsBehind_NotServingWhileLive(string service)
    {
        await using var database = await DevCluster.Instance.MigratedDatabaseAsync(service);
        var last = await DeleteLastJournalRowAsync(database);
        await using var pod = await DevCluster.StartAsync(DevCluster.Instance.Server(service, database));
        var container = pod.Specification.Container;

        var readiness = await Kubelet.ProbeAsync(container.ReadinessProbe!, pod.Specification);
        Assert.False(readiness.Success, readiness.Observed);
        Assert.Contains("NotServing", readiness.Observed, StringComparison.Ordinal);
        Assert.Equal(503, await Kubelet.HttpGetAsync(pod.Specification.LocalPort("http"), "/healthz/ready", TimeSpan.FromSeconds(5)));
        var liveness = await Kubelet.ProbeAsync(container.LivenessProbe!, pod.Specification);
        Assert.True(liveness.Success, "a pod waiting for its migration must not be restarted: " + liveness.Observed);

        // The migration Job catches up (its journal row is back): ready again, without a restart.
        await RestoreJournalRowAsync(database, last);
        var recovered = await Kubelet.EventuallyAsync(() => Kubelet.ProbeAsync(container.ReadinessProbe!, pod.Specification), r => r.Success, Within);
        Assert.True(recovered.Success, recovered.Observed);
    }

    [Theory, MemberData(nameof(DatabaseServices))]
    public async Task ReadinessProbe_DatabaseUnreachable_NotServingWhileLive(string service)
    {
        await using var database = await DevCluster.Instance.MigratedDatabaseAsync(service);
        await using var pod = await DevCluster.StartAsync(DevCluster.Instance.Server(service, database));
        var container = pod.Specification.Container;
        var httpPort = pod.Specification.LocalPort("http");
        var ready = await Kubelet.EventuallyAsync(() => Kubelet.ProbeAsync(container.ReadinessProbe!, pod.Specification), r => r.Success, Within);
        Assert.True(ready.Success, ready.Observed);

        await SetConnectionsAllowedAsync(database, allowed: false);
        try
        {
            var readiness = await Kubelet.EventuallyAsync(() => Kubelet.ProbeAsync(container.ReadinessProbe!, pod.Specification), r => !r.Success, Within);
            Assert.False(readiness.Success, readiness.Observed);
            Assert.Contains("NotServing", readiness.Observed, StringComparison.Ordinal);
            Assert.Equal(503, await Kubelet.HttpGetAsync(httpPort, "/healthz/ready", TimeSpan.FromSeconds(5)));
            var liveness = await Kubelet.ProbeAsync(container.LivenessProbe!, pod.Specification);
            Assert.True(liveness.Success, "a database outage must not restart the pod: " + liveness.Observed);
            Assert.Equal(200, await Kubelet.HttpGetAsync(httpPort, "/healthz/live", TimeSpan.FromSeconds(5)));
        }
        finally
        {
            await SetConnectionsAllowedAsync(database, allowed: true);
        }
        var recovered = await Kubelet.EventuallyAsync(() => Kubelet.ProbeAsync(container.ReadinessProbe!, pod.Specification), r => r.Success, Within);
        Assert.True(recovered.Success, recovered.Observed);
    }

    private sealed record JournalRow(string ScriptName, DateTime Applied);

    private static async Task<JournalRow> DeleteLastJournalRowAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        var last = await connection.QuerySingleAsync<JournalRow>(
            "SELECT scriptname AS ScriptName, applied AS Applied FROM schema_versions ORDER BY schemaversionsid DESC LIMIT 1");
        Assert.Equal(1, await connection.ExecuteAsync("DELETE FROM schema_versions WHERE scriptname = @ScriptName", last));
        return last;
    }

    private static async Task RestoreJournalRowAsync(TestDatabase database, JournalRow row)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.ExecuteAsync("INSERT INTO schema_versions (scriptname, applied) VALUES (@ScriptName, @Applied)", row);
    }

    /// <summary>The database stops (or resumes) accepting connections, and the service's open ones are cut.</summary>
    private static async Task SetConnectionsAllowedAsync(TestDatabase database, bool allowed)
    {
        var name = new NpgsqlConnectionStringBuilder(database.ConnectionString).Database!;
        await using var admin = new NpgsqlConnection(Environment.GetEnvironmentVariable(TestDatabase.PostgresVariable));
        await admin.ExecuteAsync($"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {(allowed ? "true" : "false")}"); // generated name, not input
        if (!allowed)
            await admin.ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @name AND pid <> pg_backend_pid()", new { name });
    }
}
