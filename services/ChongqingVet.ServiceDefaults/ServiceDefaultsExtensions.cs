using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ChongqingVet.ServiceDefaults.Security;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ChongqingVet.ServiceDefaults;

/// <summary>
/// <c>builder.AddServiceDefaults("certificates")</c> and <c>app.MapServiceDefaults()</c>: what every service
/// and the gateway share. Health checks tagged <see cref="HealthTags.Live"/> feed liveness; those tagged
/// <see cref="HealthTags.Ready"/> feed readiness. Every process has at least one check of each kind ("self" and
/// "serving" below), so every gRPC health service name answers SERVING or NOT_SERVING, never UNKNOWN (which the
/// kubelet's gRPC probe counts as a failure). Services add the database check (reachable, schema current); the
/// gateway adds its configuration check — never its backends, whose outages the gateway answers itself.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>The Kestrel endpoint names: HTTP/2 cleartext for gRPC, HTTP/1.1 for REST, gRPC-Web, health and metrics.</summary>
    public const string GrpcEndpoint = "Grpc";
    public const string HttpEndpoint = "Http";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        var limits = builder.Configuration.GetSection(ServiceLimits.SectionName).Get<ServiceLimits>() ?? new ServiceLimits();
        builder.Services.AddSingleton(limits);
        builder.Services.AddSingleton(new ServiceIdentity(serviceName));

        ConfigureKestrel(builder, limits);
        builder.AddServiceSecurity();

        builder.Services.AddGrpc(options =>
        {
            options.Interceptors.Add<ErrorInterceptor>();
            options.Interceptors.Add<AuditInterceptor>();
            options.Interceptors.Add<AuthorizationInterceptor>();
            options.MaxReceiveMessageSize = limits.MaxReceiveMessageBytes;
            options.MaxSendMessageSize = limits.MaxSendMessageBytes;
            options.EnableDetailedErrors = false;
        });
        builder.Services.AddGrpcReflection();

        builder.Services.AddSingleton<ServingHealthCheck>();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: [HealthTags.Live])
            .AddCheck<ServingHealthCheck>("serving", tags: [HealthTags.Ready]);
        builder.Services.AddGrpcHealthChecks(options =>
        {
            // The predicates select which checks run (not which results count), so "liveness" never touches the database.
            // "" is the whole server: every check.
            options.Services.Map("", _ => true);
            options.Services.Map(HealthTags.Live, check => check.Tags.Contains(HealthTags.Live));
            options.Services.Map(HealthTags.Ready, check => check.Tags.Contains(HealthTags.Ready));
        });

        AddOpenTelemetry(builder, serviceName);
        return builder;
    }

    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        var management = ManagementOptions.From(app.Configuration, app.Environment);
        if (management.Port is { } managementPort)
        {
            // Judged by the port the connection arrived on, not by the Host header (which the caller chooses, and an
            // ingress forwards): the management listener serves only /metrics and /healthz, and /metrics no other.
            app.Use((context, next) =>
            {
                var path = context.Request.Path;
                var refused = context.Connection.LocalPort == managementPort
                    ? !path.StartsWithSegments("/metrics") && !path.StartsWithSegments("/healthz")
                    : path.StartsWithSegments("/metrics");
                if (!refused) return next(context);
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        }
        app.UseAuthentication();
        if (management.Reflection) app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains(HealthTags.Live) });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(HealthTags.Ready) });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static void ConfigureKestrel(WebApplicationBuilder builder, ServiceLimits limits)
    {
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            // Cleartext HTTP/2 and HTTP/1.1 cannot share a port, so the two named endpoints get one protocol each.
            kestrel.Configure(context.Configuration.GetSection("Kestrel"))
                .Endpoint(GrpcEndpoint, endpoint => endpoint.ListenOptions.Protocols = HttpProtocols.Http2)
                .Endpoint(HttpEndpoint, endpoint => endpoint.ListenOptions.Protocols = HttpProtocols.Http1);
        });
    }

    private static void AddOpenTelemetry(WebApplicationBuilder builder, string serviceName)
    {
        var otlpEndpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService($"chongqingvet-{serviceName}"))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter("ChongqingVet.*")
                    .AddPrometheusExporter();
                if (!string.IsNullOrWhiteSpace(otlpEndpoint)) metrics.AddOtlpExporter();
            })
            .WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation(options =>
                        options.Filter = context => !context.Request.Path.StartsWithSegments("/healthz")
                                                    && !context.Request.Path.StartsWithSegments("/metrics"))
                    .AddGrpcClientInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddSource("ChongqingVet.*");
                if (!string.IsNullOrWhiteSpace(otlpEndpoint)) tracing.AddOtlpExporter();
            });
    }
}

/// <summary>
/// Ready while the host runs: unhealthy until the application has started (start-up work such as seeding is done and
/// Kestrel listens) and again from the moment shutdown begins, so a draining pod leaves the endpoints at once.
/// </summary>
internal sealed class ServingHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("The server is shutting down.")
            : lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The server is starting."));
}

/// <summary>Health-check tags and the gRPC health service names that report them.</summary>
public static class HealthTags
{
    public const string Live = "liveness";
    public const string Ready = "readiness";
}
