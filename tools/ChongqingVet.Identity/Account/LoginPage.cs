using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace ChongqingVet.Identity.Account;

/// <summary>The provider's two small pages: learner sign-in (form ids <c>username</c>, <c>password</c>, <c>sign-in</c>) and home.</summary>
internal static class LoginPage
{
    private const string Style = """
        body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; background: #f4f6f8; color: #1f2933; margin: 0; }
        main { max-width: 22rem; margin: 12vh auto; background: #fff; border-radius: 8px; padding: 2rem; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
        h1 { font-size: 1.25rem; margin: 0 0 .25rem; }
        p.note { color: #52606d; font-size: .85rem; margin: 0 0 1.5rem; }
        label { display: block; font-size: .9rem; margin: 1rem 0 .35rem; }
        input { width: 100%; box-sizing: border-box; padding: .55rem .6rem; border: 1px solid #cbd2d9; border-radius: 4px; font-size: 1rem; }
        button { margin-top: 1.5rem; width: 100%; padding: .65rem; border: 0; border-radius: 4px; background: #0b5cad; color: #fff; font-size: 1rem; cursor: pointer; }
        p.error { background: #fde8e8; color: #9b1c1c; padding: .6rem; border-radius: 4px; font-size: .9rem; }
        a { color: #0b5cad; }
        """;

    public static IResult Render(AntiforgeryTokenSet tokens, string returnUrl, string? username, bool failed)
    {
        var html = HtmlEncoder.Default;
        var error = failed ? """<p class="error" id="login-error" role="alert">Unknown learner id or wrong password.</p>""" : "";
        return Results.Content($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · ChongqingVet (development)</title><style>{{Style}}</style></head>
            <body><main>
              <h1>Sign in · 学员登录</h1>
              <p class="note">Development identity provider: sample learners only.</p>
              {{error}}
              <form method="post" action="{{LearnerSession.LoginPath}}">
                <input type="hidden" name="{{html.Encode(tokens.FormFieldName)}}" value="{{html.Encode(tokens.RequestToken ?? "")}}">
                <input type="hidden" name="{{LearnerSession.ReturnUrlParameter}}" value="{{html.Encode(returnUrl)}}">
                <label for="username">Learner id</label>
                <input id="username" name="username" autocomplete="username" required placeholder="L0001" value="{{html.Encode(username ?? "")}}">
                <label for="password">Password</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required>
                <button id="sign-in" type="submit">Sign in</button>
              </form>
            </main></body>
            </html>
            """, "text/html; charset=utf-8");
    }

    public static IResult RenderHome(string? learnerId)
    {
        var html = HtmlEncoder.Default;
        var status = learnerId is null
            ? $"""<p>Not signed in. <a href="{LearnerSession.LoginPath}">Sign in</a></p>"""
            : $"""<p>Signed in as <strong id="signed-in-as">{html.Encode(learnerId)}</strong>. <a id="sign-out" href="/connect/logout">Sign out</a></p>""";
        return Results.Content($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>ChongqingVet identity (development)</title><style>{{Style}}</style></head>
            <body><main>
              <h1>ChongqingVet identity</h1>
              <p class="note">Development OpenID Connect provider.</p>
              {{status}}
              <p><a href="/.well-known/openid-configuration">Discovery document</a></p>
            </main></body>
            </html>
            """, "text/html; charset=utf-8");
    }
}
