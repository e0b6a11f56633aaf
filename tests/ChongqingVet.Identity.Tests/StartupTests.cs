using System.Net;
using ChongqingVet.TestKit.Identity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;

namespace ChongqingVet.Identity.Tests;

public sealed class StartupTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public async Task Start_OutsideDevelopmentAndTesting_Refuses(string environment)
    {
        await using var provider = new InMemoryIdentityProvider();
        await using var factory = provider.WithWebHostBuilder(builder => builder.UseEnvironment(environment));

        var error = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());

        Assert.Contains("DEVELOPMENT OpenID Connect provider", error.Message);
        Assert.Contains(environment, error.Message);
    }

    [Fact]
    public async Task Start_InvalidClients_RefusesListingEveryProblem()
    {
        await using var provider = new InMemoryIdentityProvider(InMemoryIdentityProvider.Merge(
            InMemoryIdentityProvider.Client("bad-institution", "s", "institution", ["certificates.issue"], organisation: "91500000MB1C47260X"),
            InMemoryIdentityProvider.Client("bad-role", "s", "superuser", ["catalog.read"])));

        var error = Assert.Throws<InvalidOperationException>(() => provider.CreateClient());

        Assert.Contains("Identity:Clients:bad-institution:Organisation", error.Message);
        Assert.Contains("Identity:Clients:bad-role:Role", error.Message);
    }

    [Fact]
    public async Task Start_ExtraClientFromSettings_IssuesItsTokens()
    {
        await using var provider = new InMemoryIdentityProvider(
            InMemoryIdentityProvider.Client("test-issuer", "test-secret", "institution", ["certificates.issue"], organisation: "125000002166DHX7JT"));
        using var client = new HttpClient(provider.CreateBackchannelHandler()) { BaseAddress = new Uri(InMemoryIdentityProvider.Issuer) };

        var token = new JsonWebToken(await provider.GetTokenAsync("test-issuer", "test-secret", "certificates.issue"));

        Assert.Equal("125000002166DHX7JT", token.GetClaim("org").Value);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(".well-known/jwks")).StatusCode); // the backchannel handler reaches it
        await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetTokenAsync("test-issuer", "wrong", "certificates.issue"));
    }

    [Fact]
    public async Task SigningKey_PersistedFile_TokensSurviveARestart()
    {
        var directory = Directory.CreateTempSubdirectory("cqv-identity-");
        try
        {
            var keyFile = Path.Combine(directory.FullName, "data", "identity-signing-key.json");
            var settings = InMemoryIdentityProvider.Merge(
                InMemoryIdentityProvider.Client("svc", "svc-secret", "gateway", ["catalog.read"]),
                [new("Identity:SigningKeyPath", keyFile)]);

            string token;
            await using (var first = new InMemoryIdentityProvider(settings))
            {
                token = await first.GetTokenAsync("svc", "svc-secret", "catalog.read");
            }
            Assert.True(File.Exists(keyFile));
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));

            await using var restarted = new InMemoryIdentityProvider(settings);
            using var client = new ProviderClient(restarted);
            var validated = await client.ValidateAsync(token);
            Assert.Equal("svc", validated.Subject);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task SigningKey_NoPath_NewKeyPerInstance()
    {
        var settings = InMemoryIdentityProvider.Client("svc", "svc-secret", "gateway", ["catalog.read"]);
        await using var first = new InMemoryIdentityProvider(settings);
        await using var second = new InMemoryIdentityProvider(settings);

        var firstKid = new JsonWebToken(await first.GetTokenAsync("svc", "svc-secret")).Kid;
        var secondKid = new JsonWebToken(await second.GetTokenAsync("svc", "svc-secret")).Kid;

        Assert.NotEqual(firstKid, secondKid);
    }
}
