using ChongqingVet.Credentials;
using ChongqingVet.Data;
using ChongqingVet.ServiceDefaults.Security;
using ChongqingVet.Gateway.Catalog;
using ChongqingVet.Gateway.Clients;
using ChongqingVet.Gateway.Grpc;
using ChongqingVet.Gateway.Matching;
using ChongqingVet.Gateway.Profile;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChongqingVet.Gateway;

/// <summary>Registers and maps the gateway: clients, pipelines, composition, transcoding, gRPC-Web, CORS, the web page.</summary>
public static class GatewayModule
{
    public const string CorsPolicy = "web-front-ends";

    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddAccessRules(ChongqingVet.Profile.V1.LearnerProfileService.Descriptor, LearnerProfileAccess.Rules);
        if (BackendClients.HasInsights(builder.Configuration))
            builder.Services.AddAccessRules(ChongqingVet.Insights.V1.InsightsService.Descriptor, InsightsPassThroughAccess.Rules);
        // Errors over REST carry the same google.rpc details as over gRPC, so the JSON writer must know their types.
        builder.Services.AddGrpc().AddJsonTranscoding(options => options.TypeRegistry = Google.Protobuf.Reflection.TypeRegistry.FromMessages(
            Google.Rpc.ErrorInfo.Descriptor, Google.Rpc.BadRequest.Descriptor));
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddBackendClients(builder.Configuration);
        // Readiness is "this gateway can serve": its process (ServiceDefaults) and its configuration — not its backends.
        builder.Services.AddHealthChecks().AddCheck<BackendAddressesCheck>("backend-addresses", tags: [HealthTags.Ready]);
        builder.Services.AddGrpcSwagger();
        builder.Services.AddSwaggerGen(options => options.SwaggerDoc("v1", new Microsoft.OpenApi.Models.OpenApiInfo
        {
            Title = "ChongqingVet learner profile API",
            Version = "v1",
            Description = "REST/JSON surface of chongqingvet.profile.v1.LearnerProfileService (JSON transcoding of the gRPC API).",
        }));
        builder.Services.AddSingleton<BackendResilience>();
        builder.Services.AddSingleton<BackendCaller>();
        builder.Services.AddSingleton(builder.Configuration.GetSection("Profile").Get<ProfileMergeOptions>() ?? new ProfileMergeOptions());
        builder.Services.AddSingleton<ProfileMerger>();
        builder.Services.AddSingleton(builder.Configuration.GetSection("SkillCatalog").Get<SkillCatalogOptions>() ?? new SkillCatalogOptions());
        builder.Services.AddSingleton(builder.Configuration.GetSection("SkillGap").Get<SkillGapOptions>() ?? new SkillGapOptions());
        builder.Services.AddSingleton(builder.Configuration.GetSection("Transcript").Get<TranscriptOptions>() ?? new TranscriptOptions());
        // One copy of the skill catalog for the whole gateway; its client is the one typed client it was built with.
        builder.Services.AddSingleton<SkillCatalog>();
        // Singletons, built once with their typed clients: a request creates no client, channel or call invoker (the
        // gRPC service is activated per call and takes these three). Safe because every per-call input — the caller's
        // bearer token, deadline and cancellation — is read per call from the current HttpContext by the clients'
        // call credentials and context propagation, never captured at construction.
        builder.Services.AddSingleton<ProfileComposer>();
        builder.Services.AddSingleton<JobMatcher>();
        builder.Services.AddSingleton<TranscriptComposer>();
        builder.Services.AddSingleton<BoundedFanOut>();
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddSingleton(builder.Configuration.GetSection("Credentials").Get<CredentialDocumentOptions>() ?? new CredentialDocumentOptions());
        builder.Services.AddSingleton<CredentialDocuments>();
        // The gateway's own signing key (learner records): required outside Development/Testing, like the certificates service's.
        var ring = CredentialKeyConfiguration.FromConfiguration(builder.Configuration, builder.Environment,
            DevelopmentKeys.StartupLogger(builder, typeof(CredentialKeyConfiguration).FullName!),
            GatewayCredentialKeys.DevelopmentKeyId, "chongqingvet-dev-gateway-signing");
        builder.Services.AddSingleton(new GatewayCredentialKeys(ring, builder.Configuration["Credentials:IssuerBaseUrl"] ?? GatewayCredentialKeys.DefaultIssuerBaseUrl));
        builder.Services.AddSingleton(builder.Configuration.GetSection("Clr").Get<ClrOptions>() ?? new ClrOptions());
        builder.Services.AddSingleton<ClrComposer>();

        var origins = builder.Configuration.GetSection("Cors:AllowedOrigins").Get<string[]>() ?? [];
        builder.Services.AddCors(options => options.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins(origins)
            .WithMethods("GET", "POST")
            .WithHeaders("content-type", "x-grpc-web", "x-user-agent", "grpc-timeout", "authorization")
            .WithExposedHeaders("grpc-status", "grpc-message", "grpc-status-details-bin")));
        return builder;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        // What the learner page needs to sign in (public: the authority's address and the page's OAuth client id).
        var webConfig = new
        {
            authority = app.Configuration["Auth:Authority"],
            clientId = app.Configuration["WebPage:ClientId"] ?? "learner-web",
            scope = "openid learner.self catalog.read insights.read",
        };
        app.MapGet("/web-config.json", () => Results.Json(webConfig));
        app.UseCors();
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        // The OpenAPI document of the REST surface: /openapi/v1.json.
        if (ManagementOptions.From(app.Configuration, app.Environment).Reflection)
            app.UseSwagger(options => options.RouteTemplate = "openapi/{documentName}.json");
        app.MapGrpcService<LearnerProfileGrpcService>().RequireCors(CorsPolicy);
        // Public: the credential keys and status lists, republished from the certificates service (docs/CREDENTIALS.md).
        app.MapCredentialDocuments();
        if (BackendClients.HasInsights(app.Configuration)) app.MapGrpcService<InsightsPassThroughService>().RequireCors(CorsPolicy);
        return app;
    }
}

/// <summary>
/// Ready when every configured backend address is a URI the gRPC clients can dial (http, https or dns). Deliberately
/// not whether the backends answer: a backend outage is answered per call (partial profile, UNAVAILABLE), and taking
/// every gateway out of the Service when one backend is down would turn a partial outage into a total one.
/// </summary>
internal sealed class BackendAddressesCheck(IConfiguration configuration) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var unusable = configuration.GetSection("Services").GetChildren()
            .Where(backend => !Uri.TryCreate(backend["Address"], UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "dns"))
            .Select(backend => backend.Key)
            .ToList();
        return Task.FromResult(unusable.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"Backend address not usable: {string.Join(", ", unusable)} (Services:<Name>:Address)."));
    }
}
