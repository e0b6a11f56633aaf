using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using ChongqingVet.AppHost;
using ChongqingVet.K8s.Tests.Manifests;

namespace ChongqingVet.Reliability.Tests.DeadBackend;

/// <summary>
/// One member of the local suite running as a process (the built assembly under <c>bin/&lt;Configuration&gt;/net10.0</c>),
/// with the environment SuiteLayout gives it plus only what the dotnet host needs. It can be killed with SIGKILL and
/// started again with the same environment (same SQLite file).
/// </summary>
public sealed class SuiteProcess : IAsyncDisposable
{
    private static readonly string[] Inherited = ["PATH", "HOME", "TMPDIR", "LANG", "DOTNET_ROOT", "DOTNET_CLI_HOME", "DOTNET_NOLOGO"];

    private readonly string _assembly;
    private readonly string _workingDirectory;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    public SuiteProcess(SuiteLayout.Member member, IReadOnlyDictionary<string, string> environment, bool contentRootIsProject = false)
    {
        Member = member;
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<Configuration>/net10.0
        var binaries = Repository.PathOf($"{member.Project}/bin/{configuration}/net10.0");
        _assembly = Path.Combine(binaries, member.Assembly + ".dll");
        if (!File.Exists(_assembly)) throw new InvalidOperationException($"{_assembly} is not built: build the solution first.");
        // The identity provider keeps its settings in its project folder; the others run where they were built (the image's /app).
        _workingDirectory = contentRootIsProject ? Repository.PathOf(member.Project) : binaries;
        _environment = environment;
    }

    public SuiteLayout.Member Member { get; }

    /// <summary>The operating-system id of the running process (null when not running), e.g. to read its memory.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>The last lines the process printed, for failure messages.</summary>
    public string Output => string.Join('\n', _output.TakeLast(30));

    public void Start()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(_assembly);
        start.Environment.Clear();
        foreach (var name in Inherited)
        {
            var value = Environment.GetEnvironmentVariable(name);
            if (value is not null) start.Environment[name] = value;
        }
        foreach (var (key, value) in _environment) start.Environment[key] = value;
        // Runtime and allocator switches pass through and win (e.g. DOTNET_PerfMapEnabled=1 to profile the processes with
        // perf, another DOTNET_GCgen0size or MALLOC_ARENA_MAX to compare).
        foreach (var (name, value) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                     .Select(e => ((string)e.Key, (string?)e.Value)))
        {
            if ((name.StartsWith("DOTNET_", StringComparison.Ordinal) || name.StartsWith("MALLOC_", StringComparison.Ordinal)) && value is not null) start.Environment[name] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + Member.Name);
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>kill -9: no shutdown, no draining; open connections are reset by the kernel.</summary>
    public void KillHard()
    {
        var process = _process ?? throw new InvalidOperationException(Member.Name + " is not running");
        process.Kill(); // SIGKILL on Linux
        process.WaitForExit();
        process.Dispose();
        _process = null;
    }

    private void Record(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 200) _output.TryDequeue(out _);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not { } process) return;
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
        _process = null;
    }
}

