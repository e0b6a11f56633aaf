using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.TestKit.Grpc;

/// <summary>
/// Hosts a real service in memory (TestServer) with the given settings and hands out gRPC channels over it.
/// <typeparamref name="TEntryPoint"/> is any public type of the service assembly (e.g. its gRPC service class).
/// Every log record the service writes is captured in <see cref="Logs"/>.
/// </summary>
public class GrpcServiceFactory<TEntryPoint>(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    public CapturingLoggerProvider Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // UseSetting feeds host configuration, which the service sees before its builder reads any value.
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }

    public GrpcChannel CreateChannel() =>
        GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = Server.CreateHandler(),
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
}
