using System.Diagnostics;
using System.Text.Json;
using ChongqingVet.K8s.Tests.Manifests;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace ChongqingVet.Reliability.Tests;

/// <summary>
/// The image, run as the container runtime would run it — without a container engine (none runs here): the service
/// published as deploy/docker/Dockerfile publishes it, its apphost renamed to the ENTRYPOINT's name, started by that
/// ENTRYPOINT (no shell) as the image's non-root user (UID 1654) with exactly the image's ENV plus what a Deployment
/// adds, its /app directory read-only and owned by root, /tmp (the pod's only writable volume) its only writable place,
/// in a network namespace of its own so that it binds the image's fixed ports — then probed the way the kubelet probes.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Collection(PublishCollection.Name)]
public sealed class ContainerImageTests
{
    /// <summary>APP_UID of the mcr.microsoft.com/dotnet runtime images: the non-root "app" user (`USER $APP_UID`).</summary>
    private const int AppUid = 1654;

    /// <summary>What the aspnet:10.0-noble-chiseled-extra base image sets before the Dockerfile's own ENV.</summary>
    private static readonly Dictionary<string, string> BaseImageEnvironment = new()
    {
        ["APP_UID"] = AppUid.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ASPNETCORE_HTTP_PORTS"] = "8080",
        ["DOTNET_RUNNING_IN_CONTAINER"] = "true",
        ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "false",
        ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    };

    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Image_PublishedServiceRunAsTheImageWouldRunIt_AnswersItsProbes()
    {
        var image = RuntimeStage.Parse(File.ReadAllLines(Repository.PathOf("deploy/docker/Dockerfile")));
        Assert.Equal("$APP_UID", image.User);

        var root = Directory.CreateTempSubdirectory("cqv-image-");
        await using var network = await NetworkNamespace.CreateAsync();
        Process? server = null;
        try
        {
            File.SetUnixFileMode(root.FullName, (UnixFileMode)0b111_101_101); // 755: the non-root user must reach /app and /tmp below it
            // The build stage: dotnet publish "$PROJECT" -c Release --self-contained false -o /app && mv /app/<name> /app/server.
            var published = Path.Combine(root.FullName, "publish");
            await RunAsync("dotnet", ["publish", Repository.PathOf("services/ChongqingVet.JobPostings"), "-c", "Release", "--self-contained", "false",
                "-o", published, "-nologo", "-clp:ErrorsOnly", "-v", "q"]);
            File.Move(Path.Combine(published, "ChongqingVet.JobPostings"), Path.Combine(published, "server"));

            // The runtime stage: COPY --from=build /app ./ into WORKDIR /app, owned by root, read-only for the app user.
            var app = Path.Combine(root.FullName, image.WorkingDirectory.TrimStart('/'));
            CopyReadOnly(published, app);
            var tmp = Directory.CreateDirectory(Path.Combine(root.FullName, "tmp")).FullName;
            await RunAsync("chown", [$"{AppUid}:{AppUid}", tmp]);
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            var environment = new Dictionary<string, string>(BaseImageEnvironment);
            foreach (var (key, value) in image.Environment) environment[key] = value;
            // What the Deployment's ConfigMaps and volumes add (k8s/base/shared), with SQLite in the writable volume.
            environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            environment["Auth__Authority"] = "https://identity.invalid/";
            environment["Auth__Audience"] = "chongqingvet";
            environment["Database__Provider"] = "Sqlite";
            environment["ConnectionStrings__Database"] = $"Data Source={Path.Combine(tmp, "jobpostings.db")}";
            environment["Database__MigrateOnStartup"] = "true";
            environment["TMPDIR"] = tmp;
            // The Deployment's Secret: the keys Production requires (each base64, at least 32 bytes).
            foreach (var key in new[] { "Audit__HmacKey", "PageTokens__SigningKey", "Idempotency__HashKey" })
                environment[key] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

            // ENTRYPOINT ["/app/server"], exec form: no shell between the runtime and the server.
            var entrypoint = image.Entrypoint.Select(part => part.StartsWith(image.WorkingDirectory + "/", StringComparison.Ordinal)
                ? Path.Combine(app, part[(image.WorkingDirectory.Length + 1)..]) : part).ToArray();
            var start = new ProcessStartInfo("ip") { WorkingDirectory = app, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "netns", "exec", network.Name, "setpriv", $"--reuid={AppUid}", $"--regid={AppUid}", "--clear-groups", "--inh-caps=-all" }
                         .Concat(entrypoint))
                start.ArgumentList.Add(argument);
            start.Environment.Clear();
            foreach (var (key, value) in environment) start.Environment[key] = value;
            var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
            server = Process.Start(start) ?? throw new InvalidOperationException("could not start the server");
            server.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            server.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            server.BeginOutputReadLine();
            server.BeginErrorReadLine();

            // The kubelet's probes (k8s/base/templates/server/deployment.yaml): gRPC health on 8080, "readiness" and "liveness".
            var readiness = await PollAsync(() => GrpcHealthAsync(network.Address, 8080, "readiness"), status => status == HealthCheckResponse.Types.ServingStatus.Serving,
                server, output);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, readiness);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await GrpcHealthAsync(network.Address, 8080, "liveness"));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            Assert.Equal(200, (int)(await http.GetAsync($"http://{network.Address}:8081/healthz/ready")).StatusCode);
            Assert.Equal(200, (int)(await http.GetAsync($"http://{network.Address}:9090/metrics")).StatusCode);

            // It runs as the image's user, not as root, and wrote nothing beside itself.
            var uid = File.ReadAllLines($"/proc/{server.Id}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            Assert.Equal(AppUid.ToString(System.Globalization.CultureInfo.InvariantCulture), uid.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1]);
            Assert.Equal(Directory.GetFileSystemEntries(published, "*", SearchOption.AllDirectories).Length,
                Directory.GetFileSystemEntries(app, "*", SearchOption.AllDirectories).Length);
            Assert.True(File.Exists(Path.Combine(tmp, "jobpostings.db")));
        }
        finally
        {
            if (server is not null)
            {
                try { server.Kill(entireProcessTree: true); await server.WaitForExitAsync(); } catch (InvalidOperationException) { }
                server.Dispose();
            }
            await RunAsync("chmod", ["-R", "u+w", root.FullName]);
            root.Delete(recursive: true);
        }
    }

    /// <summary>Copies the published output; directories 555 and files 444 (the apphost 555), owned by root.</summary>
    private static void CopyReadOnly(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            var target = Path.Combine(to, Path.GetFileName(file));
            File.Copy(file, target);
            File.SetUnixFileMode(target, Path.GetFileName(file) == "server" ? (UnixFileMode)0b101_101_101 : (UnixFileMode)0b100_100_100);
        }
        foreach (var directory in Directory.GetDirectories(from)) CopyReadOnly(directory, Path.Combine(to, Path.GetFileName(directory)));
        File.SetUnixFileMode(to, (UnixFileMode)0b101_101_101);
    }

    private static async Task<T> PollAsync<T>(Func<Task<T>> probe, Func<T, bool> done, Process server, IEnumerable<string> output)
    {
        using var timeout = new CancellationTokenSource(Within);
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            Assert.False(server.HasExited, "the server exited:\n" + string.Join('\n', output));
            if (timeout.IsCancellationRequested) Assert.Fail($"not ready within {Within}; last {value}:\n" + string.Join('\n', output));
            await Task.Delay(250);
        }
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus?> GrpcHealthAsync(string address, int port, string service)
    {
        using var channel = GrpcChannel.ForAddress($"http://{address}:{port}");
        try
        {
            var response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(2));
            return response.Status;
        }
        catch (RpcException)
        {
            return null;
        }
    }

    internal static async Task RunAsync(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', start.ArgumentList)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }

    /// <summary>The last stage of a Dockerfile: WORKDIR, USER, ENV (key=value pairs) and the exec-form ENTRYPOINT.</summary>
    private sealed record RuntimeStage(string WorkingDirectory, string User, IReadOnlyDictionary<string, string> Environment, string[] Entrypoint)
    {
        public static RuntimeStage Parse(string[] dockerfile)
        {
            var instructions = new List<string>();
            var current = "";
            foreach (var raw in dockerfile)
            {
                var line = raw.Trim();
                if (current.Length == 0 && (line.Length == 0 || line.StartsWith('#'))) continue;
                if (line.EndsWith('\\')) { current += line[..^1] + " "; continue; }
                instructions.Add(current + line);
                current = "";
            }
            var stage = instructions[instructions.FindLastIndex(i => i.StartsWith("FROM ", StringComparison.Ordinal))..];
            string Argument(string instruction) => stage.Last(i => i.StartsWith(instruction + " ", StringComparison.Ordinal))[(instruction.Length + 1)..].Trim();

            var environment = new Dictionary<string, string>();
            foreach (var env in stage.Where(i => i.StartsWith("ENV ", StringComparison.Ordinal)))
            {
                foreach (var pair in env[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var equals = pair.IndexOf('=');
                    Assert.True(equals > 0, $"ENV in key=value form: {pair}");
                    environment[pair[..equals]] = pair[(equals + 1)..];
                }
            }
            var entrypoint = JsonSerializer.Deserialize<string[]>(Argument("ENTRYPOINT"));
            Assert.NotNull(entrypoint); // the exec form: a JSON array, no shell
            return new RuntimeStage(Argument("WORKDIR"), Argument("USER"), environment, entrypoint);
        }
    }

    /// <summary>A network namespace joined to this one by a veth pair, the server's side at <see cref="Address"/>.</summary>
    private sealed class NetworkNamespace : IAsyncDisposable
    {
        private NetworkNamespace(string name, string address)
        {
            Name = name;
            Address = address;
        }

        public string Name { get; }

        public string Address { get; }

        public static async Task<NetworkNamespace> CreateAsync()
        {
            var id = Random.Shared.Next(0, 0xFFFFFF).ToString("x6", System.Globalization.CultureInfo.InvariantCulture);
            var subnet = Random.Shared.Next(0, 256);
            var name = "cqv-img-" + id;
            string host = "cqvh" + id, peer = "cqvp" + id, hostAddress = $"10.231.{subnet}.1", address = $"10.231.{subnet}.2";
            await RunAsync("ip", ["netns", "add", name]);
            var created = new NetworkNamespace(name, address);
            try
            {
                await RunAsync("ip", ["link", "add", host, "type", "veth", "peer", "name", peer]);
                await RunAsync("ip", ["link", "set", peer, "netns", name]);
                await RunAsync("ip", ["addr", "add", hostAddress + "/30", "dev", host]);
                await RunAsync("ip", ["link", "set", host, "up"]);
                await RunAsync("ip", ["netns", "exec", name, "ip", "addr", "add", address + "/30", "dev", peer]);
                await RunAsync("ip", ["netns", "exec", name, "ip", "link", "set", peer, "up"]);
                await RunAsync("ip", ["netns", "exec", name, "ip", "link", "set", "lo", "up"]);
                return created;
            }
            catch
            {
                await created.DisposeAsync();
                throw;
            }
        }

        /// <summary>Deleting the namespace removes its veth end, and with it the pair.</summary>
        public async ValueTask DisposeAsync() => await RunAsync("ip", ["netns", "del", Name]);
    }
}

/// <summary>
/// <c>dotnet publish</c> builds the project into its bin/Release folder too, rewriting files (runtimeconfig.json) that
/// other tests start servers from: a server started meanwhile read an empty one and exited. Nothing runs beside it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PublishCollection
{
    public const string Name = "publishes into the build output";
}
