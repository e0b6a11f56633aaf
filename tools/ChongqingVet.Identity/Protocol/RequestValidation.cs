using ChongqingVet.Identity.Configuration;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace ChongqingVet.Identity.Protocol;

/// <summary>
/// The checks OpenIddict leaves to the application in degraded mode (no application store): who the client is, its
/// secret, its grant types, scopes and redirect URIs. Everything else (PKCE, code binding to the client and
/// redirect_uri, unregistered scopes, token lifetimes) stays with OpenIddict.
/// </summary>
public static class RequestValidation
{
    public static OpenIddictServerHandlerDescriptor[] Handlers { get; } =
    [
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
            .UseSingletonHandler<ValidateTokenRequest>().SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
            .UseSingletonHandler<ValidateAuthorizationRequest>().SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateEndSessionRequestContext>()
            .UseSingletonHandler<ValidateEndSessionRequest>().SetType(OpenIddictServerHandlerType.Custom).Build(),
    ];

    /// <summary>Token endpoint: a known client, its secret (confidential) or none (public), an allowed grant type and scopes.</summary>
    public sealed class ValidateTokenRequest(ClientCatalogue catalogue) : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            var client = catalogue.Find(context.ClientId);
            if (client is null)
            {
                context.Reject(Errors.InvalidClient, "The client is unknown.");
            }
            else if (client.IsPublic ? !string.IsNullOrEmpty(context.ClientSecret) : !client.SecretMatches(context.ClientSecret))
            {
                context.Reject(Errors.InvalidClient, client.IsPublic
                    ? "A public client must not send a client secret."
                    : "The client credentials are invalid.");
            }
            else if (context.Request.GrantType is not { } grantType || !client.GrantTypes.Contains(grantType))
            {
                context.Reject(Errors.UnauthorizedClient, "The client may not use this grant type.");
            }
            else if (context.Request.GetScopes().FirstOrDefault(scope => !client.AllowedScopes.Contains(scope)) is { } scope)
            {
                context.Reject(Errors.InvalidScope, $"The client may not request the scope '{scope}'.");
            }
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// Authorization endpoint: a known client allowed the code flow, and a redirect_uri registered for it (exact match).
    /// Rejections here are shown by the provider itself, never sent to an unverified redirect_uri.
    /// </summary>
    public sealed class ValidateAuthorizationRequest(ClientCatalogue catalogue) : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
    {
        public ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
        {
            var client = catalogue.Find(context.ClientId);
            if (client is null)
            {
                context.Reject(Errors.InvalidClient, "The client is unknown.");
            }
            else if (!client.GrantTypes.Contains(GrantTypes.AuthorizationCode))
            {
                context.Reject(Errors.UnauthorizedClient, "The client may not use the authorization code flow.");
            }
            else if (string.IsNullOrEmpty(context.RedirectUri))
            {
                if (client.RedirectUris.Count == 1) context.SetRedirectUri(client.RedirectUris.Single());
                else context.Reject(Errors.InvalidRequest, "The redirect_uri parameter is required for this client.");
            }
            else if (!client.RedirectUris.Contains(context.RedirectUri))
            {
                context.Reject(Errors.InvalidRequest, "The redirect_uri is not registered for this client.");
            }
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>End-session endpoint: a post_logout_redirect_uri must be registered for the client (or, without client_id, for some client).</summary>
    public sealed class ValidateEndSessionRequest(ClientCatalogue catalogue) : IOpenIddictServerHandler<ValidateEndSessionRequestContext>
    {
        public ValueTask HandleAsync(ValidateEndSessionRequestContext context)
        {
            if (string.IsNullOrEmpty(context.PostLogoutRedirectUri)) return ValueTask.CompletedTask;

            IEnumerable<IdentityClient> candidates = context.ClientId is { Length: > 0 } clientId
                ? catalogue.Find(clientId) is { } client ? [client] : []
                : catalogue.Clients;
            if (!candidates.Any(c => c.PostLogoutRedirectUris.Contains(context.PostLogoutRedirectUri)))
                context.Reject(Errors.InvalidRequest, "The post_logout_redirect_uri is not registered.");
            return ValueTask.CompletedTask;
        }
    }
}
