using ChongqingVet.Data;
using ChongqingVet.Insights.Feeds;
using ChongqingVet.Insights.Grpc;
using ChongqingVet.Insights.V1;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using JobsV1 = ChongqingVet.JobPostings.V1;

namespace ChongqingVet.Insights.Tests;

/// <summary>The read model on SQLite and PostgreSQL: idempotent apply, cursor with the changes, rebuild, replay, access.</summary>
public sealed class ReadModelTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task GetLocalRetention_HandDataSetThroughTheStore_FiguresByHand(DatabaseProvider provider)
    {
        await using var harness = await InsightsHarness.StartAsync(provider);
        await harness.ApplyAsync(HandDataSet.Events());

        var report = await harness.Reader.GetLocalRetentionAsync(new GetLocalRetentionRequest { StartDate = HandDataSet.Day(2025, 1, 1), EndDate = HandDataSet.Day(2026, 12, 31) });

        Assert.Equal((3, 4), (report.Total.Numerator, report.Total.Denominator));
        Assert.Equal(0.75, report.Total.Value, 1e-9);
        Assert.Equal(HandDataSet.Day(2025, 1, 1), report.Window.StartDate);
        Assert.Contains("留渝就业率", report.Definition);
        var m1 = Assert.Single(report.Figures, f => f.Key == HandDataSet.M1);
        Assert.Equal((1, 2), (m1.Numerator, m1.Denominator));
        var supply = await harness.Reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest { StartDate = HandDataSet.Day(2025, 1, 1), EndDate = HandDataSet.Day(2026, 12, 31) });
        var b = Assert.Single(supply.Gaps, g => g.SkillCode == "B");
        Assert.Equal((2L, 3.5, 2L), (b.Supply, b.Demand, b.OpenPostings));
        Assert.Equal(1.5 / 3.5, b.GapIndex, 1e-9);
        Assert.Equal("B", supply.TopShortages[0].SkillCode);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Apply_SameEventsTwice_SameFigures(DatabaseProvider provider)
    {
        await using var harness = await InsightsHarness.StartAsync(provider);
        await harness.ApplyAsync(HandDataSet.Events());
        var once = await harness.AllFiguresAsync();

        await harness.ApplyAsync(HandDataSet.Events());
        await harness.ApplyAsync(HandDataSet.Events().Reverse()); // a replay in any order changes nothing either

        Assert.Equal(once, await harness.AllFiguresAsync());
        Assert.Contains("\"numerator\": 3", once); // not an empty model compared with itself
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Apply_OlderChangeAfterNewer_KeepsTheNewerState(DatabaseProvider provider)
    {
        await using var harness = await InsightsHarness.StartAsync(provider);
        await harness.ApplyAsync(HandDataSet.Events());
        var closed = new JobsV1.JobPosting
        {
            Id = "P2", OccupationCode = "2-02-10-09", EmployerCreditCode = "E2", DistrictCode = "510107", Cluster = "软件信息服务", Headcount = 2,
            Requirements = { new JobsV1.Requirement { SkillCode = "B", MinLevel = Common.V1.SkillLevel._2Technician, Weight = 1 } },
            Status = JobsV1.JobPostingStatus.Closed, CreateTime = HandDataSet.At(2025, 9, 5),
        };
        await harness.Store.ApplyAsync("jobpostings", [Feed.Change("jobpostings", 100, "jobPostings/P2", closed, "CLOSED")], CancellationToken.None);
        var afterClose = await BDemandAsync(harness);

        // The open state again, with an older sequence (a late duplicate): ignored.
        var reopened = closed.Clone();
        reopened.Status = JobsV1.JobPostingStatus.Open;
        await harness.Store.ApplyAsync("jobpostings", [Feed.Change("jobpostings", 50, "jobPostings/P2", reopened, "OPENED")], CancellationToken.None);

        Assert.Equal(1.5, afterClose); // P1's 3 × 0.5 only
        Assert.Equal(1.5, await BDemandAsync(harness));
        Assert.Equal(100, (await harness.Store.GetCursorAsync("jobpostings", CancellationToken.None))!.Sequence); // the cursor never goes back
    }

    private static async Task<double> BDemandAsync(InsightsHarness harness)
    {
        var report = await harness.Reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest { StartDate = HandDataSet.Day(2025, 1, 1), EndDate = HandDataSet.Day(2026, 12, 31) });
        return report.Gaps.Single(g => g.SkillCode == "B").Demand;
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Apply_BatchWithABadState_LeavesCursorAndModelUnchanged(DatabaseProvider provider)
    {
        await using var harness = await InsightsHarness.StartAsync(provider);
        await harness.ApplyAsync(HandDataSet.Events());
        var before = await harness.AllFiguresAsync();
        var cursorBefore = await harness.Store.GetCursorAsync("jobpostings", CancellationToken.None);
        var statusBefore = await harness.Reader.GetFeedStatusAsync(new GetFeedStatusRequest());

        var good = Feed.Change("jobpostings", 200, "employers/E9", new JobsV1.Employer { CreditCode = "E9", DistrictCode = "500101" });
        var bad = good with { Sequence = 201, Cursor = "jobpostings-201", ResourceName = "jobPostings/P9", ResourceType = JobsV1.JobPosting.Descriptor.FullName, StateJson = "{\"headcount\": \"many\"}" };
        await Assert.ThrowsAnyAsync<InvalidProtocolBufferException>(() => harness.Store.ApplyAsync("jobpostings", [good, bad], CancellationToken.None));

        Assert.Equal(cursorBefore, await harness.Store.GetCursorAsync("jobpostings", CancellationToken.None));
        Assert.Equal(statusBefore, await harness.Reader.GetFeedStatusAsync(new GetFeedStatusRequest()));
        Assert.Equal(before, await harness.AllFiguresAsync());
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Apply_Batch_StoresTheCursorOfItsLastEvent(DatabaseProvider provider)
    {
        await using var harness = await InsightsHarness.StartAsync(provider);
        var events = HandDataSet.Events().Where(e => e.Source == "certificates").ToList();

        await harness.Store.ApplyAsync("certificates", events, CancellationToken.None);
        await harness.Store.ApplyAsync("certificates", [ChangeEvent.Heartbeat("certificates", events[^1].Sequence, "certificates-hb", DateTimeOffset.UnixEpoch)], CancellationToken.None);

        var cursor = await harness.Store.GetCursorAsync("certificates", CancellationToken.None);
        Assert.Equal(("certificates-hb", 3L), (cursor!.CursorToken, cursor.Sequence));
        var status = await harness.Reader.GetFeedStatusAsync(new GetFeedStatusRequest());
        var certificates = Assert.Single(status.Sources, s => s.Source == "certificates");
        Assert.Equal((3L, 3L), (certificates.Sequence, certificates.Resources));
        Assert.Equal(0, Assert.Single(status.Sources, s => s.Source == "courses").Sequence);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Restart_SameDatabase_SameFigures(DatabaseProvider provider)
    {
        await using var harness = await InsightsHarness.StartAsync(provider);
        await harness.ApplyAsync(HandDataSet.Events());
        var before = await harness.AllFiguresAsync();

        // A second process on the same database: nothing in memory survives, the figures come from the tables.
        var configuration = harness.Database.ToConfiguration();
        configuration["Insights:MinimumCellSize"] = "1"; // as the harness: the hand data set's groups are below the default k
        await using var restarted = new GrpcServiceFactory<InsightsGrpcService>(configuration);
        var reader = new InsightsService.InsightsServiceClient(restarted.CreateChannel(restarted.Authority.Issue("gov-system", "government", ["insights.read"])));
        var retention = await reader.GetLocalRetentionAsync(new GetLocalRetentionRequest { StartDate = HandDataSet.Day(2025, 1, 1), EndDate = HandDataSet.Day(2026, 12, 31) });

        Assert.Equal((3, 4), (retention.Total.Numerator, retention.Total.Denominator));
        Assert.Equal(before, await harness.AllFiguresAsync());
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Follow_FeedsFromZeroOnAFreshDatabase_SameFiguresAsDirectApply(DatabaseProvider provider)
    {
        await using var direct = await InsightsHarness.StartAsync(provider);
        await direct.ApplyAsync(HandDataSet.Events());
        var sources = HandDataSet.Events().GroupBy(e => e.Source).Select(g => new ListChangeSource(g.Key, [.. g])).ToArray();

        await using var followed = await InsightsHarness.StartAsync(provider, sampleData: false, sources);
        foreach (var source in sources)
            await followed.Progress.WaitForAsync(source.Source, HandDataSet.Events().Where(e => e.Source == source.Source).Max(e => e.Sequence), TestTimeout.Token);

        Assert.Equal(await direct.AllFiguresAsync(), await followed.AllFiguresAsync());
        Assert.All(sources, s => Assert.Equal([string.Empty], s.ResumedFrom));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Follow_AfterDowntime_ResumesFromTheStoredCursorAndCatchesUp(DatabaseProvider provider)
    {
        var all = HandDataSet.Events().Where(e => e.Source == "jobpostings").ToList();
        var firstPart = all.Take(5).ToList();
        await using var harness = await InsightsHarness.StartAsync(provider, sampleData: false, new ListChangeSource("jobpostings", firstPart));
        await harness.Progress.WaitForAsync("jobpostings", 5, TestTimeout.Token);

        // The service stops; the job postings service writes more; the service starts again on the same database.
        var later = new ListChangeSource("jobpostings", all);
        var configuration = harness.Database.ToConfiguration();
        configuration["Insights:MinimumCellSize"] = "1"; // as the harness
        await using var restarted = new GrpcServiceFactory<InsightsGrpcService>(configuration,
            services => services.AddSingleton<IChangeSource>(later));
        _ = restarted.Server;
        var progress = restarted.Services.GetRequiredService<FeedProgress>();
        await progress.WaitForAsync("jobpostings", all[^1].Sequence, TestTimeout.Token);

        Assert.Equal(["jobpostings-5"], later.ResumedFrom);
        var cursor = await restarted.Services.GetRequiredService<Data.ReadModelStore>().GetCursorAsync("jobpostings", CancellationToken.None);
        Assert.Equal(all[^1].Sequence, cursor!.Sequence);
        await using var fresh = await InsightsHarness.StartAsync(provider);
        await fresh.ApplyAsync(all);
        var reader = new InsightsService.InsightsServiceClient(restarted.CreateChannel(restarted.Authority.Issue("gov-system", "government", ["insights.read"])));
        var window = new GetSkillSupplyDemandRequest { Dimension = Dimension.District, StartDate = HandDataSet.Day(2025, 1, 1), EndDate = HandDataSet.Day(2026, 12, 31) };
        var caughtUp = await reader.GetSkillSupplyDemandAsync(window);
        var expected = await fresh.Reader.GetSkillSupplyDemandAsync(window);
        caughtUp.ComputeTime = expected.ComputeTime = null;
        Assert.Equal(expected, caughtUp);
        Assert.NotEmpty(expected.Gaps);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task GetSkillSupplyDemand_WithoutInsightsScope_PermissionDenied(DatabaseProvider provider)
    {
        await using var harness = await InsightsHarness.StartAsync(provider);
        var catalogOnly = harness.ClientWith(harness.Factory.Authority.Issue("gov-system", "government", ["catalog.read", "profiles.read"]));

        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => catalogOnly.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest()).ResponseAsync);
        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => catalogOnly.GetFeedStatusAsync(new GetFeedStatusRequest()).ResponseAsync);
        await RpcAssert.ThrowsAsync(StatusCode.Unauthenticated, () => harness.ClientWith(null).GetLocalRetentionAsync(new GetLocalRetentionRequest()).ResponseAsync);
        Assert.NotNull(await harness.Reader.GetLocalRetentionAsync(new GetLocalRetentionRequest()));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task GetSkillSupplyDemand_BadInput_InvalidArgumentNamingEveryField(DatabaseProvider provider)
    {
        await using var harness = await InsightsHarness.StartAsync(provider);

        await RpcAssert.InvalidArgumentAsync(() => harness.Reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest
        {
            Dimension = (Dimension)42, MinLevel = (Common.V1.SkillLevel)9, Top = 101, Key = new string('x', 201),
            StartDate = HandDataSet.Day(2026, 2, 1), EndDate = HandDataSet.Day(2026, 1, 1),
        }).ResponseAsync, "dimension", "min_level", "top", "key", "start_date");
        await RpcAssert.InvalidArgumentAsync(() => harness.Reader.GetLocalRetentionAsync(new GetLocalRetentionRequest
        {
            StartDate = HandDataSet.Day(2026, 2, 30),
        }).ResponseAsync, "start_date");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task SampleData_Development_FiguresDifferByMajorAndDistrict(DatabaseProvider provider)
    {
        await using var harness = await InsightsHarness.StartAsync(provider, sampleData: true);

        var retention = await harness.Reader.GetLocalRetentionAsync(new GetLocalRetentionRequest());
        var relevance = await harness.Reader.GetEmploymentRelevanceAsync(new GetEmploymentRelevanceRequest());
        var byDistrict = await harness.Reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest { Dimension = Dimension.District });

        Assert.True(retention.Figures.Count >= 4);
        Assert.True(retention.Figures.Select(f => f.Value).Distinct().Count() >= 3, retention.ToString());
        Assert.True(relevance.Figures.Where(f => !f.Key.Contains('/')).Select(f => f.Value).Distinct().Count() >= 3, relevance.ToString());
        Assert.True(byDistrict.Gaps.Select(g => g.Key).Distinct().Count() >= 4, byDistrict.ToString());
        Assert.NotEmpty(byDistrict.TopShortages);
        // Seeding twice adds nothing.
        var before = (await harness.Reader.GetFeedStatusAsync(new GetFeedStatusRequest())).Sources.Single(s => s.Source == "sample");
        await harness.Factory.Services.GetServices<ISampleDataSeeder>().Single().SeedAsync(harness.Factory.Services.GetRequiredService<IDbConnectionFactory>(), CancellationToken.None);
        Assert.Equal(before.Resources, (await harness.Reader.GetFeedStatusAsync(new GetFeedStatusRequest())).Sources.Single(s => s.Source == "sample").Resources);
    }

    [Fact]
    public void SqlServer_MigrationsAndQueriesParse_AndDialectsAreInStep()
    {
        var assembly = typeof(InsightsGrpcService).Assembly;
        Assert.True(TSqlAssert.MigrationsParse(assembly) > 0);
        MigrationsAssert.DialectsInStep(assembly);
        var queries = TSqlAssert.QueryConstants(assembly);
        Assert.True(queries.Count >= 9, $"only {queries.Count} queries found");
        foreach (var (name, sql) in queries) TSqlAssert.Parses(sql, name);
    }
}

/// <summary>A bound on waiting for a condition (never a sleep): a hang fails the test instead of holding the run.</summary>
internal static class TestTimeout
{
    public static CancellationToken Token => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
}
