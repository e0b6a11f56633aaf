using ChongqingVet.Data;
using ChongqingVet.Insights.V1;

namespace ChongqingVet.Insights.Tests.Feeds;

/// <summary>
/// The local run's figures: the four services' own sample data (CourseSampleData, JobPostingSampleData, …), through
/// their real change feeds, into the real insights service with the shipped minimum cell size (5).
/// </summary>
public sealed class SampleDataEndToEndTests
{
    [Fact]
    public async Task SampleData_ThroughTheFeeds_FiguresDifferByMajor_ShowBothShortagesAndSurpluses_AndAreNotWithheld()
    {
        await using var suite = await SampleSuite.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Insights:MinimumCellSize"] = "5" });
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await suite.CatchUpAsync(bound.Token);
        var reader = suite.Insights.Reader;

        // Programme–industry match: 540101 旅游管理 teaches tourism skills only (not a 33618 cluster); the others match.
        var match = await reader.GetProgrammeIndustryMatchAsync(new GetProgrammeIndustryMatchRequest());
        Assert.Equal(0, Assert.Single(match.Figures, f => f.Key == "540101").Value);
        Assert.Equal(1, Assert.Single(match.Figures, f => f.Key == "460301").Value);
        Assert.InRange(match.Total.Value, 0.5, 0.99);

        // Employment relevance differs by major, and every major's figure is shown (each has at least 5 placements).
        var relevance = await reader.GetEmploymentRelevanceAsync(new GetEmploymentRelevanceRequest());
        var byMajor = relevance.Figures.Where(f => !f.Key.Contains('/')).ToList();
        Assert.True(byMajor.Count >= 5, relevance.ToString());
        Assert.All(byMajor, f => Assert.False(f.Suppressed, f.Key));
        Assert.True(byMajor.Select(f => Math.Round(f.Value, 6)).Distinct().Count() >= 3, relevance.ToString());
        Assert.Equal(0, Assert.Single(byMajor, f => f.Key == "540101").Value); // tourism graduates placed in manufacturing and IT posts
        // Placements start in two school years, so the majors break down by year (the small years withheld).
        Assert.True(relevance.Figures.Count(f => f.Key.Contains('/')) > byMajor.Count, relevance.ToString());

        // Local retention: every major shown; every seventh learner works for an employer in Chengdu (510107), so the
        // city's figure is 42 of 49 and the majors differ (one major keeps all its graduates, tourism loses two of nine).
        var retention = await reader.GetLocalRetentionAsync(new GetLocalRetentionRequest());
        Assert.True(retention.Figures.Count >= 5, retention.ToString());
        Assert.All(retention.Figures, f => Assert.False(f.Suppressed, f.Key));
        Assert.Equal((42.0, 49.0), (retention.Total.Numerator, retention.Total.Denominator));
        Assert.Contains(retention.Figures, f => f.Value == 1);
        Assert.Equal(7.0 / 9, Assert.Single(retention.Figures, f => f.Key == "540101").Value, 6);
        Assert.True(retention.Figures.Select(f => Math.Round(f.Value, 6)).Distinct().Count() >= 3, retention.ToString());

        // 书证融通 uptake differs by major.
        var uptake = (await reader.GetAchievementOutcomesAsync(new GetAchievementOutcomesRequest())).CertificateUptake;
        Assert.True(uptake.Figures.Where(f => !f.Suppressed).Select(f => Math.Round(f.Value, 6)).Distinct().Count() >= 3, uptake.ToString());

        // Supply against demand by cluster: a surplus (tourism skills, no demand) and shortages, per cluster and per skill.
        var byCluster = await reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest { Dimension = Dimension.Cluster });
        var sums = byCluster.Gaps.GroupBy(g => g.Key).Select(g => (Key: g.Key, Supply: g.Sum(x => x.Supply), Demand: g.Sum(x => x.Demand))).ToList();
        Assert.Contains(sums, s => s.Supply > s.Demand);
        Assert.Contains(sums, s => s.Supply < s.Demand);
        var shown = byCluster.Gaps.Where(g => !g.SupplySuppressed).ToList();
        Assert.Contains(shown, g => g.GapIndex < 0);
        Assert.Contains(shown, g => g.GapIndex > 0 && g.Supply > 0);
        Assert.NotEmpty(byCluster.TopShortages);
        var byDistrict = await reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest { Dimension = Dimension.District });
        Assert.True(byDistrict.Gaps.Select(g => g.Key).Distinct().Count() >= 10, byDistrict.ToString());
        Assert.Contains(byDistrict.Gaps, g => !g.SupplySuppressed && g.Supply >= 5);
    }
}
