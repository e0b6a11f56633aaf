using System.Net;
using System.Text.Json;
using ChongqingVet.Data;
using ChongqingVet.Gateway.Grpc;
using ChongqingVet.TestKit.Grpc;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace ChongqingVet.Insights.Tests;

/// <summary>The gateway passes insights calls through (REST via the contract's google.api.http routes) with the caller's token.</summary>
public sealed class GatewayPassThroughTests
{
    [Fact]
    public async Task Rest_LocalRetentionThroughTheGateway_FiguresOfTheInsightsService()
    {
        await using var insights = await InsightsHarness.StartAsync(DatabaseProvider.Sqlite);
        await insights.ApplyAsync(HandDataSet.Events());
        await using var gateway = new RoutedGateway(insights.Factory.Server.CreateHandler());
        var reader = gateway.CreateHttpClient(gateway.Authority.Issue("gov-system", "government", ["insights.read"]));

        using var retention = JsonDocument.Parse(await reader.GetStringAsync("/v1/insights/local-retention"));
        using var status = JsonDocument.Parse(await reader.GetStringAsync("/v1/insights/feed-status"));

        var total = retention.RootElement.GetProperty("total");
        Assert.Equal((3.0, 4.0), (total.GetProperty("numerator").GetDouble(), total.GetProperty("denominator").GetDouble()));
        Assert.Contains(status.RootElement.GetProperty("sources").EnumerateArray(), s => s.GetProperty("source").GetString() == "jobpostings");
    }

    [Fact]
    public async Task Rest_WithoutInsightsScope_Forbidden()
    {
        await using var insights = await InsightsHarness.StartAsync(DatabaseProvider.Sqlite);
        await using var gateway = new RoutedGateway(insights.Factory.Server.CreateHandler());
        var other = gateway.CreateHttpClient(gateway.Authority.Issue("gov-system", "government", ["profiles.read"]));

        using var response = await other.GetAsync("/v1/insights/skill-supply-demand");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    /// <summary>The real gateway in memory with Services:Insights:Address set and its "insights" client routed to the in-memory insights service.</summary>
    private sealed class RoutedGateway(HttpMessageHandler insights) : GrpcServiceFactory<LearnerProfileGrpcService>(new Dictionary<string, string?>
    {
        ["Services:Certificates:Address"] = "http://certificates",
        ["Services:Competitions:Address"] = "http://competitions",
        ["Services:Courses:Address"] = "http://courses",
        ["Services:JobPostings:Address"] = "http://jobpostings",
        ["Services:Insights:Address"] = "http://insights",
    })
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.Configure<HttpClientFactoryOptions>("insights",
                options => options.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = new KeepAlive(insights))));
        }

        private sealed class KeepAlive(HttpMessageHandler inner) : DelegatingHandler(inner)
        {
            protected override void Dispose(bool disposing)
            {
            }
        }
    }
}
