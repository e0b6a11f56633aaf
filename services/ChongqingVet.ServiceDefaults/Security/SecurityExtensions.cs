using ChongqingVet.Domain.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChongqingVet.ServiceDefaults.Security;

/// <summary>
/// Authentication (JWT bearer tokens from the configured OIDC authority; keys come from its JWKS and are re-read when
/// an unknown <c>kid</c> appears, so keys rotate without a restart), the per-method access table and per-caller
/// rate limits, shared by the four services and the gateway.
/// </summary>
public static class SecurityExtensions
{
    public static WebApplicationBuilder AddServiceSecurity(this WebApplicationBuilder builder)
    {
        var auth = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        if (string.IsNullOrWhiteSpace(auth.Authority))
            throw new InvalidOperationException(
                "Auth:Authority (environment Auth__Authority) is required: the OIDC issuer whose tokens this service accepts. " +
                "For the local suite the AppHost sets it to the development identity provider (tools/ChongqingVet.Identity).");
        var developmentLike = builder.Environment.IsDevelopment() || builder.Environment.IsEnvironment("Testing");
        if (auth.RequireHttpsMetadata && !auth.Authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(
                $"Auth:Authority must be an https:// address while Auth:RequireHttpsMetadata is true (it is '{auth.Authority}'); " +
                "otherwise every request would fail when the token keys are fetched.");
        if (!auth.RequireHttpsMetadata && !developmentLike)
            throw new InvalidOperationException("Auth:RequireHttpsMetadata=false is allowed only in Development and Testing.");
        if (auth.Algorithms.Length == 0 || auth.Algorithms.Any(a => a.Equals("none", StringComparison.OrdinalIgnoreCase) || a.StartsWith("HS", StringComparison.OrdinalIgnoreCase)))
            throw new InvalidOperationException("Auth:Algorithms must list asymmetric algorithms only (e.g. RS256, ES256).");

        var mtls = builder.Configuration.GetSection(MutualTlsOptions.SectionName).Get<MutualTlsOptions>() ?? new MutualTlsOptions();
        var authentication = builder.Services.AddAuthentication(mtls.Enabled ? MutualTls.BearerOrCertificateScheme : JwtBearerDefaults.AuthenticationScheme);
        if (mtls.Enabled) MutualTls.Add(builder, authentication, mtls);
        authentication
            .AddJwtBearer(options =>
            {
                options.Authority = auth.Authority;
                options.Audience = auth.Audience;
                options.RequireHttpsMetadata = auth.RequireHttpsMetadata;
                options.MapInboundClaims = false;
                options.RefreshOnIssuerKeyNotFound = true;
                options.TokenValidationParameters.ValidAlgorithms = auth.Algorithms;
                options.TokenValidationParameters.ClockSkew = auth.ClockSkew;
                options.TokenValidationParameters.RequireExpirationTime = true;
                options.TokenValidationParameters.RequireSignedTokens = true;
                options.TokenValidationParameters.NameClaimType = CallerClaims.Subject;
                options.TokenValidationParameters.RoleClaimType = CallerClaims.Role;
                options.Events = ValidatedTokenCache.Events();
            });
        builder.Services.AddSingleton(services => new ValidatedTokenCache(auth, services.GetService<TimeProvider>() ?? TimeProvider.System));

        builder.Services.AddSingleton(builder.Configuration.GetSection(RateLimitOptions.SectionName).Get<RateLimitOptions>() ?? new RateLimitOptions());
        builder.Services.AddSingleton<CallerRateLimiter>();
        builder.Services.AddSingleton(services => AccessTable.Merge(services.GetServices<AccessRuleSet>()));
        return builder;
    }

    /// <summary>Registers the access rules of one gRPC service (every method must have one).</summary>
    public static IServiceCollection AddAccessRules(this IServiceCollection services, Google.Protobuf.Reflection.ServiceDescriptor service, IReadOnlyDictionary<string, AccessRule> rules)
    {
        var table = new AccessTable().Add(service, rules); // fails start-up now, not at the first call
        services.AddSingleton(new AccessRuleSet(table));
        return services;
    }

    /// <summary>The caller the access check established for this call.</summary>
    public static Caller GetCaller(this ServerCallContext context) =>
        context.GetHttpContext().Items[typeof(Caller)] as Caller ?? Caller.Anonymous;
}

/// <summary>One service's rules, merged into the process's <see cref="AccessTable"/>.</summary>
public sealed record AccessRuleSet(AccessTable Table);
