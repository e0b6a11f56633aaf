using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.TestKit.Grpc;

/// <summary>
/// One service's test host: the real service in memory (<see cref="GrpcServiceFactory{TEntryPoint}"/>) on its own fresh
/// database, its <see cref="TimeProvider"/> replaced by <see cref="Clock"/>. Every service's test harness is this plus
/// the service's client and its own sample messages (<see cref="ServiceHarness{TEntryPoint, TClient}"/>).
/// </summary>
public sealed class ServiceHost<TEntryPoint> : IAsyncDisposable
    where TEntryPoint : class
{
    private ServiceHost(TestDatabase database, GrpcServiceFactory<TEntryPoint> factory, FakeTimeProvider clock)
    {
        Database = database;
        Factory = factory;
        Clock = clock;
    }

    public TestDatabase Database { get; }

    public GrpcServiceFactory<TEntryPoint> Factory { get; }

    /// <summary>The service's clock: it stands still unless a test advances it.</summary>
    public FakeTimeProvider Clock { get; }

    /// <param name="provider">The database the service runs on (a fresh SQLite file or PostgreSQL database per host).</param>
    /// <param name="settings">Settings on top of the database's (e.g. <c>SampleData:Enabled</c>).</param>
    /// <param name="testServices">Replaces services after the service's own registrations and after the clock.</param>
    /// <param name="start">The clock's start; default the real time now (bearer tokens are issued on the real clock).</param>
    public static async Task<ServiceHost<TEntryPoint>> StartAsync(DatabaseProvider provider, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? testServices = null, DateTimeOffset? start = null)
    {
        var database = await TestDatabase.CreateAsync(provider);
        try
        {
            var configuration = database.ToConfiguration();
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) configuration[key] = value;
            var clock = new FakeTimeProvider(start ?? DateTimeOffset.UtcNow);
            var factory = new GrpcServiceFactory<TEntryPoint>(configuration, services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                testServices?.Invoke(services);
            });
            _ = factory.Server; // start the host: migrations (and sample data, when enabled) run now
            return new ServiceHost<TEntryPoint>(database, factory, clock);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>
/// The base of every service's test harness: the host (<see cref="ServiceHost{TEntryPoint}"/>) and a client whose calls
/// carry a token with every scope. Derived harnesses add the service's own sample messages and helpers.
/// </summary>
public abstract class ServiceHarness<TEntryPoint, TClient> : IAsyncDisposable
    where TEntryPoint : class
    where TClient : ClientBase<TClient>
{
    private readonly Func<GrpcChannel, TClient> _newClient;

    protected ServiceHarness(ServiceHost<TEntryPoint> host, Func<GrpcChannel, TClient> newClient)
    {
        Host = host;
        _newClient = newClient;
        Client = newClient(host.Factory.CreateChannel());
    }

    public ServiceHost<TEntryPoint> Host { get; }

    public TestDatabase Database => Host.Database;

    public GrpcServiceFactory<TEntryPoint> Factory => Host.Factory;

    public FakeTimeProvider Clock => Host.Clock;

    public TClient Client { get; }

    /// <summary>A client whose calls carry <paramref name="token"/> (null: no authorization header at all).</summary>
    public TClient ClientWith(string? token) => _newClient(Factory.CreateChannel(token));

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return Host.DisposeAsync();
    }
}
