using System.Diagnostics;
using ChongqingVet.AppHost;

namespace ChongqingVet.Suite.Tests;

/// <summary>
/// Starts the four services and the gateway as separate processes exactly as the AppHost does (SuiteLayout), on
/// ports moved by <see cref="PortOffset"/> and with fresh SQLite files, then waits until every one is ready.
/// </summary>
public sealed class SuiteFixture : IAsyncLifetime
{
    public const int PortOffset = 10_000;

    private readonly List<Process> _processes = [];
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("cqv-suite-").FullName;

    public string GatewayHttp => $"http://127.0.0.1:{SuiteLayout.Gateway.HttpPort + PortOffset}";

    public string Output { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var root = RepositoryRoot();
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<Configuration>/net10.0
        var identity = SuiteLayout.Identity;
        Start(identity, Path.Combine(root, identity.Project, "bin", configuration, "net10.0"), Path.Combine(root, identity.Project),
            SuiteLayout.IdentityEnvironment(_dataDirectory, PortOffset));
        foreach (var member in SuiteLayout.All)
        {
            var directory = Path.Combine(root, member.Project, "bin", configuration, "net10.0");
            Start(member, directory, directory, SuiteLayout.Environment(member, _dataDirectory, PortOffset));
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await WaitForAsync(http, $"{SuiteLayout.Authority(PortOffset)}healthz", identity.Name);
        Token = await GetTokenAsync(http, "gov-system", "gov-system-dev-secret", "profiles.read catalog.read certificates.read");
        foreach (var member in SuiteLayout.All)
            await WaitForAsync(http, $"http://127.0.0.1:{member.HttpPort + PortOffset}/healthz/ready", member.Name);
        using var slow = CreateHttpClient(TimeSpan.FromSeconds(30));
        await WarmUpAsync(slow);
    }

    /// <summary>A government system's access token from the development identity provider (client credentials).</summary>
    public string Token { get; private set; } = string.Empty;

    /// <summary>An HTTP client for the gateway that carries <see cref="Token"/>.</summary>
    public HttpClient CreateHttpClient(TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(GatewayHttp), Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        return http;
    }

    public static async Task<string> GetTokenAsync(HttpClient http, string clientId, string secret, string scope)
    {
        using var response = await http.PostAsync($"{SuiteLayout.Authority(PortOffset)}connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = scope,
        }));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"token request for {clientId} failed: {body}");
        using var json = System.Text.Json.JsonDocument.Parse(body);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    private void Start(SuiteLayout.Member member, string binaries, string workingDirectory, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", Path.Combine(binaries, member.Assembly + ".dll"))
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + member.Name);
        process.OutputDataReceived += (_, e) => { };
        process.ErrorDataReceived += (_, e) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    private static async Task WaitForAsync(HttpClient http, string url, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            try
            {
                if ((await http.GetAsync(url)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{name} was not ready at {url} within 120 s");
            await Task.Delay(300);
        }
    }

    /// <summary>
    /// Ready processes can still be slow on their first calls (JIT on a busy 2-core machine) and the gateway would
    /// then report them unreachable; warm the path once, until a profile comes back complete.
    /// </summary>
    private async Task WarmUpAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var body = await http.GetStringAsync("/v1/learners/L0001/profile");
                if (!body.Contains("\"unreachable\"", StringComparison.Ordinal)) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(500);
        }
    }

    public Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
        }
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ChongqingVet.Services.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}

[CollectionDefinition(Name)]
public sealed class SuiteCollection : ICollectionFixture<SuiteFixture>
{
    public const string Name = "suite";
}
