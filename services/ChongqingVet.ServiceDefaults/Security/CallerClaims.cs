using System.Security.Claims;
using ChongqingVet.Domain.Security;

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

    public static Caller ToCaller(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true) return Caller.Anonymous;
        var clientId = principal.FindFirstValue(ClientId) ?? principal.FindFirstValue(AuthorizedParty) ?? string.Empty;
        var scopes = principal.FindAll(Scope)
            .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToHashSet(StringComparer.Ordinal);
        return new Caller(
            clientId,
            principal.FindFirstValue(Subject) ?? clientId,
            scopes,
            principal.FindFirstValue(Role) ?? string.Empty,
            principal.FindFirstValue(Organisation));
    }
}
