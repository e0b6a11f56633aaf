using System.Security.Claims;
using ChongqingVet.Identity.Account;
using ChongqingVet.Identity.Configuration;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace ChongqingVet.Identity.Protocol;

/// <summary>
/// The OpenID Connect endpoints OpenIddict passes through to the application after it has extracted and validated the
/// request: authorization (learner sign-in), token (client credentials, authorization code, refresh token), end session.
/// </summary>
public static class ConnectEndpoints
{
    public const string AuthorizationPath = "/connect/authorize";
    public const string TokenPath = "/connect/token";
    public const string EndSessionPath = "/connect/logout";

    public static void MapConnectEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods(AuthorizationPath, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).DisableAntiforgery();
        endpoints.MapPost(TokenPath, ExchangeAsync).DisableAntiforgery();
        endpoints.MapMethods(EndSessionPath, [HttpMethods.Get, HttpMethods.Post], (Delegate)EndSessionAsync).DisableAntiforgery();
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, ClientCatalogue catalogue, IdentityProviderSettings settings)
    {
        var request = RequireRequest(http);
        var client = catalogue.Find(request.ClientId)
                     ?? throw new InvalidOperationException("The client was validated by RequestValidation.ValidateAuthorizationRequest.");

        var session = await http.AuthenticateAsync(LearnerSession.Scheme);
        var learnerId = session.Principal?.FindFirstValue(Claims.Subject);
        if (!catalogue.IsLearner(learnerId) || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
                return Forbid(Errors.LoginRequired, "The learner is not signed in.");

            // Back to this very request after sign-in, without prompt=login so the learner is not asked twice.
            IEnumerable<KeyValuePair<string, StringValues>> parameters = http.Request.HasFormContentType
                ? await http.Request.ReadFormAsync(http.RequestAborted)
                : http.Request.Query;
            var returnUrl = http.Request.PathBase + http.Request.Path +
                            QueryString.Create(parameters.Where(p => p.Key != Parameters.Prompt));
            return Results.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [LearnerSession.Scheme]);
        }

        var principal = TokenPrincipals.ForLearner(learnerId!, client, request.GetScopes(), settings.Audience);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> ExchangeAsync(HttpContext http, ClientCatalogue catalogue, IdentityProviderSettings settings)
    {
        var request = RequireRequest(http);
        var client = catalogue.Find(request.ClientId)
                     ?? throw new InvalidOperationException("The client was validated by RequestValidation.ValidateTokenRequest.");

        if (request.IsClientCredentialsGrantType())
        {
            var principal = TokenPrincipals.ForClient(client, request.GetScopes(), settings.Audience);
            return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            // OpenIddict has checked the code or refresh token (signature, expiry, client, redirect_uri, PKCE verifier).
            var granted = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var learnerId = granted.Principal?.GetClaim(Claims.Subject);
            if (!catalogue.IsLearner(learnerId))
                return Forbid(Errors.InvalidGrant, "The learner may no longer sign in.");

            // Rebuilt from today's configuration: a scope removed from the client since is not carried forward.
            var principal = TokenPrincipals.ForLearner(learnerId!, client, granted.Principal!.GetScopes(), settings.Audience);
            return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Forbid(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    private static async Task<IResult> EndSessionAsync(HttpContext http)
    {
        RequireRequest(http);
        await http.SignOutAsync(LearnerSession.Scheme);
        // OpenIddict redirects to the validated post_logout_redirect_uri when there is one, else to the home page.
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static OpenIddictRequest RequireRequest(HttpContext http) =>
        http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

    private static IResult Forbid(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
