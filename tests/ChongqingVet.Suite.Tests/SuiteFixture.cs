using Aspire.Hosting;
using Aspire.Hosting.Testing;
using ChongqingVet.AppHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Suite.Tests;

/// <summary>
/// Runs the real AppHost (tools/ChongqingVet.AppHost) through Aspire.Hosting.Testing: DCP starts the identity
/// provider, the four services and the gateway as separate processes, on ports moved by <see cref="PortOffset"/> and
/// with fresh SQLite files; the fixture waits until Aspire reports every resource healthy (their HTTP health checks).
/// </summary>
public sealed class SuiteFixture : IAsyncLifetime
{
    public const int PortOffset = 10_000;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("cqv-suite-").FullName;
    private DistributedApplication? _app;

    public string GatewayHttp => $"http://127.0.0.1:{SuiteLayout.Gateway.HttpPort + PortOffset}";

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ChongqingVet_AppHost>(
            [$"--Suite:PortOffset={PortOffset}", $"--Suite:DataDirectory={_dataDirectory}"],
            (options, _) => options.DisableDashboard = true,
            timeout.Token);
        // Keep the test output readable: the resources' own output and Aspire's start-up health probes (refused
        // until each process listens) are information, not failures.
        appHost.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None));
        _app = await appHost.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);

        await _app.ResourceNotifications.WaitForResourceHealthyAsync(SuiteLayout.Identity.Name, timeout.Token);
        foreach (var member in SuiteLayout.All)
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(member.Name, timeout.Token);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        Token = await GetTokenAsync(http, "gov-system", "gov-system-dev-secret", "profiles.read catalog.read certificates.read");
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

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
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
