using ChongqingVet.Gateway.Grpc;
using ChongqingVet.Profile.V1;
using ChongqingVet.TestKit.Grpc;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.Gateway.Tests;

/// <summary>
/// The real gateway in memory, its four backends routed to in-memory servers. Its TimeProvider (the Polly pipelines'
/// timeouts, back-offs and breaker windows, the profile's timestamps) is <see cref="Clock"/>: time moves only when a
/// test advances it, so a retry delay or an attempt timeout never ends by itself.
/// </summary>
public sealed class GatewayHarness : IAsyncDisposable
{
    private readonly RoutedGatewayFactory _factory;

    private GatewayHarness(RoutedGatewayFactory factory, FakeTimeProvider clock)
    {
        _factory = factory;
        Clock = clock;
        Client = new LearnerProfileService.LearnerProfileServiceClient(factory.CreateChannel());
    }

    public LearnerProfileService.LearnerProfileServiceClient Client { get; }

    /// <summary>The gateway's clock; it starts at the real time (bearer tokens are issued on the real clock).</summary>
    public FakeTimeProvider Clock { get; }

    public HttpClient CreateHttpClient() => _factory.CreateClient();

    /// <summary>An HTTP client whose requests carry <paramref name="token"/> (null: none).</summary>
    public HttpClient CreateHttpClient(string? token) => _factory.CreateHttpClient(token);

    /// <summary>A gRPC client whose calls carry <paramref name="token"/> (null: none).</summary>
    public LearnerProfileService.LearnerProfileServiceClient ClientWith(string? token) => new(_factory.CreateChannel(token));

    public HttpMessageHandler ServerHandler => _factory.Server.CreateHandler();

    /// <summary>The in-memory host (its channels, and the log records it captured).</summary>
    public GrpcServiceFactory<LearnerProfileGrpcService> Factory => _factory;

    /// <param name="services">Replaces services after the gateway's own registrations (and after <see cref="Clock"/>).</param>
    public static GatewayHarness Start(IReadOnlyDictionary<string, HttpMessageHandler> backends, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Services:Certificates:Address"] = "http://certificates",
            ["Services:Competitions:Address"] = "http://competitions",
            ["Services:Courses:Address"] = "http://courses",
            ["Services:JobPostings:Address"] = "http://jobpostings",
            // Retries are immediate unless a test sets a delay (and then advances the clock); timeouts end only on the clock.
            ["Resilience:Defaults:RetryBaseDelay"] = "00:00:00",
            ["Resilience:Defaults:AttemptTimeout"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) configuration[key] = value;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var factory = new RoutedGatewayFactory(configuration, backends, replace =>
        {
            replace.AddSingleton<TimeProvider>(clock);
            services?.Invoke(replace);
        });
        _ = factory.Server;
        return new GatewayHarness(factory, clock);
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private sealed class RoutedGatewayFactory(IReadOnlyDictionary<string, string?> settings, IReadOnlyDictionary<string, HttpMessageHandler> backends,
        Action<IServiceCollection>? replace)
        : GrpcServiceFactory<LearnerProfileGrpcService>(settings, replace)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services =>
            {
                foreach (var (name, handler) in backends)
                {
                    services.Configure<HttpClientFactoryOptions>(name, options =>
                        options.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = new NonDisposingHandler(handler)));
                }
            });
        }
    }

    /// <summary>The client factory disposes handlers it rotates; the in-memory server's handler must outlive that.</summary>
    private sealed class NonDisposingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override void Dispose(bool disposing)
        {
        }
    }
}
