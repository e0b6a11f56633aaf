using System.Security.Claims;
using ChongqingVet.Identity.Configuration;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace ChongqingVet.Identity.Account;

/// <summary>
/// The learner's sign-in session at the provider: a cookie set by the login page at <c>/account/login</c>; the
/// authorization endpoint sends a learner without one there and gets them back afterwards.
/// </summary>
public static class LearnerSession
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string LoginPath = "/account/login";
    public const string ReturnUrlParameter = "returnUrl";

    public static void AddLearnerSession(this IServiceCollection services)
    {
        services.AddAuthentication(Scheme).AddCookie(Scheme, options =>
        {
            options.LoginPath = LoginPath;
            options.ReturnUrlParameter = ReturnUrlParameter;
            options.Cookie.Name = "cqv.identity.session";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax; // the redirect back from a client's page is a top-level GET
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // plain HTTP in development
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
        });
        services.AddAntiforgery(options => options.Cookie.Name = "cqv.identity.antiforgery");
    }

    public static void MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(LoginPath, (HttpContext http, IAntiforgery antiforgery, string? returnUrl) =>
            LoginPage.Render(antiforgery.GetAndStoreTokens(http), SafeReturnUrl(returnUrl), username: null, failed: false));

        endpoints.MapPost(LoginPath, SignInAsync).DisableAntiforgery(); // validated explicitly below, to answer with the page

        endpoints.MapGet("/", async (HttpContext http) =>
        {
            var session = await http.AuthenticateAsync(Scheme);
            return LoginPage.RenderHome(session.Principal?.FindFirstValue(Claims.Subject));
        });
    }

    private static async Task<IResult> SignInAsync(HttpContext http, IAntiforgery antiforgery, ClientCatalogue catalogue)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
            return Results.BadRequest("The sign-in form expired; reload the page and try again.");

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var learnerId = form["username"].ToString().Trim();
        var returnUrl = SafeReturnUrl(form[ReturnUrlParameter]);
        if (!catalogue.LearnerCredentialsMatch(learnerId, form["password"]))
            return LoginPage.Render(antiforgery.GetAndStoreTokens(http), returnUrl, learnerId, failed: true);

        var identity = new ClaimsIdentity(Scheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, learnerId));
        identity.AddClaim(new Claim(Claims.Name, learnerId));
        await http.SignInAsync(Scheme, new ClaimsPrincipal(identity));
        return Results.Redirect(returnUrl);
    }

    /// <summary>Only a path on this provider: anything else (another host, <c>//host</c>, <c>/\host</c>) becomes the home page.</summary>
    private static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl[0] == '/' && (returnUrl.Length == 1 || returnUrl[1] is not ('/' or '\\'))
            ? returnUrl
            : "/";
}
