using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.Domain;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using H = ChongqingVet.Competitions.Tests.CompetitionServiceHarness;

namespace ChongqingVet.Competitions.Tests;

public class CompetitionServiceTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateCompetition_Valid_IsReadableWithEtagAndUnknownIdIsNotFound(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var created = await harness.CreateCompetitionAsync();

        var read = await harness.Client.GetCompetitionAsync(new GetCompetitionRequest { Id = created.Id });
        Assert.Equal(created, read);
        Assert.Equal("全国职业院校技能大赛", read.Series);
        Assert.NotEmpty(read.Etag);
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.Client.GetCompetitionAsync(new GetCompetitionRequest { Id = "nope" }).ResponseAsync);
    }

    [Fact]
    public async Task CreateCompetition_Invalid_ListsEveryViolation()
    {
        await using var harness = await H.StartAsync(DatabaseProvider.Sqlite);
        var competition = H.NewCompetition();
        competition.Name = "";
        competition.Tier = CompetitionTier.Unspecified;
        competition.DistrictCode = "510101"; // 成都, not Chongqing
        competition.EndDate = H.Today.AddDays(-60).ToProtoDate();
        competition.Status = CompetitionStatus.Unspecified;

        await RpcAssert.InvalidArgumentAsync(() => harness.CreateCompetitionAsync(competition),
            "competition.name", "competition.tier", "competition.district_code", "competition.end_date", "competition.status");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task UpdateCompetition_MaskedChange_BumpsEtagAndStaleEtagIsAborted(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var created = await harness.CreateCompetitionAsync();
        var change = created.Clone();
        change.Status = CompetitionStatus.Finished;
        change.Name = "ignored: not in the mask";

        var updated = await harness.Client.UpdateCompetitionAsync(new UpdateCompetitionRequest { RequestId = Guid.NewGuid().ToString(), Competition = change, UpdateMask = new FieldMask { Paths = { "status" } } });
        Assert.Equal(CompetitionStatus.Finished, updated.Status);
        Assert.Equal(created.Name, updated.Name);
        Assert.NotEqual(created.Etag, updated.Etag);

        var stale = await RpcAssert.ThrowsAsync(StatusCode.Aborted, () => harness.Client.UpdateCompetitionAsync(new UpdateCompetitionRequest { RequestId = Guid.NewGuid().ToString(), Competition = change }).ResponseAsync);
        Assert.Equal("ETAG_MISMATCH", RpcAssert.Reason(stale));
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.UpdateCompetitionAsync(new UpdateCompetitionRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Competition = updated,
            UpdateMask = new FieldMask { Paths = { "etag" } },
        }).ResponseAsync, "update_mask");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListCompetitions_FiltersAndPages_NewestFirstAndTamperedTokenIsInvalid(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        for (var i = 0; i < 5; i++) await harness.CreateCompetitionAsync(H.NewCompetition(CompetitionTier.Provincial, -100 * i));
        await harness.CreateCompetitionAsync(H.NewCompetition(CompetitionTier.School));

        var seen = new List<Competition>();
        var token = "";
        do
        {
            var page = await harness.Client.ListCompetitionsAsync(new ListCompetitionsRequest { Tier = CompetitionTier.Provincial, PageSize = 2, PageToken = token });
            seen.AddRange(page.Competitions);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        Assert.Equal(5, seen.Count);
        Assert.Equal(seen.OrderByDescending(c => c.StartDate.ToDateOnly()).Select(c => c.Id), seen.Select(c => c.Id));
        var first = await harness.Client.ListCompetitionsAsync(new ListCompetitionsRequest { Tier = CompetitionTier.Provincial, PageSize = 2 });
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCompetitionsAsync(new ListCompetitionsRequest
        {
            Tier = CompetitionTier.Provincial, PageSize = 2, PageToken = first.NextPageToken[..^2] + "AA",
        }).ResponseAsync, "page_token");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCompetitionsAsync(new ListCompetitionsRequest
        {
            Tier = CompetitionTier.School, PageSize = 2, PageToken = first.NextPageToken,
        }).ResponseAsync, "page_token");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListCompetitions_EachFilter_SelectsOnlyMatches_AndCreateRetryReturnsFirst(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var request = new CreateCompetitionRequest { RequestId = Guid.NewGuid().ToString(), Competition = H.NewCompetition() };
        var first = await harness.Client.CreateCompetitionAsync(request);
        Assert.Equal(first, await harness.Client.CreateCompetitionAsync(request));
        var chuanyu = H.NewCompetition(CompetitionTier.CrossRegional, startInDays: 200);
        chuanyu.Series = "川渝杯";
        chuanyu.DistrictCode = "500153";
        chuanyu.Year = H.Today.AddDays(200).Year;
        var other = await harness.CreateCompetitionAsync(chuanyu);

        async Task<string[]> Ids(ListCompetitionsRequest filter) =>
            (await harness.Client.ListCompetitionsAsync(filter)).Competitions.Select(c => c.Id).ToArray();
        Assert.Equal([other.Id], await Ids(new ListCompetitionsRequest { Series = "川渝杯" }));
        Assert.Equal([other.Id], await Ids(new ListCompetitionsRequest { DistrictCode = "500153" }));
        Assert.Equal([other.Id], await Ids(new ListCompetitionsRequest { Status = CompetitionStatus.Planned }));
        Assert.Equal([first.Id], await Ids(new ListCompetitionsRequest { Tier = CompetitionTier.National, Year = first.Year }));
        Assert.Equal([other.Id, first.Id], await Ids(new ListCompetitionsRequest()));
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCompetitionsAsync(new ListCompetitionsRequest { DistrictCode = "999999", PageSize = -1 }).ResponseAsync,
            "district_code");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateEvent_Rules_NationalCodeDuplicateAndUnknownCompetition(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var competition = await harness.CreateCompetitionAsync();
        var created = await harness.CreateEventAsync(H.TeamEvent(competition.Id));
        Assert.Equal(["AUTO-DIAG", "AUTO-ENG"], created.SkillsTested.Select(s => s.SkillCode).Order(StringComparer.Ordinal));
        Assert.Equal(created, await harness.Client.GetEventAsync(new GetEventRequest { CompetitionId = competition.Id, Code = "ZZ013" }));

        await RpcAssert.ThrowsAsync(StatusCode.AlreadyExists, () => harness.CreateEventAsync(H.TeamEvent(competition.Id)));
        await RpcAssert.InvalidArgumentAsync(() => harness.CreateEventAsync(H.TeamEvent(competition.Id, "CQ-AUTO")), "event.code");
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.CreateEventAsync(H.TeamEvent("missing")));

        var bad = H.TeamEvent(competition.Id, "ZZ099", min: 1, max: 30);
        bad.SkillsTested.Add(new SkillRef { SkillCode = "AUTO-ENG", Level = SkillLevel.Unspecified });
        await RpcAssert.InvalidArgumentAsync(() => harness.CreateEventAsync(bad),
            "event.min_team_size", "event.max_team_size", "event.skills_tested[2].skill_code", "event.skills_tested[2].level");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListEvents_UpcomingOnlyAndSkill_FilterAndPage(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var past = await harness.CreateCompetitionAsync();
        var upcoming = await harness.CreateCompetitionAsync(H.NewCompetition(startInDays: 40));
        await harness.CreateEventAsync(H.TeamEvent(past.Id));
        await harness.CreateEventAsync(H.IndividualEvent(past.Id));
        foreach (var code in new[] { "ZZ001", "ZZ002", "ZZ003" }) await harness.CreateEventAsync(H.IndividualEvent(upcoming.Id, code));

        var upcomingEvents = new List<Event>();
        var token = "";
        do
        {
            var page = await harness.Client.ListEventsAsync(new ListEventsRequest { UpcomingOnly = true, PageSize = 2, PageToken = token });
            upcomingEvents.AddRange(page.Events);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal(["ZZ001", "ZZ002", "ZZ003"], upcomingEvents.Select(e => e.Code));

        var bySkill = await harness.Client.ListEventsAsync(new ListEventsRequest { SkillCode = "AUTO-DIAG" });
        Assert.Equal("ZZ013", Assert.Single(bySkill.Events).Code);
        var all = await harness.Client.ListEventsAsync(new ListEventsRequest { CompetitionId = past.Id });
        Assert.Equal(2, all.Events.Count);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task RecordResult_TeamOutsideSizeBounds_ListsEveryViolatedField(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var competition = await harness.CreateCompetitionAsync();
        var team = await harness.CreateEventAsync(H.TeamEvent(competition.Id, min: 2, max: 3));

        var tooBig = H.Team(team, AwardGrade.Gold, "L0001", "L0002", "L0003", "L0004"); // 金 is not in the prize-class scheme
        tooBig.Result.TeamName = "";
        tooBig.Result.Participants[2].Role = ParticipantRole.Individual;
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.RecordResultAsync(tooBig).ResponseAsync,
            "result.award_grade", "result.participants", "result.team_name", "result.participants[2].role");

        var twice = H.Team(team, AwardGrade.FirstPrize, "L0001", "L0001");
        twice.Result.Rank = -1;
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.RecordResultAsync(twice).ResponseAsync,
            "result.participants[1].learner_id", "result.rank");

        var twoLeaders = H.Team(team, AwardGrade.FirstPrize, "L0001", "L0002");
        twoLeaders.Result.Participants[1].Role = ParticipantRole.Leader;
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.RecordResultAsync(twoLeaders).ResponseAsync, "result.participants");
        Assert.Equal(0, await CountAsync(harness, "SELECT COUNT(*) FROM competition_results"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task RecordResult_LearnerAlreadyInEvent_IsAlreadyExistsNamingTheField(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var competition = await harness.CreateCompetitionAsync();
        var team = await harness.CreateEventAsync(H.TeamEvent(competition.Id));
        await harness.Client.RecordResultAsync(H.Team(team, AwardGrade.FirstPrize, "L0001", "L0002"));

        var exception = await RpcAssert.ThrowsAsync(StatusCode.AlreadyExists,
            () => harness.Client.RecordResultAsync(H.Team(team, AwardGrade.SecondPrize, "L0003", "L0002")).ResponseAsync);
        Assert.Equal("PARTICIPANT_ALREADY_HAS_RESULT", RpcAssert.Reason(exception));
        var info = exception.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>()!;
        Assert.Equal("result.participants[1].learner_id", info.Metadata["fields"]);
        Assert.Equal("L0002", info.Metadata["learner_ids"]);

        // Another event of the same competition is fine.
        var individual = await harness.CreateEventAsync(H.IndividualEvent(competition.Id));
        await harness.Client.RecordResultAsync(H.Individual(individual, "L0002"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task RecordResult_CompetitionNotStartedOrEventMissing_IsFailedPreconditionOrNotFound(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var upcoming = await harness.CreateCompetitionAsync(H.NewCompetition(startInDays: 10));
        var competitionEvent = await harness.CreateEventAsync(H.IndividualEvent(upcoming.Id));

        var exception = await RpcAssert.ThrowsAsync(StatusCode.FailedPrecondition,
            () => harness.Client.RecordResultAsync(H.Individual(competitionEvent, "L0001")).ResponseAsync);
        Assert.Equal("COMPETITION_NOT_STARTED", RpcAssert.Reason(exception));
        var missing = H.Individual(competitionEvent, "L0001");
        missing.Result.EventCode = "ZZ999";
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.Client.RecordResultAsync(missing).ResponseAsync);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task RecordResult_RetryWithSameRequestId_ReturnsFirstAndStoresOneRow(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var competition = await harness.CreateCompetitionAsync();
        var competitionEvent = await harness.CreateEventAsync(H.IndividualEvent(competition.Id));
        var request = H.Individual(competitionEvent, "L0001");

        var first = await harness.Client.RecordResultAsync(request);
        var second = await harness.Client.RecordResultAsync(request);

        Assert.Equal(first, second);
        Assert.Equal(91.5, first.Score);
        Assert.Equal(1, await CountAsync(harness, "SELECT COUNT(*) FROM competition_results"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task RecordResult_ConcurrentDoubleRecordOfOneLearner_OneResultSurvives(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var competition = await harness.CreateCompetitionAsync();
        var competitionEvent = await harness.CreateEventAsync(H.IndividualEvent(competition.Id));

        // Different request ids: these are two clerks entering the same learner, not a retry.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            try
            {
                await harness.Client.RecordResultAsync(H.Individual(competitionEvent, "L0007", rank: i + 1));
                return StatusCode.OK;
            }
            catch (RpcException exception)
            {
                return exception.StatusCode;
            }
        }));

        Assert.Equal(1, outcomes.Count(o => o == StatusCode.OK));
        Assert.All(outcomes.Where(o => o != StatusCode.OK), o => Assert.Equal(StatusCode.AlreadyExists, o));
        Assert.Equal(1, await CountAsync(harness, "SELECT COUNT(*) FROM competition_results"));
        Assert.Equal(1, await CountAsync(harness, "SELECT COUNT(*) FROM result_participants"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task RecordResult_BetterRankWithLowerScore_IsInvalidOnRank(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var competition = await harness.CreateCompetitionAsync();
        var competitionEvent = await harness.CreateEventAsync(H.IndividualEvent(competition.Id));
        var first = H.Individual(competitionEvent, "L0001", rank: 1);
        first.Result.Score = 90;
        await harness.Client.RecordResultAsync(first);

        var second = H.Individual(competitionEvent, "L0002", AwardGrade.SecondPrize, rank: 2);
        second.Result.Score = 95;
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.RecordResultAsync(second).ResponseAsync, "result.rank");
        second.Result.Score = 88;
        var recorded = await harness.Client.RecordResultAsync(second);

        var correction = recorded.Clone();
        correction.Score = 99; // would outscore rank 1
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.UpdateResultAsync(new UpdateResultRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Result = correction, UpdateMask = new FieldMask { Paths = { "score" } },
        }).ResponseAsync, "result.rank");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task UpdateResult_Correction_ChecksSchemeAndEtag(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var competition = await harness.CreateCompetitionAsync();
        var competitionEvent = await harness.CreateEventAsync(H.IndividualEvent(competition.Id));
        var recorded = await harness.Client.RecordResultAsync(H.Individual(competitionEvent, "L0001", AwardGrade.SecondPrize, rank: 5));

        var change = recorded.Clone();
        change.AwardGrade = AwardGrade.FirstPrize;
        change.Rank = 2;
        change.ClearScore();
        var updated = await harness.Client.UpdateResultAsync(new UpdateResultRequest { RequestId = Guid.NewGuid().ToString(), Result = change, UpdateMask = new FieldMask { Paths = { "award_grade", "rank", "score" } } });
        Assert.Equal(AwardGrade.FirstPrize, updated.AwardGrade);
        Assert.Equal(2, updated.Rank);
        Assert.False(updated.HasScore);
        Assert.NotEqual(recorded.Etag, updated.Etag);

        await RpcAssert.ThrowsAsync(StatusCode.Aborted, () => harness.Client.UpdateResultAsync(new UpdateResultRequest { RequestId = Guid.NewGuid().ToString(), Result = change }).ResponseAsync);
        var wrongScheme = updated.Clone();
        wrongScheme.AwardGrade = AwardGrade.WorldskillsGold;
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.UpdateResultAsync(new UpdateResultRequest { RequestId = Guid.NewGuid().ToString(), Result = wrongScheme }).ResponseAsync, "result.award_grade");
        var missing = updated.Clone();
        missing.Id = "00000000000000000000000000000000";
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.Client.UpdateResultAsync(new UpdateResultRequest { RequestId = Guid.NewGuid().ToString(), Result = missing }).ResponseAsync);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListResults_ByLearnerCompetitionAndEvent_PagesThroughAll(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var competition = await harness.CreateCompetitionAsync();
        var individual = await harness.CreateEventAsync(H.IndividualEvent(competition.Id));
        var team = await harness.CreateEventAsync(H.TeamEvent(competition.Id));
        for (var i = 1; i <= 7; i++) await harness.Client.RecordResultAsync(H.Individual(individual, $"L{i:D4}", AwardGrade.ThirdPrize, rank: i));
        await harness.Client.RecordResultAsync(H.Team(team, AwardGrade.FirstPrize, "L0003", "L0009"));

        var all = new List<Result>();
        var token = "";
        do
        {
            var page = await harness.Client.ListResultsAsync(new ListResultsRequest { CompetitionId = competition.Id, EventCode = "ZZ017", PageSize = 3, PageToken = token });
            all.AddRange(page.Results);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal(7, all.Count);
        Assert.Equal(7, all.Select(r => r.Id).Distinct().Count());
        Assert.All(all, r => Assert.Single(r.Participants));

        var ofLearner = await harness.Client.ListResultsAsync(new ListResultsRequest { LearnerId = "L0003" });
        Assert.Equal(2, ofLearner.Results.Count);
        var teamResult = ofLearner.Results.Single(r => r.EventCode == "ZZ013");
        Assert.Equal([("L0003", ParticipantRole.Leader), ("L0009", ParticipantRole.Member)], teamResult.Participants.Select(p => (p.LearnerId, p.Role)));
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListResultsAsync(new ListResultsRequest { EventCode = "ZZ017", LearnerId = "bad id!" }).ResponseAsync,
            "competition_id", "learner_id");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListLearnerSkillEvidence_IndividualAndTeamAwards_CreditRuleLevelsAndParticipationCreditsNothing(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var national = await harness.CreateCompetitionAsync();
        var school = await harness.CreateCompetitionAsync(H.NewCompetition(CompetitionTier.School));
        var team = await harness.CreateEventAsync(H.TeamEvent(national.Id));
        var individual = await harness.CreateEventAsync(H.IndividualEvent(national.Id));
        var schoolEvent = await harness.CreateEventAsync(H.IndividualEvent(school.Id, "XJ-01"));
        await harness.Client.RecordResultAsync(H.Team(team, AwardGrade.FirstPrize, "L0001", "L0002", "L0003"));
        await harness.Client.RecordResultAsync(H.Individual(individual, "L0002", AwardGrade.ThirdPrize, rank: 30));
        await harness.Client.RecordResultAsync(H.Individual(schoolEvent, "L0002", AwardGrade.SecondPrize, rank: 2));
        await harness.Client.RecordResultAsync(H.Individual(individual, "L0004", AwardGrade.Participation, rank: 0));

        foreach (var member in new[] { "L0001", "L0003" })
        {
            var evidence = (await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = member })).Evidence;
            Assert.Equal(["AUTO-DIAG", "AUTO-ENG"], evidence.Select(e => e.SkillCode));
            Assert.All(evidence, e =>
            {
                Assert.Equal(SkillLevel._2Technician, e.Level); // national 一等奖 → 二级/技师
                Assert.Equal(EvidenceSourceKind.Competition, e.SourceKind);
                Assert.Equal(national.Name, e.Issuer);
                Assert.StartsWith("一等奖", e.Title);
            });
        }

        var l2 = new List<SkillEvidence>();
        var token = "";
        do
        {
            var page = await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0002", PageSize = 1, PageToken = token });
            l2.AddRange(page.Evidence);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal(4, l2.Count);
        Assert.Equal(SkillLevel._4Intermediate, l2.Single(e => e.Title.StartsWith("三等奖", StringComparison.Ordinal)).Level);
        Assert.Equal(SkillLevel._5Beginner, l2.Single(e => e.Title.StartsWith("二等奖", StringComparison.Ordinal)).Level);
        Assert.Empty((await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0004" })).Evidence);

        // Rules are editable: the national first prize now credits 一级.
        await harness.Client.UpdateAwardRuleAsync(new UpdateAwardRuleRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Rule = new AwardRule { Tier = CompetitionTier.National, AwardGrade = AwardGrade.FirstPrize, CreditedLevel = SkillLevel._1SeniorTechnician },
        });
        var after = await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0001" });
        Assert.All(after.Evidence, e => Assert.Equal(SkillLevel._1SeniorTechnician, e.Level));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListAwardRules_Seeded_MatchTheDocumentedDefaults(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var rules = new List<AwardRule>();
        var token = "";
        do
        {
            var page = await harness.Client.ListAwardRulesAsync(new ListAwardRulesRequest { PageSize = 20, PageToken = token });
            rules.AddRange(page.Rules);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        Assert.Equal(66, rules.Count);
        Assert.All(rules, r => Assert.Equal(CompetitionRules.DefaultCreditedLevel(r.Tier, r.AwardGrade), r.CreditedLevel));
        var school = await harness.Client.ListAwardRulesAsync(new ListAwardRulesRequest { Tier = CompetitionTier.School });
        Assert.Equal(11, school.Rules.Count);
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.UpdateAwardRuleAsync(new UpdateAwardRuleRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Rule = new AwardRule { CreditedLevel = (SkillLevel)42 },
        }).ResponseAsync, "rule.tier", "rule.award_grade", "rule.credited_level");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task SampleData_Enabled_SeedsRealEventsOnceWithUpcomingEventsAndNoEvidenceForL0050(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider, new Dictionary<string, string?> { ["SampleData:Enabled"] = "true" });
        var events = await harness.Client.ListEventsAsync(new ListEventsRequest { CompetitionId = "cmp-2024-national-zz" });
        Assert.Equal(["ZZ007", "ZZ008", "ZZ013"], events.Events.Select(e => e.Code));
        var upcoming = await harness.Client.ListEventsAsync(new ListEventsRequest { UpcomingOnly = true });
        Assert.NotEmpty(upcoming.Events);
        var chuanyu = await harness.Client.ListCompetitionsAsync(new ListCompetitionsRequest { Series = "川渝杯" });
        Assert.Contains(chuanyu.Competitions, c => c.Tier == CompetitionTier.CrossRegional);

        var learners = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        await using (learners)
        {
            Assert.True(await learners.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT learner_id) FROM result_participants") >= 25);
        }
        Assert.Empty((await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0050" })).Evidence);
        Assert.NotEmpty((await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0005" })).Evidence);

        // A second seeding run adds nothing.
        var seeder = new ChongqingVet.Competitions.Data.CompetitionSampleData(
            new ChongqingVet.Competitions.Data.CompetitionRepository(harness.Database.Factory, harness.Clock),
            new ChongqingVet.Competitions.Data.ResultRepository(harness.Database.Factory, harness.Clock));
        var before = await CountAsync(harness, "SELECT COUNT(*) FROM competition_results");
        await seeder.SeedAsync(harness.Database.Factory, CancellationToken.None);
        Assert.Equal(before, await CountAsync(harness, "SELECT COUNT(*) FROM competition_results"));
    }

    [Fact]
    public void SqlServer_MigrationsAndQueriesParse_AndDialectsAreInStep()
    {
        var assembly = typeof(ChongqingVet.Competitions.Grpc.CompetitionGrpcService).Assembly;
        Assert.True(TSqlAssert.MigrationsParse(assembly) > 0);
        MigrationsAssert.DialectsInStep(assembly);
        var queries = TSqlAssert.QueryConstants(assembly);
        Assert.True(queries.Count >= 15, $"only {queries.Count} queries found");
        foreach (var (name, sql) in queries) TSqlAssert.Parses(sql, name);
    }

    private static async Task<long> CountAsync(H harness, string sql)
    {
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
