using ChongqingVet.TestKit.Security;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.TestKit.Grpc;

/// <summary>
/// Hosts a real service in memory (TestServer) with the given settings and hands out gRPC channels over it.
/// <typeparamref name="TEntryPoint"/> is any public type of the service assembly (e.g. its gRPC service class).
/// Every log record the service writes is captured in <see cref="Logs"/>. The service trusts
/// <see cref="TestAuthority.Shared"/>; channels and HTTP clients carry a token with every scope unless a test asks
/// for another token (or none). The host opts in to development keys (<c>DevelopmentKeys:Allow=true</c>) unless
/// <paramref name="settings"/> says otherwise. <c>testServices</c> replaces services after the service registered its own (e.g. a fake clock).
/// </summary>
public class GrpcServiceFactory<TEntryPoint>(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? testServices = null)
    : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    public CapturingLoggerProvider Logs { get; } = new();

    public TestAuthority Authority { get; } = TestAuthority.Shared;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Auth:Authority", TestAuthority.Issuer);
        builder.UseSetting("Auth:Audience", TestAuthority.Audience);
        builder.UseSetting("Auth:RequireHttpsMetadata", "false");
        // Testing runs on development keys (random or fixed stand-ins for the secrets it does not set); a test can say false.
        builder.UseSetting(ChongqingVet.Data.DevelopmentKeys.AllowSetting, "true");
        // UseSetting feeds host configuration, which the service sees before its builder reads any value.
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<ILoggerProvider>(Logs);
            services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options => options.BackchannelHttpHandler = Authority.Handler);
        });
        if (testServices is not null) builder.ConfigureTestServices(testServices);
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Authority.SuperUserToken());
    }

    /// <summary>A channel whose calls carry a token with every scope.</summary>
    public GrpcChannel CreateChannel() => CreateChannel(Authority.SuperUserToken());

    /// <summary>A channel whose calls carry <paramref name="token"/> (null: no authorization header at all).</summary>
    public GrpcChannel CreateChannel(string? token) =>
        GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = new BearerTokenHandler(token, Server.CreateHandler()),
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });

    /// <summary>An HTTP client (REST, gRPC-Web) whose requests carry <paramref name="token"/> (null: none).</summary>
    public HttpClient CreateHttpClient(string? token) =>
        new(new BearerTokenHandler(token, Server.CreateHandler())) { BaseAddress = Server.BaseAddress };
}
