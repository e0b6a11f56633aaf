using System.Text.Json;
using Microsoft.Playwright;

namespace ChongqingVet.Suite.Tests;

[Collection(SuiteCollection.Name)]
public class SuiteTests(SuiteFixture suite)
{
    [Fact]
    public async Task Rest_ProfileOfSampleLearner_HasSkillsFromSeveralSourcesAndNothingUnreachable()
    {
        using var http = suite.CreateHttpClient();
        using var profile = JsonDocument.Parse(await http.GetStringAsync("/v1/learners/L0001/profile"));
        var root = profile.RootElement;
        Assert.False(root.TryGetProperty("unreachable", out var unreachable) && unreachable.GetArrayLength() > 0, root.ToString());
        var skills = root.GetProperty("skills").EnumerateArray().ToArray();
        Assert.NotEmpty(skills);
        var kinds = skills.SelectMany(s => s.GetProperty("evidence").EnumerateArray()).Select(e => e.GetProperty("sourceKind").GetString()).Distinct().ToArray();
        Assert.True(kinds.Length >= 2, "evidence kinds: " + string.Join(",", kinds));

        using var empty = JsonDocument.Parse(await http.GetStringAsync("/v1/learners/L0050/profile"));
        Assert.False(empty.RootElement.TryGetProperty("skills", out var none) && none.GetArrayLength() > 0);
    }

    [Fact]
    public async Task Browser_LearnerPage_ShowsSkillsMatchesAndGap()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await page.GotoAsync(suite.GatewayHttp + "/");
        // Signed out, the page shows nothing; signing in goes through the identity provider (code + PKCE).
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.includes('sign in')", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        await page.Locator("#sign-in").ClickAsync();
        await page.Locator("#username").FillAsync("L0002");
        await page.Locator("#password").FillAsync("learner-dev-password");
        await page.Locator("#sign-in").ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.includes('L0002')", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        await page.WaitForSelectorAsync("#skills-chart .skill-row");
        await page.WaitForSelectorAsync("#matches li.match");
        Assert.True(await page.Locator("#skills-chart .skill-row").CountAsync() > 0);
        Assert.Contains("已满足", await page.Locator("#matches").InnerTextAsync());
        Assert.True(await page.Locator("#unreachable").IsHiddenAsync());

        await page.Locator("#skills-chart .skill-row").First.ClickAsync();
        Assert.Contains("证据", await page.Locator("#evidence").InnerTextAsync());

        await page.Locator("#matches button").First.ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('gap-title').textContent.length > 0");
        Assert.True(await page.Locator("#gap .gap").CountAsync() > 0 || (await page.Locator("#gap").InnerTextAsync()).Contains("已满足全部要求"));

        var screenshots = Environment.GetEnvironmentVariable("CHONGQINGVET_SCREENSHOTS") ?? Path.Combine(SuiteFixture.RepositoryRoot(), "TestResults", "screenshots");
        Directory.CreateDirectory(screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "learner-page.png"), FullPage = true });

        Assert.Contains("L0002", await page.Locator("#signed-in").InnerTextAsync());

        // A signed-in learner sees only themself: asking for another learner is refused by the gateway.
        await page.Locator("#learner").FillAsync("L0001");
        await page.Locator("button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("#status.error");
        Assert.Contains("403", await page.Locator("#status").InnerTextAsync());
    }
}
