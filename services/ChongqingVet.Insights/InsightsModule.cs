using ChongqingVet.Data;
using ChongqingVet.Insights.Data;
using ChongqingVet.Insights.Feeds;
using ChongqingVet.Insights.Grpc;
using ChongqingVet.ServiceDefaults.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChongqingVet.Insights;

/// <summary>Registers and maps the insights service.</summary>
public static class InsightsModule
{
    public static WebApplicationBuilder AddInsights(this WebApplicationBuilder builder)
    {
        builder.AddDatabase(typeof(InsightsModule).Assembly);
        builder.Services.AddAccessRules(ChongqingVet.Insights.V1.InsightsService.Descriptor, InsightsAccess.Rules);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ReadModelMapper>();
        builder.Services.AddSingleton<ReadModelStore>();
        builder.Services.AddSingleton<FeedProgress>();
        builder.Services.AddSingleton(DisclosureOptions.From(builder.Configuration));
        // The four feeds, when their addresses are configured (Feeds:<Source>:Address); without any, Development seeds
        // the read model with sample data instead (Data/InsightsSampleData.cs).
        var feeds = FeedOptions.From(builder.Configuration);
#if CHANGE_FEED_CONTRACT
        Feeds.Grpc.GrpcChangeSource.Register(builder.Services, feeds);
#else
        // This build has no client for chongqingvet.common.v1.ChangeFeedService yet: addresses are ignored and
        // Development runs on sample data.
        feeds = feeds with { Addresses = new Dictionary<string, Uri>() };
#endif
        builder.Services.AddSingleton(feeds);
        builder.Services.AddHostedService<FeedFollower>(); // after DatabaseStartup (registered by AddDatabase): the schema exists first
        builder.Services.AddSingleton<ISampleDataSeeder, InsightsSampleData>();
        return builder;
    }

    public static WebApplication MapInsights(this WebApplication app)
    {
        app.MapGrpcService<InsightsGrpcService>();
        return app;
    }
}
