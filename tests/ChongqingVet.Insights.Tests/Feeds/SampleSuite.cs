using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Insights.Data;
using ChongqingVet.Insights.Feeds.Grpc;
using ChongqingVet.TestKit.Grpc;
using Grpc.Net.Client;

namespace ChongqingVet.Insights.Tests.Feeds;

/// <summary>
/// The four services in memory with their sample data (as the local run seeds it), and the insights service following
/// their real change feeds through <see cref="GrpcChangeSource"/> — the local run's wiring without processes.
/// </summary>
public sealed class SampleSuite : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _hosts = [];
    private readonly Dictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    private SampleSuite() { }

    public InsightsHarness Insights { get; private set; } = null!;

    public ServiceHost<ChongqingVet.Certificates.Grpc.CertificateGrpcService> Certificates { get; private set; } = null!;

    /// <summary>Starts the four services with sample data and the insights service following all four feeds.</summary>
    public static async Task<SampleSuite> StartAsync(DatabaseProvider provider, IDictionary<string, string?>? insightsSettings = null)
    {
        var suite = new SampleSuite();
        try
        {
            var sample = new Dictionary<string, string?> { ["SampleData:Enabled"] = "true" };
            suite.Certificates = await suite.AddAsync("certificates", await ServiceHost<ChongqingVet.Certificates.Grpc.CertificateGrpcService>.StartAsync(provider, sample));
            await suite.AddAsync("competitions", await ServiceHost<ChongqingVet.Competitions.Grpc.CompetitionGrpcService>.StartAsync(provider, sample));
            await suite.AddAsync("courses", await ServiceHost<ChongqingVet.Courses.Grpc.CourseGrpcService>.StartAsync(provider, sample));
            await suite.AddAsync("jobpostings", await ServiceHost<ChongqingVet.JobPostings.Grpc.JobPostingGrpcService>.StartAsync(provider, sample));
            suite.Insights = await InsightsHarness.StartAsync(provider, false, insightsSettings, [.. suite.Sources()]);
            return suite;
        }
        catch
        {
            await suite.DisposeAsync();
            throw;
        }
    }

    private string _token = "";

    private async Task<ServiceHost<T>> AddAsync<T>(string source, ServiceHost<T> host) where T : class
    {
        _hosts.Add(host);
        if (_token.Length == 0) _token = host.Factory.Authority.Issue("gov-system", "government", ["changes.read"]);
        _channels[source] = host.Factory.CreateChannel(_token);
        await Task.CompletedTask;
        return host;
    }

    private IEnumerable<GrpcChangeSource> Sources() => _channels.Select(c =>
        new GrpcChangeSource(c.Key, new ChangeFeedService.ChangeFeedServiceClient(c.Value), _ => Task.FromResult<string?>(_token)));

    /// <summary>
    /// Waits (bounded) until the insights service has applied every change each source committed so far of the types it
    /// follows: the last such change is read from the source's own feed (everything before its first heartbeat).
    /// </summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        foreach (var (source, channel) in _channels)
        {
            var (changes, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(channel,
                new WatchChangesRequest { ResourceTypes = { ReadModelMapper.TypesBySource[source] } });
            if (changes.Count == 0) continue;
            await Insights.Progress.WaitForAsync(source, changes[^1].Sequence, cancellationToken);
            Assert.Null(Insights.Progress.LastFailure(source));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Insights is not null) await Insights.DisposeAsync();
        foreach (var host in Enumerable.Reverse(_hosts)) await host.DisposeAsync();
    }
}
