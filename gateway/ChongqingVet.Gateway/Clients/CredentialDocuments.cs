using System.Text.Json.Nodes;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Gateway.Profile;
using ChongqingVet.Gateway.Resilience;
using Grpc.Core;

namespace ChongqingVet.Gateway.Clients;

/// <summary>Settings of the gateway's credential documents (section <c>Credentials</c>).</summary>
public sealed class CredentialDocumentOptions
{
    /// <summary>How long the gateway keeps a JWKS or status list it fetched before asking the certificates service again (seconds).</summary>
    public int CacheSeconds { get; set; } = 30;
}

/// <summary>A public credential document as the gateway serves it: the body, its ETag, and how long a client may still cache it.</summary>
public sealed record CredentialDocument(string Body, string? ETag, int MaxAgeSeconds);

/// <summary>
/// The public credential documents — the JWKS and the Bitstring Status List credentials — fetched from the
/// certificates service over gRPC (the gateway reaches only its gRPC port) and kept for a short time. A client's
/// max-age is what is left of the certificates service's max-age for the copy served, so through the gateway a
/// revocation is visible within the same documented time as at the certificates service.
/// </summary>
public sealed class CredentialDocuments(
    CertificateService.CertificateServiceClient certificates,
    GatewayCredentialKeys gatewayKeys,
    BackendCaller backends,
    CredentialDocumentOptions options,
    TimeProvider clock)
{
    private sealed record Cached(CredentialDocument Document, DateTimeOffset FetchedAt, int MaxAgeSeconds);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Cached> _cache = new(StringComparer.Ordinal);

    public Task<CredentialDocument?> JwksAsync(CancellationToken cancellationToken) =>
        GetAsync("jwks", async token =>
        {
            var keys = await certificates.GetCredentialKeysAsync(new GetCredentialKeysRequest(), cancellationToken: token);
            // One key set for everything this deployment signs: the certificates' keys and the gateway's own (learner records).
            var jwks = JsonNode.Parse(keys.JwksJson)!.AsObject();
            var all = jwks["keys"]!.AsArray();
            foreach (var key in gatewayKeys.Ring.Keys) all.Add(key.PublicJwk());
            return new CredentialDocument(jwks.ToJsonString(), null, keys.MaxAgeSeconds);
        }, cancellationToken);

    /// <summary>The status list credential, or null when the certificates service has no such list.</summary>
    public Task<CredentialDocument?> StatusListAsync(long listId, CancellationToken cancellationToken) =>
        GetAsync($"status/{listId}", async token =>
        {
            try
            {
                var list = await certificates.GetStatusListCredentialAsync(new GetStatusListCredentialRequest { ListId = listId }, cancellationToken: token);
                return new CredentialDocument(list.Jws, list.Etag, list.MaxAgeSeconds);
            }
            catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
            {
                return null;
            }
        }, cancellationToken);

    private async Task<CredentialDocument?> GetAsync(string key, Func<CancellationToken, Task<CredentialDocument?>> fetch, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            if (_cache.TryGetValue(key, out var cached) && Fresh(cached, now) is { } fresh) return fresh;
        }
        var document = await backends.CallAsync(Backends.Certificates, fetch, cancellationToken);
        if (document is null) return null;
        lock (_lock) _cache[key] = new Cached(document, now, document.MaxAgeSeconds);
        return document;
    }

    /// <summary>The cached copy with the client's remaining max-age, or null once the gateway's own cache time has passed.</summary>
    private CredentialDocument? Fresh(Cached cached, DateTimeOffset now)
    {
        var age = (int)Math.Ceiling((now - cached.FetchedAt).TotalSeconds);
        var keep = Math.Min(options.CacheSeconds, cached.MaxAgeSeconds);
        if (age >= keep) return null;
        return cached.Document with { MaxAgeSeconds = Math.Max(0, cached.MaxAgeSeconds - age) };
    }
}

/// <summary>The gateway's public credential routes: the JWKS and the status lists, at the same paths as the certificates service.</summary>
public static class CredentialRoutes
{
    public const string StatusListMediaType = "application/jwt";

    // Public documents: any web verifier may read them (no credentials are involved).
    private static void AnyOrigin(Microsoft.AspNetCore.Cors.Infrastructure.CorsPolicyBuilder policy) =>
        policy.AllowAnyOrigin().WithMethods("GET").WithHeaders("if-none-match").WithExposedHeaders("etag");

    public static WebApplication MapCredentialDocuments(this WebApplication app)
    {
        app.MapGet("/.well-known/jwks.json", (HttpContext http, CredentialDocuments documents) => FromBackend(async () =>
        {
            var jwks = (await documents.JwksAsync(http.RequestAborted))!;
            http.Response.Headers.CacheControl = $"public, max-age={jwks.MaxAgeSeconds}";
            return Results.Text(jwks.Body, "application/jwk-set+json");
        })).RequireCors(AnyOrigin);
        app.MapGet("/credentials/status/{listId:long}", (long listId, HttpContext http, CredentialDocuments documents) => FromBackend(async () =>
        {
            var list = listId > 0 ? await documents.StatusListAsync(listId, http.RequestAborted) : null;
            if (list is null) return Results.NotFound();
            http.Response.Headers.CacheControl = $"public, max-age={list.MaxAgeSeconds}";
            if (list.ETag is not null)
            {
                http.Response.Headers.ETag = list.ETag;
                var ifNoneMatch = http.Request.Headers.IfNoneMatch.ToString();
                if (ifNoneMatch.Split(',').Any(tag => tag.Trim() == "*" || tag.Trim().Replace("W/", "", StringComparison.Ordinal) == list.ETag))
                    return Results.StatusCode(StatusCodes.Status304NotModified);
            }
            return Results.Text(list.Body, StatusListMediaType);
        })).RequireCors(AnyOrigin);
        return app;
    }

    /// <summary>The certificates service unreachable (or refusing the gateway) is 503 with Retry-After, never a 500.</summary>
    private static async Task<IResult> FromBackend(Func<Task<IResult>> serve)
    {
        try
        {
            return await serve();
        }
        catch (RpcException exception) when (exception.StatusCode is not StatusCode.Cancelled)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The certificates service is unavailable; try again later.",
                extensions: new Dictionary<string, object?> { ["grpcStatus"] = exception.StatusCode.ToString() });
        }
    }
}
