using ChongqingVet.Gateway.Grpc;
using ChongqingVet.Profile.V1;
using ChongqingVet.TestKit.Grpc;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace ChongqingVet.Gateway.Tests;

/// <summary>The real gateway in memory, its four backends routed to in-memory servers.</summary>
public sealed class GatewayHarness : IAsyncDisposable
{
    private readonly RoutedGatewayFactory _factory;

    private GatewayHarness(RoutedGatewayFactory factory)
    {
        _factory = factory;
        Client = new LearnerProfileService.LearnerProfileServiceClient(factory.CreateChannel());
    }

    public LearnerProfileService.LearnerProfileServiceClient Client { get; }

    public HttpClient CreateHttpClient() => _factory.CreateClient();

    /// <summary>An HTTP client whose requests carry <paramref name="token"/> (null: none).</summary>
    public HttpClient CreateHttpClient(string? token) => _factory.CreateHttpClient(token);

    /// <summary>A gRPC client whose calls carry <paramref name="token"/> (null: none).</summary>
    public LearnerProfileService.LearnerProfileServiceClient ClientWith(string? token) => new(_factory.CreateChannel(token));

    public HttpMessageHandler ServerHandler => _factory.Server.CreateHandler();

    /// <summary>The in-memory host (its channels, and the log records it captured).</summary>
    public GrpcServiceFactory<LearnerProfileGrpcService> Factory => _factory;

    /// <param name="services">Replaces services after the gateway's own registrations (e.g. a FakeTimeProvider as TimeProvider).</param>
    public static GatewayHarness Start(IReadOnlyDictionary<string, HttpMessageHandler> backends, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Services:Certificates:Address"] = "http://certificates",
            ["Services:Competitions:Address"] = "http://competitions",
            ["Services:Courses:Address"] = "http://courses",
            ["Services:JobPostings:Address"] = "http://jobpostings",
            ["Resilience:Defaults:RetryBaseDelay"] = "00:00:00.010",
            ["Resilience:Defaults:AttemptTimeout"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) configuration[key] = value;
        var factory = new RoutedGatewayFactory(configuration, backends, services);
        _ = factory.Server;
        return new GatewayHarness(factory);
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