/// <summary>
/// The local suite as the AppHost starts it (SuiteLayout): the development identity provider, the four services on
/// SQLite with sample data, and the gateway, each a process on 127.0.0.1 with every port moved by a free offset.
/// </summary>
public sealed class LocalSuite : IAsyncDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("cqv-deadbackend-").FullName;
    private readonly List<SuiteProcess> _processes = [];

    private LocalSuite(int portOffset) => PortOffset = portOffset;

    public int PortOffset { get; }

    /// <summary>The directory that holds the members' SQLite files (&lt;member&gt;.db) and the identity signing key.</summary>
    public string DataDirectory => _dataDirectory;

    public Dictionary<string, SuiteProcess> Members { get; } = [];

    /// <summary>A client-credentials token of the government system (profiles.read …) from the identity provider.</summary>
    public string Token { get; private set; } = "";

    public string GatewayGrpc => $"http://127.0.0.1:{SuiteLayout.Gateway.GrpcPort + PortOffset}";

    public string ReadyUrl(SuiteLayout.Member member) => $"http://127.0.0.1:{member.HttpPort + PortOffset}/healthz/ready";

    public static Task<LocalSuite> StartAsync() => StartAsync(SuiteLayout.All, configure: null);

    /// <summary>
    /// The identity provider and <paramref name="members"/> only; <paramref name="configure"/> may change a member's
    /// environment first (e.g. PostgreSQL instead of SQLite).
    /// </summary>
    public static async Task<LocalSuite> StartAsync(IEnumerable<SuiteLayout.Member> members, Action<SuiteLayout.Member, Dictionary<string, string>>? configure)
    {
        var suite = new LocalSuite(FreeOffset());
        try
        {
            await suite.StartAllAsync(members.ToList(), configure);
            return suite;
        }
        catch
        {
            await suite.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync(IReadOnlyList<SuiteLayout.Member> members, Action<SuiteLayout.Member, Dictionary<string, string>>? configure)
    {
        var identity = new SuiteProcess(SuiteLayout.Identity, SuiteLayout.IdentityEnvironment(_dataDirectory, PortOffset), contentRootIsProject: true);
        Add(identity);
        foreach (var member in members)
        {
            var environment = SuiteLayout.Environment(member, _dataDirectory, PortOffset);
            configure?.Invoke(member, environment);
            Add(new SuiteProcess(member, environment));
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await WaitForAsync(http, $"{SuiteLayout.Authority(PortOffset)}healthz", identity);
        Token = await GetTokenAsync(http, "gov-system", "gov-system-dev-secret", "profiles.read catalog.read certificates.read");
        foreach (var member in members) await WaitForAsync(http, ReadyUrl(member), Members[member.Name]);

        void Add(SuiteProcess process)
        {
            process.Start();
            _processes.Add(process);
            Members[process.Member.Name] = process;
        }
    }

    /// <summary>The gRPC address of a member.</summary>
    public string GrpcAddress(SuiteLayout.Member member) => $"http://127.0.0.1:{member.GrpcPort + PortOffset}";

    /// <summary>A client-credentials token from this suite's identity provider (clients: tools/ChongqingVet.Identity/appsettings.json).</summary>
    public Task<string> GetTokenAsync(HttpClient http, string clientId, string secret, string scope) =>
        GetTokenAsync(http, PortOffset, clientId, secret, scope);

    /// <summary>A client-credentials token from the identity provider of the suite at <paramref name="portOffset"/>.</summary>
    public static async Task<string> GetTokenAsync(HttpClient http, int portOffset, string clientId, string secret, string scope)
    {
        using var response = await http.PostAsync($"{SuiteLayout.Authority(portOffset)}connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = scope,
        }));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"token request for {clientId} failed: {body}");
        using var json = System.Text.Json.JsonDocument.Parse(body);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Polls <paramref name="url"/> until it answers 2xx (at most 120 s: processes start slowly on a busy 2-core machine).</summary>
    public static async Task WaitForAsync(HttpClient http, string url, SuiteProcess process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!await IsOkAsync(http, url))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{process.Member.Name} was not ready at {url} within 120 s:\n{process.Output}");
            await Task.Delay(100);
        }
    }

    public static async Task<bool> IsOkAsync(HttpClient http, string url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>A port offset at which every port of the suite is free on loopback (other suites may run on this machine).</summary>
    public static int FreeOffset()
    {
        var members = SuiteLayout.All.Append(SuiteLayout.Identity).ToList();
        for (var offset = 23_000; offset < 40_000; offset += 211)
        {
            var ports = members.SelectMany(m => new[] { m.GrpcPort, m.HttpPort }).Where(p => p > 0).Select(p => p + offset);
            if (ports.All(IsFree)) return offset;
        }
        throw new InvalidOperationException("no free port range for the suite");

        static bool IsFree(int port)
        {
            try
            {
                var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
