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
        foreach (var member in SuiteLayout.All)
        {
            var directory = Path.Combine(root, member.Project, "bin", configuration, "net10.0");
            var start = new ProcessStartInfo("dotnet", Path.Combine(directory, member.Assembly + ".dll"))
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var (key, value) in SuiteLayout.Environment(member, _dataDirectory, PortOffset)) start.Environment[key] = value;
            var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + member.Name);
            process.OutputDataReceived += (_, e) => { };
            process.ErrorDataReceived += (_, e) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _processes.Add(process);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var member in SuiteLayout.All)
        {
            var url = $"http://127.0.0.1:{member.HttpPort + PortOffset}/healthz/ready";
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (true)
            {
                try
                {
                    if ((await http.GetAsync(url)).IsSuccessStatusCode) break;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{member.Name} was not ready at {url} within 120 s");
                await Task.Delay(300);
            }
        }
        using var slow = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await WarmUpAsync(slow);
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
                var body = await http.GetStringAsync(GatewayHttp + "/v1/learners/L0001/profile");
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
