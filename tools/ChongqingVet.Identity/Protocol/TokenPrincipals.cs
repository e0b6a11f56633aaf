using System.Security.Claims;
using OpenIddict.Abstractions;
using ChongqingVet.Identity.Configuration;
using static OpenIddict.Abstractions.OpenIddictConstants;
using TokenDestinations = OpenIddict.Abstractions.OpenIddictConstants.Destinations;

namespace ChongqingVet.Identity.Protocol;

/// <summary>
/// Builds the identities OpenIddict turns into tokens. The contract every service relies on: <c>sub</c>, <c>role</c>,
/// <c>org</c> (institutions), <c>scope</c>, <c>client_id</c>, <c>aud</c> = the configured audience. A claim reaches a
/// token only through its destinations, so each claim here names them explicitly.
/// </summary>
public static class TokenPrincipals
{
    /// <summary>A client acting for itself (client_credentials): sub = client id, the client's role and organisation.</summary>
    public static ClaimsPrincipal ForClient(IdentityClient client, IEnumerable<string> requestedScopes, string audience)
    {
        var requested = requestedScopes.ToList();
        // No scope parameter: the client gets every scope it is allowed.
        var scopes = requested.Count == 0 ? client.AllowedScopes : requested.Where(client.AllowedScopes.Contains);
        return Build(client.ClientId, name: client.ClientId, client.Role, client.Organisation, scopes, audience);
    }

    /// <summary>A signed-in learner, through a learner client: granted scopes = requested ∩ the client's allowed scopes.</summary>
    public static ClaimsPrincipal ForLearner(string learnerId, IdentityClient client, IEnumerable<string> requestedScopes, string audience) =>
        Build(learnerId, name: learnerId, IdentityRoles.Learner, organisation: null, requestedScopes.Where(client.AllowedScopes.Contains), audience);

    private static ClaimsPrincipal Build(string subject, string name, string role, string? organisation, IEnumerable<string> scopes, string audience)
    {
        var identity = new ClaimsIdentity(authenticationType: "ChongqingVet.Identity", nameType: Claims.Name, roleType: Claims.Role);
        identity.SetClaim(Claims.Subject, subject)
                .SetClaim(Claims.Name, name)
                .SetClaim(Claims.Role, role)
                .SetClaim(IdentityRoles.OrganisationClaim, organisation);
        identity.SetScopes(scopes.Distinct(StringComparer.Ordinal));
        identity.SetResources(audience);
        identity.SetDestinations(claim => Destinations(claim, identity));
        return new ClaimsPrincipal(identity);
    }

    private static IEnumerable<string> Destinations(Claim claim, ClaimsIdentity identity) => claim.Type switch
    {
        Claims.Subject or Claims.Role or IdentityRoles.OrganisationClaim =>
            [TokenDestinations.AccessToken, TokenDestinations.IdentityToken],
        Claims.Name when identity.HasScope(Scopes.Profile) =>
            [TokenDestinations.AccessToken, TokenDestinations.IdentityToken],
        Claims.Name => [TokenDestinations.AccessToken],
        _ => [],
    };
}
