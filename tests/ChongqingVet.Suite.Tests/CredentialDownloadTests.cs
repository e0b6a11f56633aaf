using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace ChongqingVet.Suite.Tests;

/// <summary>The learner page's "download signed certificate" action, against the real suite (gateway → certificates).</summary>
[Collection(SuiteCollection.Name)]
public class CredentialDownloadTests(SuiteFixture suite)
{
    /// <summary>A sample learner with an active certificate (read with the suite's certificates.read token through the gateway).</summary>
    private async Task<(string Learner, string Number)> LearnerWithActiveCertificateAsync(HttpClient http)
    {
        foreach (var learner in Enumerable.Range(1, 20).Select(i => $"L{i:D4}"))
        {
            using var profile = JsonDocument.Parse(await http.GetStringAsync($"/v1/learners/{learner}/profile"));
            if (!profile.RootElement.TryGetProperty("certificates", out var certificates)) continue;
            foreach (var certificate in certificates.EnumerateArray())
            {
                if (certificate.GetProperty("status").GetString() == "CERTIFICATE_STATUS_ACTIVE")
                    return (learner, certificate.GetProperty("certificateNumber").GetString()!);
            }
        }
        throw new Xunit.Sdk.XunitException("no sample learner among L0001–L0020 has an active certificate");
    }

    private static JsonElement Payload(string jws) =>
        JsonDocument.Parse(Convert.FromBase64String(Pad(jws.Split('.')[1].Replace('-', '+').Replace('_', '/')))).RootElement;

    private static string Pad(string base64) => base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');

    [Fact]
    public async Task Browser_LearnerDownloadsASignedCertificate_AsAJwtFileOfThatCertificate()
    {
        using var http = suite.CreateHttpClient();
        var (learner, number) = await LearnerWithActiveCertificateAsync(http);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true });
        var page = await context.NewPageAsync();
        await page.GotoAsync(suite.GatewayHttp + "/");
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.includes('sign in')", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        await page.Locator("#sign-in").ClickAsync();
        await page.Locator("#username").FillAsync(learner);
        await page.Locator("#password").FillAsync("learner-dev-password");
        await page.Locator("#sign-in").ClickAsync();
        await page.WaitForFunctionAsync($"() => document.getElementById('status').textContent.includes('{learner}')", null, new PageWaitForFunctionOptions { Timeout = 60_000 });

        var button = page.Locator($"#certificates li[data-certificate='{number}'] button.download-credential");
        await button.WaitForAsync();
        Assert.Contains("下载签名证书", await button.InnerTextAsync());
        var download = await page.RunAndWaitForDownloadAsync(() => button.ClickAsync());

        Assert.Equal($"{number}.jwt", download.SuggestedFilename);
        var jws = Encoding.ASCII.GetString(await File.ReadAllBytesAsync((await download.PathAsync())!)).Trim();
        Assert.Equal(3, jws.Split('.').Length);
        var payload = Payload(jws);
        Assert.EndsWith("/credentials/" + number, payload.GetProperty("id").GetString());
        Assert.Equal("BitstringStatusListEntry", payload.GetProperty("credentialStatus").GetProperty("type").GetString());
        // The same credential the REST route gives a reader, and its status list is public at the gateway.
        using var viaRest = JsonDocument.Parse(await http.GetStringAsync($"/v1/certificates/{number}/credential"));
        Assert.Equal(jws, viaRest.RootElement.GetProperty("jws").GetString());
        using var anonymous = new HttpClient { BaseAddress = new Uri(suite.GatewayHttp) };
        var list = new Uri(payload.GetProperty("credentialStatus").GetProperty("statusListCredential").GetString()!).AbsolutePath;
        using var listResponse = await anonymous.GetAsync(list);
        Assert.True(listResponse.IsSuccessStatusCode, $"{list}: {(int)listResponse.StatusCode}");
        Assert.NotNull(listResponse.Headers.ETag);
    }
}
