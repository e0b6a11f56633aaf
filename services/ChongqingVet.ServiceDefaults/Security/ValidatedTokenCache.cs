using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace ChongqingVet.ServiceDefaults.Security;

/// <summary>
/// Remembers access tokens that passed full validation, so the same token on the next call is not parsed and its
/// signature not checked again (a service-to-service caller sends one token for many calls; validation was a fifth of
/// a short read's allocations). The key is the exact token text: any change to it is a different, unvalidated token.
/// An entry is served until the token's <c>exp</c> (no clock skew) and at most <see cref="AuthOptions.ValidatedTokenCacheSeconds"/>
/// after it was validated — the bound on how long a token signed by a key the authority has since withdrawn is still
/// accepted. At most <see cref="AuthOptions.ValidatedTokenCacheSize"/> entries. Each call gets its own copy of the principal.
/// </summary>
public sealed class ValidatedTokenCache(AuthOptions options, TimeProvider clock)
{
    private static readonly Meter Meter = new("ChongqingVet.Auth");
    private static readonly Counter<long> Lookups = Meter.CreateCounter<long>("chongqingvet.auth.validated_token_cache.lookups", description: "Bearer tokens looked up in the validated-token cache, by result (hit, miss)");

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private long _hits;
    private long _misses;

    public int Count => _entries.Count;

    /// <summary>Calls whose token was served from the cache.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Calls whose token had to be validated.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    public ClaimsPrincipal? Find(string token)
    {
        if (_entries.TryGetValue(token, out var entry))
        {
            if (clock.GetUtcNow() < entry.Until)
            {
                Interlocked.Increment(ref _hits);
                Lookups.Add(1, new KeyValuePair<string, object?>("result", "hit"));
                return new ClaimsPrincipal(entry.Principal.Identities.Select(identity => identity.Clone()));
            }
            _entries.TryRemove(KeyValuePair.Create(token, entry));
        }
        Interlocked.Increment(ref _misses);
        Lookups.Add(1, new KeyValuePair<string, object?>("result", "miss"));
        return null;
    }

    public void Remember(string token, ClaimsPrincipal principal, DateTimeOffset expires)
    {
        if (options.ValidatedTokenCacheSeconds <= 0 || options.ValidatedTokenCacheSize <= 0) return;
        var now = clock.GetUtcNow();
        var until = Min(expires, now.AddSeconds(options.ValidatedTokenCacheSeconds));
        if (until <= now) return;
        if (_entries.Count >= options.ValidatedTokenCacheSize)
        {
            foreach (var (key, entry) in _entries)
                if (entry.Until <= now) _entries.TryRemove(KeyValuePair.Create(key, entry));
            if (_entries.Count >= options.ValidatedTokenCacheSize) _entries.Clear();
        }
        _entries[token] = new Entry(new ClaimsPrincipal(principal.Identities.Select(identity => identity.Clone())), until);
    }

    /// <summary>The JwtBearer events that consult the cache before validation and fill it after.</summary>
    public static JwtBearerEvents Events() => new()
    {
        OnMessageReceived = context =>
        {
            if (BearerToken(context.Request) is { } token
                && context.HttpContext.RequestServices.GetRequiredService<ValidatedTokenCache>().Find(token) is { } principal)
            {
                context.Principal = principal;
                context.Success();
            }
            return Task.CompletedTask;
        },
        OnTokenValidated = context =>
        {
            if (BearerToken(context.Request) is { } token && context.SecurityToken is JsonWebToken jwt && context.Principal is { } principal)
                context.HttpContext.RequestServices.GetRequiredService<ValidatedTokenCache>()
                    .Remember(token, principal, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
            return Task.CompletedTask;
        },
    };

    private static string? BearerToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > 7
            ? authorization[7..].Trim()
            : null;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed record Entry(ClaimsPrincipal Principal, DateTimeOffset Until);
}
