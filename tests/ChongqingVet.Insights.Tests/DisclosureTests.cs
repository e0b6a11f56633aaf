using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Insights.Domain;
using ChongqingVet.Insights.Feeds;
using ChongqingVet.Insights.Grpc;
using ChongqingVet.Insights.V1;
using Microsoft.Extensions.Configuration;
using CourseV1 = ChongqingVet.Courses.V1;
using JobsV1 = ChongqingVet.JobPostings.V1;
using Figure = ChongqingVet.Insights.Domain.Figure;
using CountRow = ChongqingVet.Insights.Domain.CountRow;

namespace ChongqingVet.Insights.Tests;

/// <summary>
/// Small-group privacy (docs/INSIGHTS.md, "Small groups"): figures about fewer than k individuals are withheld, and so
/// are as many further groups as it takes that no withheld group can be worked out from a published total.
/// </summary>
public sealed class DisclosureTests
{
    private const int K = 5;

    private static Dictionary<string, string?> WithK(int k) => new() { ["Insights:MinimumCellSize"] = k.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>
    /// Groups of learners, one major per group: each learner passed one course of the major (teaching skill S at level 4)
    /// and has one placement in Chongqing (500112) through posting P (cluster 智能装备及智能制造, demand for S: headcount 20).
    /// </summary>
    private static List<ChangeEvent> Groups(params (string Major, int Learners)[] groups)
    {
        var events = new List<ChangeEvent>();
        var sequences = new Dictionary<string, long>();
        void Add(string source, string name, Google.Protobuf.IMessage message) =>
            events.Add(Feed.Change(source, sequences[source] = sequences.GetValueOrDefault(source) + 1, name, message));

        Add("jobpostings", "skills/S", new JobsV1.Skill { Code = "S", Cluster = "智能装备及智能制造", OccupationCodes = { "6-31-01-03" } });
        Add("jobpostings", "employers/E", new JobsV1.Employer { CreditCode = "E", DistrictCode = "500112" });
        Add("jobpostings", "jobPostings/P", new JobsV1.JobPosting
        {
            Id = "P", OccupationCode = "6-31-01-03", EmployerCreditCode = "E", DistrictCode = "500112", Cluster = "智能装备及智能制造", Headcount = 20,
            Requirements = { new JobsV1.Requirement { SkillCode = "S", MinLevel = (SkillLevel)4, Weight = 1 } },
            Status = JobsV1.JobPostingStatus.Open, CreateTime = HandDataSet.At(2025, 9, 5),
        });
        var n = 0;
        foreach (var (major, learners) in groups)
        {
            Add("courses", "majors/" + major, new CourseV1.Major { Code = major, Name = "专业" + major });
            Add("courses", "courses/K" + major, new CourseV1.Course
            {
                Code = "K" + major, MajorCodes = { major }, SkillOutcomes = { new SkillRef { SkillCode = "S", Level = (SkillLevel)4 } },
                OwnerCreditCode = "S1", CreateTime = HandDataSet.At(2025, 9, 1),
            });
            for (var i = 0; i < learners; i++)
            {
                var learner = $"L{++n}";
                Add("courses", "enrollments/" + learner, new CourseV1.Enrollment
                {
                    Id = learner, LearnerId = learner, CourseCode = "K" + major, Term = "2025-2026-1", CreateTime = HandDataSet.At(2025, 9, 10),
                    Status = CourseV1.EnrollmentStatus.Passed,
                });
                Add("jobpostings", "placements/" + learner, new JobsV1.Placement
                {
                    Id = learner, LearnerId = learner, EmployerCreditCode = "E", PostingId = "P", StartDate = HandDataSet.Day(2025, 10, 1),
                    Status = JobsV1.PlacementStatus.InProgress,
                });
            }
        }
        return events;
    }

    private static async Task<InsightsHarness> StartAsync(IDictionary<string, string?> settings, List<ChangeEvent> events)
    {
        var harness = await InsightsHarness.StartAsync(DatabaseProvider.Sqlite, sampleData: false, settings);
        await harness.ApplyAsync(events);
        return harness;
    }

    [Fact]
    public async Task Retention_GroupOfKMinusOne_IsWithheld_GroupOfK_IsShown()
    {
        // k = 5: 460301 has 5 placements (shown), 510203 has 4 (withheld), 510302 has 1 (withheld). The two withheld groups
        // hold 5 together, so the total (10) minus the shown group is a group of k: nothing more is withheld.
        await using var harness = await StartAsync(WithK(K), Groups(("460301", 5), ("510203", 4), ("510302", 1)));

        var retention = await harness.Reader.GetLocalRetentionAsync(new GetLocalRetentionRequest());

        Assert.Equal(K, retention.MinimumCellSize);
        Assert.Equal((10.0, 10.0, false), (retention.Total.Denominator, retention.Total.Numerator, retention.Total.Suppressed));
        var shown = Assert.Single(retention.Figures, f => f.Key == "460301");
        Assert.Equal((5.0, 5.0, 1.0, false), (shown.Numerator, shown.Denominator, shown.Value, shown.Suppressed));
        foreach (var key in new[] { "510203", "510302" })
        {
            var withheld = Assert.Single(retention.Figures, f => f.Key == key);
            Assert.True(withheld.Suppressed, key);
            Assert.Equal((0.0, 0.0, 0.0), (withheld.Numerator, withheld.Denominator, withheld.Value));
            Assert.Equal("专业" + key, withheld.Label); // the group is named, its figure is not
        }

        // The same groups in employment relevance and 书证融通 uptake (learners of a major).
        var relevance = await harness.Reader.GetEmploymentRelevanceAsync(new GetEmploymentRelevanceRequest());
        Assert.False(Assert.Single(relevance.Figures, f => f.Key == "460301").Suppressed);
        Assert.True(Assert.Single(relevance.Figures, f => f.Key == "510203").Suppressed);
        Assert.True(Assert.Single(relevance.Figures, f => f.Key == "510203/2025-2026").Suppressed);
        var uptake = (await harness.Reader.GetAchievementOutcomesAsync(new GetAchievementOutcomesRequest())).CertificateUptake;
        Assert.Equal(5.0, Assert.Single(uptake.Figures, f => f.Key == "460301").Denominator);
        Assert.True(Assert.Single(uptake.Figures, f => f.Key == "510203").Suppressed);
    }

    [Fact]
    public async Task Retention_OneGroupWithheld_TheSmallestOtherGroupIsWithheldToo_SoTheTotalCannotGiveItAway()
    {
        // 510203 (4) is withheld; with the total (16) and 460301 (5) and 510302 (7) shown, 16 − 5 − 7 would give it away.
        // The smallest shown group, 460301 (5), is withheld as well: the total minus what is shown is 9 placements.
        await using var harness = await StartAsync(WithK(K), Groups(("460301", 5), ("510203", 4), ("510302", 7)));

        var retention = await harness.Reader.GetLocalRetentionAsync(new GetLocalRetentionRequest());

        Assert.Equal(16.0, retention.Total.Denominator);
        Assert.True(Assert.Single(retention.Figures, f => f.Key == "510203").Suppressed);
        Assert.True(Assert.Single(retention.Figures, f => f.Key == "460301").Suppressed);
        Assert.Equal(7.0, Assert.Single(retention.Figures, f => f.Key == "510302").Denominator);
        var hidden = retention.Total.Denominator - retention.Figures.Where(f => !f.Suppressed).Sum(f => f.Denominator);
        Assert.True(hidden >= K, $"the withheld groups hold {hidden}");
    }

    [Fact]
    public async Task Retention_EveryGroupSmall_TheTotalIsWithheldToo()
    {
        await using var harness = await StartAsync(WithK(K), Groups(("460301", 2), ("510203", 2)));

        var retention = await harness.Reader.GetLocalRetentionAsync(new GetLocalRetentionRequest());

        Assert.True(retention.Total.Suppressed);
        Assert.Equal(0.0, retention.Total.Denominator);
        Assert.All(retention.Figures, f => Assert.True(f.Suppressed, f.Key));
    }

    [Fact]
    public async Task SupplyByMajor_CellOfKMinusOneLearnersWithheld_CellOfKShown_AndLeftOutOfTheShortages()
    {
        await using var harness = await StartAsync(WithK(K), Groups(("460301", 5), ("510203", 4), ("510302", 1)));

        var byMajor = await harness.Reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest { Dimension = Dimension.Major });

        Assert.Equal(K, byMajor.MinimumCellSize);
        var shown = Assert.Single(byMajor.Gaps, g => g.Key == "460301");
        Assert.Equal((5L, 20.0, false), (shown.Supply, shown.Demand, shown.SupplySuppressed));
        Assert.Equal((20 - 5) / 20.0, shown.GapIndex, 1e-9);
        var withheld = Assert.Single(byMajor.Gaps, g => g.Key == "510203");
        Assert.Equal((0L, 0.0, true), (withheld.Supply, withheld.GapIndex, withheld.SupplySuppressed));
        Assert.Equal(20.0, withheld.Demand); // demand counts postings, not people: shown
        Assert.DoesNotContain(byMajor.TopShortages, g => g.SupplySuppressed);
        Assert.Contains(byMajor.TopShortages, g => g.Key == "460301");

        // Asking for one group alone withholds the same cell (suppression is decided over every group first).
        var one = await harness.Reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest { Dimension = Dimension.Major, Key = "510203" });
        Assert.True(Assert.Single(one.Gaps).SupplySuppressed);
        // The city's row (10 learners) is shown.
        var city = await harness.Reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest());
        Assert.Equal(10L, Assert.Single(city.Gaps).Supply);
    }

    [Fact]
    public async Task MinimumCellSize_NotConfigured_IsFive()
    {
        await using var harness = await StartAsync(new Dictionary<string, string?> { ["Insights:MinimumCellSize"] = null },
            Groups(("460301", 5), ("510203", 4), ("510302", 1)));

        var retention = await harness.Reader.GetLocalRetentionAsync(new GetLocalRetentionRequest());

        Assert.Equal(Disclosure.DefaultMinimumCellSize, retention.MinimumCellSize);
        Assert.Equal(5, Disclosure.DefaultMinimumCellSize);
        Assert.False(Assert.Single(retention.Figures, f => f.Key == "460301").Suppressed);
        Assert.True(Assert.Single(retention.Figures, f => f.Key == "510203").Suppressed);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("five")]
    [InlineData("1001")]
    public void MinimumCellSize_NotAWholeNumberFrom1To1000_RefusesToStart(string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Insights:MinimumCellSize"] = value }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => DisclosureOptions.From(configuration));
        Assert.Contains("Insights:MinimumCellSize", error.Message);
    }

    [Fact]
    public void Protect_SchoolYearsOfAShownMajor_WithheldTogetherWhenSmall_AndAllYearsOfAWithheldMajor()
    {
        var window = HandDataSet.AllTime;
        var indicator = new Indicator("d", "r", window, new Figure("", "重庆市", 14, 20),
        [
            new Figure("A", "A", 8, 12), new Figure("A/2024-2025", "A 2024-2025", 2, 3), new Figure("A/2025-2026", "A 2025-2026", 6, 9),
            new Figure("B", "B", 3, 4), new Figure("B/2025-2026", "B 2025-2026", 3, 4),
            new Figure("C", "C", 3, 4), new Figure("C/2025-2026", "C 2025-2026", 3, 4),
        ]);

        var protectedFigures = Disclosure.Protect(indicator, K).Figures.ToDictionary(f => f.Key, f => f.Suppressed);

        // A (12) shown; its 2024-2025 (3) is small, so its 2025-2026 (9) is withheld too (else 12 − 9 = 3 gives it away).
        Assert.False(protectedFigures["A"]);
        Assert.True(protectedFigures["A/2024-2025"]);
        Assert.True(protectedFigures["A/2025-2026"]);
        // B and C (4 each) are small; together they hold 8 ≥ k, so A stays shown; their school years go with them.
        Assert.True(protectedFigures["B"] && protectedFigures["C"] && protectedFigures["B/2025-2026"] && protectedFigures["C/2025-2026"]);
        Assert.False(Disclosure.Protect(indicator, K).Total.Suppressed);
        // k = 1 withholds nothing.
        Assert.All(Disclosure.Protect(indicator, 1).Figures, f => Assert.False(f.Suppressed));
    }

    [Fact]
    public void Protect_Outcomes_SmallCertificateRowsWithComplement_SmallRevokedCount_SmallAwardTiers()
    {
        var window = HandDataSet.AllTime;
        var empty = new Indicator("d", "r", window, new Figure("", "重庆市", 0, 0), []);
        var outcomes = new AchievementOutcomes("d", window,
            [new CountRow("T1/L/2025", 4), new CountRow("T1/L/2026", 6), new CountRow("T2/L/2025", 30)], 40, 2,
            [new CountRow("COMPETITION_TIER_NATIONAL", 1), new CountRow("COMPETITION_TIER_PROVINCIAL", 5)], empty, empty);

        var result = Disclosure.Protect(outcomes, K);

        Assert.Equal([true, true, false], result.CertificatesByTypeLevelYear.Select(r => r.Suppressed));
        Assert.Equal(30, result.CertificatesByTypeLevelYear[2].Count);
        Assert.Equal((40L, false), (result.CertificatesIssued, result.CertificatesIssuedSuppressed));
        Assert.Equal((0L, true), (result.CertificatesRevoked, result.CertificatesRevokedSuppressed));
        Assert.Equal([true, false], result.AwardsByTier.Select(r => r.Suppressed));
    }
}
