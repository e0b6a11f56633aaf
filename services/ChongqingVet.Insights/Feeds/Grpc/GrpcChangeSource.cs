using System.Runtime.CompilerServices;
using ChongqingVet.Common.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace ChongqingVet.Insights.Feeds.Grpc;

/// <summary>
/// One source service's change feed over gRPC: chongqingvet.common.v1.ChangeFeedService.WatchChanges (declared by the
/// outbox work, protos/chongqingvet/common/v1/changes.proto). Compiled only when that contract is in the tree
/// (ChongqingVet.Insights.csproj). Calls carry a client-credentials token with changes.read (<see cref="FeedTokens"/>).
/// A Change becomes a <see cref="ChangeEvent"/> whose state is the Struct written as JSON (the resource's protobuf
/// JSON); a heartbeat moves the cursor only. <paramref name="bearerToken"/> gives each stream's token (production: <see cref="FeedTokens"/>). FAILED_PRECONDITION with reason CURSOR_EXPIRED becomes
/// <see cref="CursorExpiredException"/>.
/// </summary>
public sealed class GrpcChangeSource(string source, ChangeFeedService.ChangeFeedServiceClient client, Func<CancellationToken, Task<string?>> bearerToken) : IChangeSource
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default);

    public string Source => source;

    public async IAsyncEnumerable<ChangeEvent> WatchAsync(string cursor, IReadOnlyCollection<string> resourceTypes,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (await bearerToken(cancellationToken) is { Length: > 0 } token) headers.Add("Authorization", "Bearer " + token);
        var request = new WatchChangesRequest { Cursor = cursor, ResourceTypes = { resourceTypes } };
        using var call = client.WatchChanges(request, headers, cancellationToken: cancellationToken);
        while (true)
        {
            WatchChangesResponse message;
            try
            {
                if (!await call.ResponseStream.MoveNext(cancellationToken)) yield break;
                message = call.ResponseStream.Current;
            }
            catch (RpcException exception) when (exception.StatusCode == StatusCode.FailedPrecondition
                                                 && exception.GetRpcStatus()?.GetDetail<ErrorInfo>() is { Reason: CursorExpiredException.Expired or CursorExpiredException.Ahead })
            {
                var info = exception.GetRpcStatus()!.GetDetail<ErrorInfo>();
                throw new CursorExpiredException(source, exception, info.Reason, Number(info, "cursor_sequence"), Number(info, "oldest_available_sequence"));
            }
            yield return message.EventCase == WatchChangesResponse.EventOneofCase.Change
                ? ToEvent(message.Change)
                : ChangeEvent.Heartbeat(source, 0, message.Heartbeat.Cursor, message.Heartbeat.Time?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch);
        }
    }

    private static long? Number(ErrorInfo info, string key) =>
        info.Metadata.TryGetValue(key, out var text) && long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value : null;

    private ChangeEvent ToEvent(Change change) => new(
        source, change.Sequence, change.Cursor, change.ResourceName, change.ResourceType, change.Kind,
        change.ChangeTime?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch,
        change.State is null ? "{}" : Json.Format(change.State));

    /// <summary>One source per configured feed address; each its own channel (HTTP/2, h2c or TLS by the address's scheme).</summary>
    public static void Register(IServiceCollection services, FeedOptions feeds)
    {
        if (!feeds.Any) return;
        if (string.IsNullOrWhiteSpace(feeds.ClientId) || string.IsNullOrWhiteSpace(feeds.ClientSecret))
            throw new InvalidOperationException("Feeds:ClientId and Feeds:ClientSecret (environment Feeds__ClientId, Feeds__ClientSecret) are required when a feed address is set: a client with changes.read.");
        services.AddHttpClient(FeedTokens.HttpClientName);
        services.AddSingleton<FeedTokens>();
        foreach (var (source, address) in feeds.Addresses)
        {
            // One channel per source for its feed and its List calls (the re-sync, Feeds/Grpc/GrpcResyncSource.cs).
            var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 16 * 1024 * 1024 });
            services.AddSingleton<IChangeSource>(provider => new GrpcChangeSource(source,
                new ChangeFeedService.ChangeFeedServiceClient(channel), provider.GetRequiredService<FeedTokens>().GetAsync));
            services.AddSingleton<IResyncSource>(provider => new GrpcResyncSource(source, channel, provider.GetRequiredService<FeedTokens>().GetAsync));
        }
    }
}

/// <summary>
/// The insights service's own bearer tokens for the feeds and the re-sync's List calls: OAuth client-credentials grants at
/// Feeds:TokenEndpoint, or at the authority's /connect/token (Auth:Authority), kept until a minute before it expires.
/// </summary>
public sealed class FeedTokens(FeedOptions feeds, IConfiguration configuration, IHttpClientFactory http, TimeProvider time)
{
    public const string HttpClientName = "feed-tokens";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, (string Token, DateTimeOffset Expires)> _current = new(StringComparer.Ordinal);

    /// <summary>A token with changes.read (the feeds).</summary>
    public Task<string?> GetAsync(CancellationToken cancellationToken) => GetAsync(GrpcResyncSource.FeedScope, cancellationToken);

    /// <summary>
    /// A token with <paramref name="scope"/> (space-separated): changes.read for the feeds; the re-sync's List calls ask
    /// for <see cref="GrpcResyncSource.ListScopes"/> in a token of their own, so a client without those scopes still follows the feeds.
    /// </summary>
    public async Task<string?> GetAsync(string scope, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current.TryGetValue(scope, out var current) && current.Expires > time.GetUtcNow().AddMinutes(1)) return current.Token;
            var endpoint = feeds.TokenEndpoint is { Length: > 0 } configured ? configured
                : (configuration["Auth:Authority"] ?? throw new InvalidOperationException("Auth:Authority or Feeds:TokenEndpoint is required to follow the feeds.")).TrimEnd('/') + "/connect/token";
            using var response = await http.CreateClient(HttpClientName).PostAsync(endpoint, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = feeds.ClientId!,
                ["client_secret"] = feeds.ClientSecret!,
                ["scope"] = scope,
            }), cancellationToken);
            response.EnsureSuccessStatusCode();
            using var json = await System.Text.Json.JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            var token = json.RootElement.GetProperty("access_token").GetString() ?? throw new InvalidOperationException("The token response has no access_token.");
            var lifetime = json.RootElement.TryGetProperty("expires_in", out var seconds) ? seconds.GetInt32() : 300;
            _current[scope] = (token, time.GetUtcNow().AddSeconds(lifetime));
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }
}
