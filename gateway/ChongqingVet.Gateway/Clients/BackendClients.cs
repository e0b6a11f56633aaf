using ChongqingVet.Certificates.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.JobPostings.V1;

namespace ChongqingVet.Gateway.Clients;

/// <summary>
/// Typed gRPC clients for the four services, addressed by <c>Services:&lt;Name&gt;:Address</c> (e.g. http://127.0.0.1:5011,
/// or dns:///certificates-headless:8080 for client-side load balancing). The caller's deadline and cancellation
/// propagate to every downstream call, and so does the caller's bearer token (backends authorise the original caller,
/// never a blanket gateway identity); retries belong to the Polly pipelines only.
/// <para>
/// Each channel runs over its own <see cref="SocketsHttpHandler"/>, which gives grpc-dotnet's connectivity tracking:
/// once a connect is refused the subchannel is in TRANSIENT_FAILURE and calls (WaitForReady is off) fail at once
/// without touching the network, while the channel redials in the background with the configured reconnect back-off
/// (<c>Resilience:*:InitialReconnectBackoff</c>/<c>MaxReconnectBackoff</c>) and a short <c>ConnectTimeout</c>.
/// </para>
/// </summary>
public static class BackendClients
{
    public static IServiceCollection AddBackendClients(this IServiceCollection services, IConfiguration configuration)
    {
        Add<CertificateService.CertificateServiceClient>(services, configuration, "Certificates", Backends.Certificates);
        Add<CompetitionService.CompetitionServiceClient>(services, configuration, "Competitions", Backends.Competitions);
        Add<CourseService.CourseServiceClient>(services, configuration, "Courses", Backends.Courses);
        Add<JobPostingService.JobPostingServiceClient>(services, configuration, "JobPostings", Backends.JobPostings);
        // The insights service, optional: only its calls pass through the gateway (Grpc/InsightsPassThroughService.cs).
        if (HasInsights(configuration))
            Add<ChongqingVet.Insights.V1.InsightsService.InsightsServiceClient>(services, configuration, "Insights", Backends.Insights);
        // The four as one learner-record contract (the profile makes one call per backend and page through it).
        services.AddSingleton<LearnerRecordSources>();
        return services;
    }

    /// <summary>Whether the insights service's address is configured (Services:Insights:Address); without it the gateway has no insights routes.</summary>
    public static bool HasInsights(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["Services:Insights:Address"]);

    /// <summary>The HTTP client of each backend is named after the backend (tests route it to in-memory servers).</summary>
    private static void Add<TClient>(IServiceCollection services, IConfiguration configuration, string name, string backend) where TClient : class
    {
        var address = configuration[$"Services:{name}:Address"];
        if (string.IsNullOrWhiteSpace(address))
            throw new InvalidOperationException($"Services:{name}:Address (environment Services__{name}__Address) is required.");
        var resilience = BackendResilienceOptions.For(configuration, backend);
        services.AddGrpcClient<TClient>(backend, options => options.Address = new Uri(address))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectTimeout = resilience.ConnectTimeout,
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = resilience.KeepAlivePingDelay,
                KeepAlivePingTimeout = resilience.KeepAlivePingTimeout,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            })
            .ConfigureChannel(channel =>
            {
                // A returning backend is redialled within MaxReconnectBackoff (grpc-dotnet defaults: 1 s growing to 120 s).
                channel.InitialReconnectBackoff = resilience.InitialReconnectBackoff;
                channel.MaxReconnectBackoff = resilience.MaxReconnectBackoff;
                // Polly's attempt timeout cancels the call; surface that as OperationCanceledException so Polly sees it.
                channel.ThrowOperationCanceledOnCancellation = true;
                channel.MaxReceiveMessageSize = 16 * 1024 * 1024;
                // The caller's token travels to the backend (which authorises and audits the original subject); inside
                // the cluster the hop is cleartext h2c behind the network policies, or TLS when the address is https.
                channel.UnsafeUseInsecureChannelCallCredentials = true;
                if (address.StartsWith("dns:", StringComparison.Ordinal))
                {
                    channel.Credentials = global::Grpc.Core.ChannelCredentials.Insecure;
                    channel.ServiceConfig = new global::Grpc.Net.Client.Configuration.ServiceConfig { LoadBalancingConfigs = { new global::Grpc.Net.Client.Configuration.RoundRobinConfig() } };
                }
            })
            // No HttpClient request logs (four lines at Information per backend call) and
            // no log scope per request: the gateway's own logs, the backends' audit records and the trace cover each call.
            .RemoveAllLoggers()
            .EnableCallContextPropagation(options => options.SuppressContextNotFoundErrors = true)
            .AddCallCredentials((_, metadata, services) =>
            {
                var authorization = services.GetRequiredService<IHttpContextAccessor>().HttpContext?.Request.Headers.Authorization.ToString();
                if (!string.IsNullOrEmpty(authorization)) metadata.Add("authorization", authorization);
                return Task.CompletedTask;
            });
    }
}
