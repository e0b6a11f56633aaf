using System.Net;
using System.Net.Http.Headers;
using ChongqingVet.TestKit.Identity;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ChongqingVet.Identity.Tests;

/// <summary>
/// The way the services consume the provider: ASP.NET Core's JwtBearer, configured with the provider as authority and
/// its in-memory handler as backchannel, accepts the provider's tokens and sees the contract claims.
/// </summary>
public sealed class JwtBearerTests
{
    [Fact]
    public async Task JwtBearer_ProviderAsAuthority_AcceptsItsTokensAndReadsTheClaims()
    {
        await using var provider = new InMemoryIdentityProvider(InMemoryIdentityProvider.DevelopmentSettings());
        await using var api = await StartApiAsync(provider);
        using var client = api.GetTestClient();

        using var anonymous = await client.GetAsync("/whoami");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
            await provider.GetTokenAsync("institution-cqipc", "institution-cqipc-dev-secret", "certificates.issue"));
        using var authenticated = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
        Assert.Equal("institution-cqipc|institution|125000002166DHX7JT|certificates.issue", await authenticated.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task JwtBearer_TokenFromAnotherProvider_Unauthorized()
    {
        await using var provider = new InMemoryIdentityProvider(InMemoryIdentityProvider.DevelopmentSettings());
        await using var impostor = new InMemoryIdentityProvider(InMemoryIdentityProvider.DevelopmentSettings());
        await using var api = await StartApiAsync(provider);
        using var client = api.GetTestClient();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await impostor.GetTokenAsync("gateway", "gateway-dev-secret"));
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static async Task<WebApplication> StartApiAsync(InMemoryIdentityProvider provider)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthorization();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.Authority = InMemoryIdentityProvider.Issuer;
            options.Audience = InMemoryIdentityProvider.Audience;
            options.RequireHttpsMetadata = false;
            options.BackchannelHttpHandler = provider.CreateBackchannelHandler();
            options.MapInboundClaims = false; // keep sub, role, org, scope as the provider names them
        });
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/whoami", (HttpContext http) => string.Join('|',
            http.User.FindFirst("sub")?.Value, http.User.FindFirst("role")?.Value, http.User.FindFirst("org")?.Value,
            http.User.FindFirst("scope")?.Value)).RequireAuthorization();
        await app.StartAsync();
        return app;
    }
}
