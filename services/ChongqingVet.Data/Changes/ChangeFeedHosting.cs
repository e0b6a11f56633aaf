using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ChongqingVet.Data.Changes;

/// <summary><c>builder.AddChangeFeed("certificates", …)</c> and <c>app.MapChangeFeed()</c>: the outbox reader, its retention job and WatchChanges.</summary>
public static class ChangeFeedHosting
{
    /// <summary>
    /// Registers the change feed of a service that publishes <paramref name="resourceTypes"/> under
    /// <paramref name="feedName"/> (settings read now, so a bad <c>ChangeFeed:*</c> value stops start-up). Needs
    /// <c>AddDatabase</c>. The service's repositories append with <see cref="ChangeOutbox"/>; the idempotency store
    /// wakes the streams after each commit (<see cref="ChangeNotifier"/>).
    /// </summary>
    public static TBuilder AddChangeFeed<TBuilder>(this TBuilder builder, string feedName, params MessageDescriptor[] resourceTypes)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddSingleton(ChangeFeedOptions.FromConfiguration(builder.Configuration, feedName, resourceTypes));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ChangeNotifier>();
        builder.Services.AddSingleton<ChangeFeedStore>();
        builder.Services.AddSingleton<ChangeStreamLimiter>();
        builder.Services.AddSingleton<ChangeRetentionService>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<ChangeRetentionService>());
        return builder;
    }

    /// <summary>Maps chongqingvet.common.v1.ChangeFeedService (the host's access table gives it the changes.read scope).</summary>
    public static TEndpoints MapChangeFeed<TEndpoints>(this TEndpoints endpoints) where TEndpoints : IEndpointRouteBuilder
    {
        endpoints.MapGrpcService<ChangeFeedGrpcService>();
        return endpoints;
    }
}
