using System.Security.Claims;
using ChongqingVet.Domain.Security;
using Microsoft.AspNetCore.Http;

namespace ChongqingVet.ServiceDefaults.Security;

/// <summary>Reads a <see cref="Caller"/> from a validated access token's claims (RFC 9068 names, inbound mapping off).</summary>
public static class CallerClaims
{
    public const string Subject = "sub";
    public const string ClientId = "client_id";
    public const string AuthorizedParty = "azp";
    public const string Scope = "scope";
    public const string Role = "role";
    public const string Organisation = "org";

    /// <summary>The caller of this request, read from its claims once and kept in <c>HttpContext.Items</c> for the other interceptors.</summary>
    public static Caller Of(HttpContext http)
    {
        if (http.Items.TryGetValue(typeof(Caller), out var known) && known is Caller caller) return caller;
        caller = ToCaller(http.User);
        http.Items[typeof(Caller)] = caller;
        return caller;
    }

    // ClaimsPrincipal.FindFirstValue is an extension of Microsoft.Extensions.Identity.Core, an assembly the servers
    // would load for this alone.
    private static string? FirstValue(ClaimsPrincipal principal, string type) => principal.FindFirst(type)?.Value;

    public static Caller ToCaller(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true) return Caller.Anonymous;
        var clientId = FirstValue(principal, ClientId) ?? FirstValue(principal, AuthorizedParty) ?? string.Empty;
        var scopes = principal.FindAll(Scope)
            .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToHashSet(StringComparer.Ordinal);
        return new Caller(
            clientId,
            FirstValue(principal, Subject) ?? clientId,
            scopes,
            FirstValue(principal, Role) ?? string.Empty,
            FirstValue(principal, Organisation));
    }
}
