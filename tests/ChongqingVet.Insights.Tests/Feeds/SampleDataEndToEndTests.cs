using ChongqingVet.Data;
using ChongqingVet.Insights.V1;

namespace ChongqingVet.Insights.Tests.Feeds;

/// <summary>The local run's figures: the four services' sample data, through their feeds, into the real insights service.</summary>
public sealed class SampleDataEndToEndTests
{
    [Fact]
    public async Task SampleData_ThroughTheFeeds_FiguresDifferByMajor()
    {
        await using var suite = await SampleSuite.StartAsync(DatabaseProvider.Sqlite);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await suite.CatchUpAsync(bound.Token);
        var reader = suite.Insights.Reader;

        var match = await reader.GetProgrammeIndustryMatchAsync(new GetProgrammeIndustryMatchRequest());
        var relevance = await reader.GetEmploymentRelevanceAsync(new GetEmploymentRelevanceRequest());
        var retention = await reader.GetLocalRetentionAsync(new GetLocalRetentionRequest());
        var byCluster = await reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest { Dimension = Dimension.Cluster });
        var byDistrict = await reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest { Dimension = Dimension.District });
        var outcomes = await reader.GetAchievementOutcomesAsync(new GetAchievementOutcomesRequest());
        Console.WriteLine(match);
        Console.WriteLine(relevance);
        Console.WriteLine(retention);
        foreach (var g in byCluster.Gaps.GroupBy(g => g.Key)) Console.WriteLine($"cluster {g.Key}: supply {g.Sum(x => x.Supply)} demand {g.Sum(x => x.Demand)}");
        foreach (var g in byDistrict.Gaps.GroupBy(g => g.Key)) Console.WriteLine($"district {g.Key}: supply {g.Sum(x => x.Supply)} demand {g.Sum(x => x.Demand)}");
        Console.WriteLine(outcomes.CertificateUptake);
        Assert.Fail("print");
    }
}
