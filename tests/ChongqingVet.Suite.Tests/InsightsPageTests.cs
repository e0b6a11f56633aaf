using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace ChongqingVet.Suite.Tests;

/// <summary>
/// The learner page's insights view (SVG charts of the city's indicators from /v1/insights/…), its enum labels and its
/// URL (learner and view in the fragment), in Chromium against the real suite.
/// </summary>
[Collection(SuiteCollection.Name)]
public partial class InsightsPageTests(SuiteFixture suite)
{
    /// <summary>The charts of the insights view and the REST route each one draws.</summary>
    private static readonly (string Chart, string Route, bool SupplyDemand)[] Charts =
    [
        ("chart-supply-cluster", "/v1/insights/skill-supply-demand?dimension=DIMENSION_CLUSTER", true),
        ("chart-supply-district", "/v1/insights/skill-supply-demand?dimension=DIMENSION_DISTRICT", true),
        ("chart-programme-match", "/v1/insights/programme-industry-match", false),
        ("chart-employment-relevance", "/v1/insights/employment-relevance", false),
        ("chart-local-retention", "/v1/insights/local-retention", false),
    ];

    private static readonly PageWaitForFunctionOptions Long = new() { Timeout = 60_000 };

    private static string ScreenshotPath(string name)
    {
        var directory = Environment.GetEnvironmentVariable("CHONGQINGVET_SCREENSHOTS") ?? Path.Combine(SuiteFixture.RepositoryRoot(), "TestResults", "screenshots");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }

    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright) => await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    /// <summary>Opens <paramref name="path"/> signed out, then signs in as <paramref name="learner"/> at the identity provider.</summary>
    private async Task<IPage> OpenSignedInAsync(IBrowser browser, string path, string learner)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await page.GotoAsync(suite.GatewayHttp + path);
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.includes('sign in')", null, Long);
        await page.Locator("#sign-in").ClickAsync();
        await page.Locator("#username").FillAsync(learner);
        await page.Locator("#password").FillAsync("learner-dev-password");
        await page.Locator("#sign-in").ClickAsync();
        return page;
    }

    /// <summary>
    /// The five reports, once the insights service has followed the feeds far enough that two reads a second apart
    /// give the same figures (the read model fills asynchronously from the four services' change feeds).
    /// </summary>
    private static async Task<JsonElement[]> SettledReportsAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        string? previous = null;
        while (true)
        {
            var reports = new JsonElement[Charts.Length];
            try
            {
                for (var i = 0; i < Charts.Length; i++)
                    reports[i] = JsonDocument.Parse(await http.GetStringAsync(Charts[i].Route)).RootElement.Clone();
            }
            catch (HttpRequestException error) when (DateTime.UtcNow < deadline)
            {
                // The insights service starts after the four services (the fixture does not wait for it): 503 until then.
                previous = error.Message;
                await Task.Delay(1000);
                continue;
            }
            var signature = string.Join("|", reports.Select((r, i) => Rows(r, Charts[i].SupplyDemand).ToString() + ":" +
                string.Join(",", RowsOf(r, Charts[i].SupplyDemand).Select(row => row.ToString()))));
            var filled = reports.Select((r, i) => Rows(r, Charts[i].SupplyDemand)).All(n => n > 0);
            if (filled && signature == previous) return reports;
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException("the insights figures did not settle: " + signature);
            previous = signature;
            await Task.Delay(1000);
        }
    }

    private static IEnumerable<JsonElement> RowsOf(JsonElement report, bool supplyDemand) =>
        report.TryGetProperty(supplyDemand ? "gaps" : "figures", out var rows) ? rows.EnumerateArray() : [];

    /// <summary>An int64 field: a JSON string or number, depending on the transcoder's settings.</summary>
    private static long Int64(JsonElement value) => value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!) : value.GetInt64();

    private static int Rows(JsonElement report, bool supplyDemand) => RowsOf(report, supplyDemand).Count();

    /// <summary>Whether the service withheld the figure (small-group privacy, docs/INSIGHTS.md).</summary>
    private static bool Suppressed(JsonElement figure) => figure.TryGetProperty("suppressed", out var s) && s.GetBoolean();

    [Fact]
    public async Task Browser_InsightsDeepLink_AfterSignIn_DrawsOneBarPerFigureWithItsDefinition_AndBackForwardSwitchViews()
    {
        using var token = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var http = new HttpClient { BaseAddress = new Uri(suite.GatewayHttp), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await SuiteFixture.GetTokenAsync(token, "gov-system", "gov-system-dev-secret", "insights.read"));
        var reports = await SettledReportsAsync(http);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        // A link to L0002's insights view, opened signed out: after the round trip to the identity provider the page
        // comes back to the same learner and view.
        var page = await OpenSignedInAsync(browser, "/#/learner/L0002/insights", "L0002");
        await page.WaitForFunctionAsync("() => ['loaded', 'failed'].includes(document.getElementById('insights-view').dataset.state)", null, Long);
        Assert.Equal("loaded", await page.Locator("#insights-view").GetAttributeAsync("data-state"));
        Assert.EndsWith("/#/learner/L0002/insights", page.Url);
        Assert.Equal("L0002", await page.Locator("#learner").InputValueAsync());
        Assert.True(await page.Locator("#profile-view").IsHiddenAsync());

        for (var i = 0; i < Charts.Length; i++)
        {
            var (chart, route, supplyDemand) = Charts[i];
            var report = reports[i];
            var rows = Rows(report, supplyDemand);
            if (supplyDemand)
            {
                // One supply bar and one demand bar per group (cluster, district) of the answer's rows, with the group's sums.
                var groups = RowsOf(report, true)
                    .GroupBy(g => g.TryGetProperty("key", out var k) ? k.GetString()! : "")
                    .Select(g => (Key: g.Key, Supply: g.Sum(r => r.TryGetProperty("supply", out var n) ? Int64(n) : 0)))
                    .ToArray();
                Assert.Equal(groups.Length, await page.Locator($"#{chart} svg rect.bar.supply").CountAsync());
                Assert.Equal(groups.Length, await page.Locator($"#{chart} svg rect.bar.demand").CountAsync());
                var row = page.Locator($"#{chart} svg g.gap-row[data-key='{groups[0].Key}']");
                Assert.Contains($"{groups[0].Supply} / ", await row.InnerHTMLAsync());
            }
            else
            {
                Assert.Equal(rows, await page.Locator($"#{chart} svg rect.bar.share").CountAsync());
                // Each bar's text is its percentage and counts, as the service computed them; a figure the service withheld
                // (too few individuals) says so instead of showing its zeros.
                var first = RowsOf(report, false).First();
                var expected = Suppressed(first) ? "数据不足" : $"{(first.TryGetProperty("value", out var v) ? v.GetDouble() : 0) * 100:F1}%";
                Assert.Contains(expected, await page.Locator($"#{chart} svg g.figure-row").First.InnerHTMLAsync());
                foreach (var withheld in RowsOf(report, false).Where(Suppressed))
                    Assert.Contains("数据不足", await page.Locator($"#{chart} svg g.figure-row[data-key='{withheld.GetProperty("key").GetString()}']").InnerHTMLAsync());
            }
            Assert.Equal(report.GetProperty("definition").GetString(), await page.Locator($"#{chart} .definition .def").InnerTextAsync());
            Assert.Contains("数据窗口 Data window", await page.Locator($"#{chart} .definition .window").InnerTextAsync());
            Assert.False(string.IsNullOrWhiteSpace(await page.Locator($"#{chart} .definition .counts").InnerTextAsync()), route);
        }
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("insights-page.png"), FullPage = true });

        // The view tabs change the URL; back and forward return to the previous view.
        await page.Locator("#tab-profile").ClickAsync();
        await page.WaitForSelectorAsync("#skills-chart .skill-row");
        Assert.EndsWith("/#/learner/L0002/profile", page.Url);
        Assert.True(await page.Locator("#insights-view").IsHiddenAsync());
        await page.GoBackAsync();
        await page.WaitForFunctionAsync("() => !document.getElementById('insights-view').hidden && document.getElementById('insights-view').dataset.state === 'loaded'", null, Long);
        Assert.EndsWith("/#/learner/L0002/insights", page.Url);
        Assert.True(await page.Locator("#profile-view").IsHiddenAsync());
        await page.GoForwardAsync();
        await page.WaitForFunctionAsync("() => !document.getElementById('profile-view').hidden", null, Long);
        Assert.EndsWith("/#/learner/L0002/profile", page.Url);
    }

    [GeneratedRegex(@"\b(SKILL_LEVEL|CERTIFICATE_LEVEL|CERTIFICATE_STATUS|AWARD_GRADE|COMPETITION_TIER|ENROLLMENT_STATUS|EVIDENCE_SOURCE_KIND)_[A-Z0-9_]+|\bX(Junior|Intermediate|Senior)\b|\b(First|Second|Third)Prize\b|\bNational[1-5]\b")]
    private static partial Regex RawEnumName();

    private static readonly Dictionary<string, string> CertificateLevelLabels = new()
    {
        ["CERTIFICATE_LEVEL_X_JUNIOR"] = "初级", ["CERTIFICATE_LEVEL_X_INTERMEDIATE"] = "中级", ["CERTIFICATE_LEVEL_X_SENIOR"] = "高级",
        ["CERTIFICATE_LEVEL_NATIONAL_5"] = "五级/初级工", ["CERTIFICATE_LEVEL_NATIONAL_4"] = "四级/中级工", ["CERTIFICATE_LEVEL_NATIONAL_3"] = "三级/高级工",
        ["CERTIFICATE_LEVEL_NATIONAL_2"] = "二级/技师", ["CERTIFICATE_LEVEL_NATIONAL_1"] = "一级/高级技师",
    };

    [Fact]
    public async Task Browser_LearnerView_ShowsEnumValuesAsChineseLabels_NeverRawNames()
    {
        using var http = suite.CreateHttpClient();
        // A sample learner (L0001–L0010 can sign in) whose certificates, transcript or gap texts carry raw enum names in
        // the REST answers — the page must label them.
        string? learner = null;
        JsonElement certificate = default;
        foreach (var candidate in Enumerable.Range(1, 10).Select(i => $"L{i:D4}"))
        {
            var profile = await http.GetStringAsync($"/v1/learners/{candidate}/profile");
            using var json = JsonDocument.Parse(profile);
            if (!json.RootElement.TryGetProperty("certificates", out var certificates) || certificates.GetArrayLength() == 0) continue;
            var transcript = await http.GetStringAsync($"/v1/learners/{candidate}/transcript?major_code=460301");
            if (!RawEnumName().IsMatch(profile + transcript)) continue;
            learner = candidate;
            certificate = certificates[0].Clone();
            break;
        }
        Assert.NotNull(learner);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await OpenSignedInAsync(browser, $"/#/learner/{learner}/profile", learner);
        await page.WaitForFunctionAsync($"() => document.getElementById('status').textContent.includes('{learner}')", null, Long);
        await page.WaitForSelectorAsync("#transcript table");
        await page.Locator("#skills-chart .skill-row").First.ClickAsync();
        await page.WaitForSelectorAsync("#evidence table");
        if (await page.Locator("#matches button").CountAsync() > 0)
        {
            await page.Locator("#matches button").First.ClickAsync();
            await page.WaitForFunctionAsync("() => document.getElementById('gap-title').textContent.length > 0", null, Long);
        }

        var text = await page.Locator("body").InnerTextAsync();
        var raw = RawEnumName().Match(text);
        Assert.False(raw.Success, $"raw enum name on the page: {raw.Value}");
        var number = certificate.GetProperty("certificateNumber").GetString();
        var item = await page.Locator($"#certificates li[data-certificate='{number}']").InnerTextAsync();
        Assert.Contains(CertificateLevelLabels[certificate.GetProperty("level").GetString()!], item);
        Assert.Contains(certificate.GetProperty("status").GetString() switch
        {
            "CERTIFICATE_STATUS_ACTIVE" => "有效", "CERTIFICATE_STATUS_REVOKED" => "已撤销", _ => "已过期",
        }, item);
    }
}
