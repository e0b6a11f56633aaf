using System.Data.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data.Audit;

/// <summary><c>builder.AddAudit()</c> and <c>app.MapAudit()</c>: the audit log, its retention job and its gRPC service.</summary>
public static class AuditHosting
{
    /// <summary>
    /// Registers <see cref="AuditLog"/> (settings read now, so a bad <c>Audit:*</c> value stops start-up) and the
    /// retention job. Needs <c>AddDatabase</c> (the connection factory and page tokens) and <c>AddGrpc</c>.
    /// </summary>
    public static TBuilder AddAudit<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var options = AuditOptions.FromConfiguration(builder.Configuration, builder.Environment,
            DevelopmentKeys.StartupLogger(builder, typeof(AuditOptions).FullName!));
        builder.Services.AddSingleton(options);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new AuditChain(options.HmacKey));
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<ChongqingVet.Domain.Security.IAuditSink, AuditLogSink>();
        builder.Services.AddSingleton<AuditRetentionService>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<AuditRetentionService>());
        return builder;
    }

    /// <summary>Maps chongqingvet.audit.v1.AuditService (the host's authorisation gives it the audit.read scope).</summary>
    public static TEndpoints MapAudit<TEndpoints>(this TEndpoints endpoints) where TEndpoints : IEndpointRouteBuilder
    {
        endpoints.MapGrpcService<AuditGrpcService>();
        return endpoints;
    }
}

/// <summary>
/// <c>dotnet &lt;service&gt;.dll --verify-audit</c>: verifies the chain, prints one line and exits 0 when intact,
/// 1 when broken, 2 when the database cannot be read. It serves nothing and changes nothing.
/// </summary>
public static class AuditCommand
{
    public const string VerifyAuditCommand = "--verify-audit";

    public static async Task<int> RunAsync(IServiceProvider services, TextWriter output, CancellationToken ct)
    {
        var log = services.GetService<AuditLog>() ?? CreateLog(services);
        try
        {
            var result = await log.VerifyAsync(ct);
            await output.WriteLineAsync(result.ToString());
            return result.Ok ? 0 : 1;
        }
        catch (DbException exception)
        {
            // The provider's message never holds the connection string; the type says what kind of failure it was.
            await output.WriteLineAsync($"Audit chain could not be verified: the database cannot be read ({exception.GetType().Name}: {exception.Message}).");
            return 2;
        }
    }

    // For a service that does not call AddAudit: the same log, built from the same settings.
    private static AuditLog CreateLog(IServiceProvider services)
    {
        var options = AuditOptions.FromConfiguration(services.GetRequiredService<IConfiguration>(), services.GetRequiredService<IHostEnvironment>(),
            services.GetRequiredService<ILogger<AuditOptions>>());
        return new AuditLog(services.GetRequiredService<IDbConnectionFactory>(), new AuditChain(options.HmacKey), options,
            services.GetService<TimeProvider>() ?? TimeProvider.System, services.GetRequiredService<ILogger<AuditLog>>());
    }
}
