using System.Diagnostics.Metrics;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.JobPostings.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ChongqingVet.JobPostings.Tests;

public class JobPostingMetricsTests
{
    [Fact]
    public async Task MatchJobPostings_CountsThePostingsServed()
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        using var served = new MetricCollector<long>(harness.Factory.Services.GetRequiredService<IMeterFactory>(),
            JobPostingMetrics.MeterName, JobPostingMetrics.MatchesServedName);
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateEmployerAsync();
        await harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS", SkillLevel._4Intermediate, 1, true)));
        await harness.CreatePostingAsync(harness.NewPosting("运维", ("IR-OPS", SkillLevel._3Advanced, 1, true)));

        var response = await harness.Client.MatchJobPostingsAsync(new MatchJobPostingsRequest { Skills = { new SkillRef { SkillCode = "IR-OPS", Level = SkillLevel._3Advanced } } });
        await harness.Client.MatchJobPostingsAsync(new MatchJobPostingsRequest { Skills = { new SkillRef { SkillCode = "PLC-PROG", Level = SkillLevel._3Advanced } } }); // none

        Assert.Equal(2, response.Matches.Count);
        Assert.Equal(2L, served.GetMeasurementSnapshot().Sum(m => m.Value));
    }
}
