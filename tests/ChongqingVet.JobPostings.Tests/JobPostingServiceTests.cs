using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Samples;
using ChongqingVet.JobPostings.Data;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace ChongqingVet.JobPostings.Tests;

public class JobPostingServiceTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    private const SkillLevel L5 = SkillLevel._5Beginner;
    private const SkillLevel L4 = SkillLevel._4Intermediate;
    private const SkillLevel L3 = SkillLevel._3Advanced;
    private const SkillLevel L2 = SkillLevel._2Technician;
    private const SkillLevel L1 = SkillLevel._1SeniorTechnician;

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateSkill_Valid_IsReadableAndListedByOccupation(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        var created = await harness.CreateSkillAsync("IR-OPS");

        var read = await harness.Client.GetSkillAsync(new GetSkillRequest { Code = "IR-OPS" });
        Assert.Equal(created, read);
        Assert.Equal(["6-30-99-00"], read.OccupationCodes);
        var listed = await harness.Client.ListSkillsAsync(new ListSkillsRequest { OccupationCode = "6-30-99-00" });
        Assert.Equal(["IR-OPS"], listed.Skills.Select(s => s.Code));
        Assert.Empty((await harness.Client.ListSkillsAsync(new ListSkillsRequest { OccupationCode = "6-31-01-03" })).Skills);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateSkill_SameRequestIdTwice_ReturnsFirstAndCreatesOne_OtherRequestIdIsAlreadyExists(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        var request = new CreateSkillRequest { RequestId = Guid.NewGuid().ToString(), Skill = JobPostingServiceHarness.NewSkill("PLC-PROG") };

        var first = await harness.Client.CreateSkillAsync(request);
        var second = await harness.Client.CreateSkillAsync(request);

        Assert.Equal(first, second);
        Assert.Equal(1, await CountAsync(harness, "SELECT COUNT(*) FROM skills"));
        var exception = await RpcAssert.ThrowsAsync(StatusCode.AlreadyExists, () => harness.CreateSkillAsync("PLC-PROG"));
        Assert.Equal("SKILL_ALREADY_EXISTS", RpcAssert.Reason(exception));
    }

    [Fact]
    public async Task CreateSkill_Invalid_ListsEveryViolation()
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        var skill = new Skill { Code = "bad code", NameZh = "", NameEn = " ", Category = "", Cluster = "", OccupationCodes = { "6-31-01-03", "631013" } };
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.CreateSkillAsync(new CreateSkillRequest { RequestId = Guid.NewGuid().ToString(), Skill = skill }).ResponseAsync,
            "skill.category", "skill.cluster", "skill.code", "skill.name_en", "skill.name_zh", "skill.occupation_codes[1]");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task DeprecateSkill_CodeStillResolves_ButNewPostingsMayNotUseIt(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateSkillAsync("IR-OPS2");
        await harness.CreateEmployerAsync();

        var deprecated = await harness.Client.DeprecateSkillAsync(new DeprecateSkillRequest { RequestId = Guid.NewGuid().ToString(), Code = "IR-OPS", SuccessorCode = "IR-OPS2" });

        Assert.True(deprecated.Deprecated);
        Assert.Equal("IR-OPS2", deprecated.SuccessorCode);
        Assert.Equal(deprecated, await harness.Client.GetSkillAsync(new GetSkillRequest { Code = "IR-OPS" }));
        var batch = await harness.Client.BatchGetSkillsAsync(new BatchGetSkillsRequest { Codes = { "IR-OPS2", "NOPE", "IR-OPS" } });
        Assert.Equal(["IR-OPS2", "IR-OPS"], batch.Skills.Select(s => s.Code));
        Assert.Equal(["NOPE"], batch.MissingCodes);
        Assert.Equal(["IR-OPS2"], (await harness.Client.ListSkillsAsync(new ListSkillsRequest())).Skills.Select(s => s.Code));
        Assert.Equal(2, (await harness.Client.ListSkillsAsync(new ListSkillsRequest { IncludeDeprecated = true })).Skills.Count);

        var violations = await RpcAssert.InvalidArgumentAsync(() => harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS", L4, 1, true), ("UNKNOWN", L4, 1, false))),
            "job_posting.requirements[0].skill_code", "job_posting.requirements[1].skill_code");
        Assert.Contains(violations, v => v.Description.Contains("IR-OPS2"));
        await RpcAssert.ThrowsAsync(StatusCode.FailedPrecondition, () => harness.Client.DeprecateSkillAsync(
            new DeprecateSkillRequest { RequestId = Guid.NewGuid().ToString(), Code = "IR-OPS", SuccessorCode = "IR-OPS2" }).ResponseAsync);

        // A learner who still holds the old code meets the successor's requirement.
        var posting = await harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS2", L4, 1, true)));
        var matches = await harness.Client.MatchJobPostingsAsync(new MatchJobPostingsRequest { Skills = { new SkillRef { SkillCode = "IR-OPS", Level = L3 } } });
        Assert.Equal([posting.Id], matches.Matches.Select(m => m.Posting.Id));
        Assert.Equal(1.0, matches.Matches[0].Score);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Occupations_AreSeededReferenceData(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        var robot = await harness.Client.GetOccupationAsync(new GetOccupationRequest { Code = "6-30-99-00" });
        Assert.Equal("工业机器人系统操作员", robot.Name);
        Assert.Equal([L4, L3, L2, L1], robot.AllowedLevels); // 四级–一级
        Assert.True((await harness.Client.GetOccupationAsync(new GetOccupationRequest { Code = "2-02-38-10" })).Digital);
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.Client.GetOccupationAsync(new GetOccupationRequest { Code = "8-99-99-99" }).ResponseAsync);
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.GetOccupationAsync(new GetOccupationRequest { Code = "6-30-99" }).ResponseAsync, "code");

        var all = new List<Occupation>();
        var token = "";
        do
        {
            var page = await harness.Client.ListOccupationsAsync(new ListOccupationsRequest { PageSize = 4, PageToken = token });
            all.AddRange(page.Occupations);
            token = page.NextPageToken;
        } while (token.Length > 0);
        Assert.Equal(15, all.Count);
        Assert.Equal(all.Select(o => o.Code).Order(StringComparer.Ordinal), all.Select(o => o.Code));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateEmployer_InvalidAndDuplicate_AreRejected(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.CreateEmployerAsync(new CreateEmployerRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Employer = new Employer { CreditCode = "91350100M000100Y44", Name = "", DistrictCode = "990101" }, // no such province
        }).ResponseAsync, "employer.credit_code", "employer.district_code", "employer.name");

        var created = await harness.CreateEmployerAsync(district: "CQ-LJXQ");
        Assert.Equal("CQ-LJXQ", created.DistrictCode);
        await RpcAssert.ThrowsAsync(StatusCode.AlreadyExists, () => harness.CreateEmployerAsync(JobPostingServiceHarness.EmployerCode.ToLowerInvariant()));
        Assert.Equal(created, await harness.Client.GetEmployerAsync(new GetEmployerRequest { CreditCode = JobPostingServiceHarness.EmployerCode }));
        Assert.Single((await harness.Client.ListEmployersAsync(new ListEmployersRequest { DistrictCode = "CQ-LJXQ" })).Employers);
        Assert.Empty((await harness.Client.ListEmployersAsync(new ListEmployersRequest { DistrictCode = "500101" })).Employers);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateEmployer_ConcurrentSameCode_CreatesExactlyOne(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            try
            {
                await harness.CreateEmployerAsync();
                return StatusCode.OK;
            }
            catch (RpcException exception)
            {
                return exception.StatusCode;
            }
        }));
        Assert.Equal(1, attempts.Count(s => s == StatusCode.OK));
        Assert.All(attempts.Where(s => s != StatusCode.OK), s => Assert.Equal(StatusCode.AlreadyExists, s));
        Assert.Equal(1, await CountAsync(harness, "SELECT COUNT(*) FROM employers"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateJobPosting_Valid_IsOpenWithDerivedCluster_AndRetryCreatesOne(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateSkillAsync("PY-DEV", "软件信息服务");
        await harness.CreateEmployerAsync();
        var request = new CreateJobPostingRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            JobPosting = harness.NewPosting("工业机器人运维技术员", ("IR-OPS", L4, 3, true), ("PY-DEV", L5, 1, false)),
        };

        var created = await harness.Client.CreateJobPostingAsync(request);
        var again = await harness.Client.CreateJobPostingAsync(request);

        Assert.Equal(created, again);
        Assert.Equal(1, await CountAsync(harness, "SELECT COUNT(*) FROM job_postings"));
        Assert.Equal(JobPostingStatus.Open, created.Status);
        Assert.Equal("智能装备及智能制造", created.Cluster);
        Assert.Equal(["IR-OPS", "PY-DEV"], created.Requirements.Select(r => r.SkillCode));
        Assert.Equal(created, await harness.Client.GetJobPostingAsync(new GetJobPostingRequest { Id = created.Id }));
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.Client.GetJobPostingAsync(new GetJobPostingRequest { Id = "missing" }).ResponseAsync);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateJobPosting_BadFieldsAndUnknownEmployer_AreInvalidArgument(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await harness.CreateSkillAsync("IR-OPS");
        var posting = harness.NewPosting("", ("IR-OPS", L4, 0, true));
        posting.SalaryMax = 100;
        posting.ValidThrough = Timestamp.FromDateTimeOffset(harness.Clock.GetUtcNow().AddMinutes(-1));
        await RpcAssert.InvalidArgumentAsync(() => harness.CreatePostingAsync(posting),
            "job_posting.requirements[0].weight", "job_posting.salary_max", "job_posting.title", "job_posting.valid_through");

        await RpcAssert.InvalidArgumentAsync(() => harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS", L4, 1, true))),
            "job_posting.employer_credit_code");
        posting = harness.NewPosting("操作工");
        await RpcAssert.InvalidArgumentAsync(() => harness.CreatePostingAsync(posting), "job_posting.requirements");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task UpdateJobPosting_MaskedFields_ChangeAndStaleEtagIsAborted(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateSkillAsync("IR-PROG");
        await harness.CreateEmployerAsync();
        var created = await harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS", L4, 1, true)));

        var change = created.Clone();
        change.Title = "高级操作工";
        change.SalaryMin = 1; // not in the mask: ignored
        change.Requirements.Add(new Requirement { SkillCode = "IR-PROG", MinLevel = L3, Weight = 2 });
        var updated = await harness.Client.UpdateJobPostingAsync(new UpdateJobPostingRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            JobPosting = change,
            UpdateMask = new FieldMask { Paths = { "title", "requirements" } },
        });

        Assert.Equal("高级操作工", updated.Title);
        Assert.Equal(created.SalaryMin, updated.SalaryMin);
        Assert.Equal(["IR-OPS", "IR-PROG"], updated.Requirements.Select(r => r.SkillCode));
        Assert.NotEqual(created.Etag, updated.Etag);
        var exception = await RpcAssert.ThrowsAsync(StatusCode.Aborted, () => harness.Client.UpdateJobPostingAsync(
            new UpdateJobPostingRequest { RequestId = Guid.NewGuid().ToString(), JobPosting = change, UpdateMask = new FieldMask { Paths = { "title" } } }).ResponseAsync);
        Assert.Equal("ETAG_MISMATCH", RpcAssert.Reason(exception));
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.UpdateJobPostingAsync(
            new UpdateJobPostingRequest { RequestId = Guid.NewGuid().ToString(), JobPosting = updated, UpdateMask = new FieldMask { Paths = { "status" } } }).ResponseAsync, "update_mask");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task UpdateJobPosting_ConcurrentWithSameEtag_ExactlyOneWins(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateEmployerAsync();
        var created = await harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS", L4, 1, true)));

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            var change = created.Clone();
            change.Headcount = 10 + i;
            try
            {
                await harness.Client.UpdateJobPostingAsync(new UpdateJobPostingRequest { RequestId = Guid.NewGuid().ToString(), JobPosting = change, UpdateMask = new FieldMask { Paths = { "headcount" } } });
                return StatusCode.OK;
            }
            catch (RpcException exception)
            {
                return exception.StatusCode;
            }
        }));

        Assert.Equal(1, outcomes.Count(s => s == StatusCode.OK));
        Assert.All(outcomes.Where(s => s != StatusCode.OK), s => Assert.Equal(StatusCode.Aborted, s));
        var final = await harness.Client.GetJobPostingAsync(new GetJobPostingRequest { Id = created.Id });
        Assert.Equal("W/\"2\"", final.Etag);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task CloseJobPosting_ClosesOnce_ThenChangesAreFailedPrecondition(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateEmployerAsync();
        var created = await harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS", L4, 1, true)));
        var close = new CloseJobPostingRequest { RequestId = Guid.NewGuid().ToString(), Id = created.Id, Etag = created.Etag };

        var closed = await harness.Client.CloseJobPostingAsync(close);
        Assert.Equal(closed, await harness.Client.CloseJobPostingAsync(close)); // retry: same answer

        Assert.Equal(JobPostingStatus.Closed, closed.Status);
        await RpcAssert.ThrowsAsync(StatusCode.FailedPrecondition, () => harness.Client.CloseJobPostingAsync(
            new CloseJobPostingRequest { RequestId = Guid.NewGuid().ToString(), Id = created.Id, Etag = closed.Etag }).ResponseAsync);
        await RpcAssert.ThrowsAsync(StatusCode.FailedPrecondition, () => harness.Client.UpdateJobPostingAsync(
            new UpdateJobPostingRequest { RequestId = Guid.NewGuid().ToString(), JobPosting = closed, UpdateMask = new FieldMask { Paths = { "title" } } }).ResponseAsync);
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.Client.CloseJobPostingAsync(
            new CloseJobPostingRequest { RequestId = Guid.NewGuid().ToString(), Id = "missing", Etag = closed.Etag }).ResponseAsync);
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.CloseJobPostingAsync(new CloseJobPostingRequest { RequestId = "x", Id = "", Etag = "" }).ResponseAsync,
            "etag", "id", "request_id");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task MatchJobPostings_HandComputedExample_RanksEssentialsFirstThenScoreThenNewest(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        foreach (var code in new[] { "SK-A", "SK-B", "SK-C", "SK-D", "SK-E" }) await harness.CreateSkillAsync(code);
        await harness.CreateEmployerAsync();
        // Learner: A at 三级 (3), B at 四级 (2), C at 一级 (5). A requirement is met when learner level ≥ min level.
        // P1: A≥三级 w2 ess (met), B≥三级 w1 (unmet, gap 1)        → score 2/3, essentials met
        // P2: A≥四级 w1 (met), B≥四级 w1 (met)                       → score 1
        // P3: C≥五级 w1 (met), D≥五级 w3 ess (unmet, gap 1)          → score 1/4, unmet essential
        // P4: A≥二级 w1 ess (unmet, gap 1), C≥五级 w9 (met)          → score 9/10, unmet essential
        // P5: A≥五级 w2 (met), D≥五级 w1 (unmet)                     → score 2/3, essentials met, newer than P1
        // P6: E only                                                → shares no skill: not listed
        // Expected: P2 (1), P5 (2/3, newer), P1 (2/3), then the unmet-essential ones: P4 (0.9), P3 (0.25).
        var p1 = await harness.CreatePostingAsync(harness.NewPosting("P1", ("SK-A", L3, 2, true), ("SK-B", L3, 1, false)));
        var p2 = await harness.CreatePostingAsync(harness.NewPosting("P2", ("SK-A", L4, 1, false), ("SK-B", L4, 1, false)));
        var p3 = await harness.CreatePostingAsync(harness.NewPosting("P3", ("SK-C", L5, 1, false), ("SK-D", L5, 3, true)));
        var p4 = await harness.CreatePostingAsync(harness.NewPosting("P4", ("SK-A", L2, 1, true), ("SK-C", L5, 9, false)));
        var p5 = await harness.CreatePostingAsync(harness.NewPosting("P5", ("SK-A", L5, 2, false), ("SK-D", L5, 1, false)));
        await harness.CreatePostingAsync(harness.NewPosting("P6", ("SK-E", L5, 1, true)));
        var request = new MatchJobPostingsRequest
        {
            Skills =
            {
                new SkillRef { SkillCode = "SK-A", Level = L3 },
                new SkillRef { SkillCode = "SK-B", Level = L4 },
                new SkillRef { SkillCode = "SK-C", Level = L1 },
            },
        };

        var response = await harness.Client.MatchJobPostingsAsync(request);

        Assert.Equal([p2.Id, p5.Id, p1.Id, p4.Id, p3.Id], response.Matches.Select(m => m.Posting.Id));
        Assert.Equal([1.0, 2.0 / 3, 2.0 / 3, 0.9, 0.25], response.Matches.Select(m => m.Score), new ToleranceComparer());
        Assert.Equal([false, false, false, true, true], response.Matches.Select(m => m.HasUnmetEssential));
        var first = response.Matches[2]; // P1
        Assert.Equal(["SK-A"], first.Met.Select(m => m.Requirement.SkillCode));
        Assert.Equal(("SK-B", L4, 1), (first.Unmet[0].Requirement.SkillCode, first.Unmet[0].LearnerLevel, first.Unmet[0].LevelGap));
        Assert.Equal(("SK-D", SkillLevel.Unspecified, 1), (response.Matches[4].Unmet[0].Requirement.SkillCode, response.Matches[4].Unmet[0].LearnerLevel, response.Matches[4].Unmet[0].LevelGap));
        Assert.Equal("", response.NextPageToken);

        // The same ranking, two at a time through page tokens.
        var paged = new List<string>();
        var token = "";
        do
        {
            request.PageSize = 2;
            request.PageToken = token;
            var page = await harness.Client.MatchJobPostingsAsync(request);
            Assert.True(page.Matches.Count <= 2);
            paged.AddRange(page.Matches.Select(m => m.Posting.Id));
            token = page.NextPageToken;
        } while (token.Length > 0);
        Assert.Equal(response.Matches.Select(m => m.Posting.Id), paged);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task MatchJobPostings_PostingRequiresSkillDeprecatedLater_LearnerHoldingSuccessorMeetsIt(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        foreach (var code in new[] { "IR-OLD", "IR-NEW", "IR-PROG" }) await harness.CreateSkillAsync(code);
        await harness.CreateEmployerAsync();
        // The posting was published while IR-OLD was current; IR-OLD is deprecated for IR-NEW afterwards.
        var posting = await harness.CreatePostingAsync(harness.NewPosting("运维", ("IR-OLD", L3, 2, true), ("IR-PROG", L4, 1, false)));
        await harness.Client.DeprecateSkillAsync(new DeprecateSkillRequest { RequestId = Guid.NewGuid().ToString(), Code = "IR-OLD", SuccessorCode = "IR-NEW" });

        // Holding only the successor finds the posting and meets the deprecated requirement (before: not listed at all).
        var matches = await harness.Client.MatchJobPostingsAsync(new MatchJobPostingsRequest { Skills = { new SkillRef { SkillCode = "IR-NEW", Level = L3 } } });

        var match = Assert.Single(matches.Matches);
        Assert.Equal(posting.Id, match.Posting.Id);
        Assert.Equal(2.0 / 3, match.Score, 12);
        Assert.False(match.HasUnmetEssential);
        Assert.Equal([("IR-OLD", L3)], match.Met.Select(m => (m.Requirement.SkillCode, m.LearnerLevel)));
        Assert.Equal([("IR-PROG", SkillLevel.Unspecified, 2)], match.Unmet.Select(m => (m.Requirement.SkillCode, m.LearnerLevel, m.LevelGap)));
    }

    [Fact]
    public async Task MatchJobPostings_WhileAnotherConnectionHoldsTheWriteLock_StillAnswers()
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateEmployerAsync();
        var posting = await harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS", L4, 1, true)));
        await using var writer = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        await using var transaction = await writer.BeginTransactionAsync();
        await writer.ExecuteAsync("UPDATE employers SET name = name", transaction: transaction); // takes SQLite's one write lock

        // Matching only reads: it neither waits for nor fails on the held write lock (it used to write scratch rows).
        var matches = await harness.Client.MatchJobPostingsAsync(new MatchJobPostingsRequest { Skills = { new SkillRef { SkillCode = "IR-OPS", Level = L3 } } },
            deadline: DateTime.UtcNow.AddSeconds(10)); // well under the 30 s busy timeout a writer would wait

        Assert.Equal([posting.Id], matches.Matches.Select(m => m.Posting.Id));
        await transaction.RollbackAsync();
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task MatchJobPostings_ClosedAndExpiredPostings_AreExcluded(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateEmployerAsync();
        var open = await harness.CreatePostingAsync(harness.NewPosting("open", ("IR-OPS", L4, 1, true)));
        var closing = await harness.CreatePostingAsync(harness.NewPosting("closed", ("IR-OPS", L4, 1, true)));
        var shortLived = harness.NewPosting("expiring", ("IR-OPS", L4, 1, true));
        shortLived.ValidThrough = Timestamp.FromDateTimeOffset(harness.Clock.GetUtcNow().AddDays(1));
        await harness.CreatePostingAsync(shortLived);
        await harness.Client.CloseJobPostingAsync(new CloseJobPostingRequest { RequestId = Guid.NewGuid().ToString(), Id = closing.Id, Etag = closing.Etag });
        var request = new MatchJobPostingsRequest { Skills = { new SkillRef { SkillCode = "IR-OPS", Level = L3 } } };

        Assert.Equal(2, (await harness.Client.MatchJobPostingsAsync(request)).Matches.Count);
        harness.Clock.Advance(TimeSpan.FromDays(2));
        var matches = await harness.Client.MatchJobPostingsAsync(request);

        Assert.Equal([open.Id], matches.Matches.Select(m => m.Posting.Id));
        Assert.Equal(1.0, matches.Matches[0].Score);
        Assert.Empty((await harness.Client.MatchJobPostingsAsync(new MatchJobPostingsRequest { Skills = { request.Skills }, DistrictCode = "500101" })).Matches);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task MatchJobPostings_BadInputAndForeignToken_AreInvalidArgument(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.MatchJobPostingsAsync(new MatchJobPostingsRequest
        {
            Skills = { new SkillRef { SkillCode = "x", Level = L3 }, new SkillRef { SkillCode = "IR-OPS" } },
            OccupationCode = "6-31",
        }).ResponseAsync, "occupation_code", "skills[0].skill_code", "skills[1].level");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.MatchJobPostingsAsync(new MatchJobPostingsRequest
        {
            Skills = { new SkillRef { SkillCode = "IR-OPS", Level = L3 } },
            PageToken = "eyJGaWx0ZXIiOiJ4In0.AAAA",
        }).ResponseAsync, "page_token");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListJobPostings_PagesThroughAll_FiltersAndRejectsTamperedToken(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateEmployerAsync();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var posting = harness.NewPosting($"操作工{i}", ("IR-OPS", L4, 1, true));
            if (i % 2 == 0) posting.DistrictCode = "CQ-GXQ";
            ids.Add((await harness.CreatePostingAsync(posting)).Id);
        }

        var seen = new List<string>();
        var token = "";
        string? firstToken = null;
        do
        {
            var page = await harness.Client.ListJobPostingsAsync(new ListJobPostingsRequest { PageSize = 3, PageToken = token });
            seen.AddRange(page.JobPostings.Select(p => p.Id));
            token = page.NextPageToken;
            firstToken ??= token;
        } while (token.Length > 0);

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
        Assert.Equal(4, (await harness.Client.ListJobPostingsAsync(new ListJobPostingsRequest { DistrictCode = "CQ-GXQ" })).JobPostings.Count);
        Assert.Equal(7, (await harness.Client.ListJobPostingsAsync(new ListJobPostingsRequest { Cluster = "智能装备及智能制造", Status = JobPostingStatus.Open })).JobPostings.Count);
        Assert.Empty((await harness.Client.ListJobPostingsAsync(new ListJobPostingsRequest { Status = JobPostingStatus.Closed })).JobPostings);
        var tampered = firstToken![..^2] + (firstToken[^2] == 'A' ? "BB" : "AA");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListJobPostingsAsync(new ListJobPostingsRequest { PageSize = 3, PageToken = tampered }).ResponseAsync, "page_token");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListJobPostingsAsync(new ListJobPostingsRequest { PageSize = 3, PageToken = firstToken, DistrictCode = "CQ-GXQ" }).ResponseAsync, "page_token");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task RecordPlacement_Completed_BecomesSkillEvidenceWithEmployerAsIssuer(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await harness.CreateSkillAsync("IR-OPS");
        await harness.CreateSkillAsync("IR-PROG");
        var employer = await harness.CreateEmployerAsync();
        var posting = await harness.CreatePostingAsync(harness.NewPosting("操作工", ("IR-OPS", L4, 1, true)));
        var request = new RecordPlacementRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Placement = new Placement
            {
                LearnerId = "L0001",
                EmployerCreditCode = employer.CreditCode,
                PostingId = posting.Id,
                StartDate = new DateOnly(2026, 3, 1).ToProtoDate(),
                EndDate = new DateOnly(2026, 8, 31).ToProtoDate(),
                Status = PlacementStatus.Completed,
                Ratings =
                {
                    new SkillRating { SkillCode = "IR-PROG", Level = L4, Comment = "能独立编程" },
                    new SkillRating { SkillCode = "IR-OPS", Level = L3 },
                },
            },
        };

        var placement = await harness.Client.RecordPlacementAsync(request);
        Assert.Equal(placement, await harness.Client.RecordPlacementAsync(request));
        await harness.Client.RecordPlacementAsync(new RecordPlacementRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Placement = new Placement
            {
                LearnerId = "L0001", EmployerCreditCode = employer.CreditCode, Status = PlacementStatus.InProgress,
                StartDate = new DateOnly(2026, 9, 1).ToProtoDate(), EndDate = new DateOnly(2027, 2, 28).ToProtoDate(),
                Ratings = { new SkillRating { SkillCode = "IR-OPS", Level = L2 } },
            },
        });

        Assert.Equal(2, (await harness.Client.ListPlacementsAsync(new ListPlacementsRequest { LearnerId = "L0001" })).Placements.Count);
        Assert.Empty((await harness.Client.ListPlacementsAsync(new ListPlacementsRequest { LearnerId = "L0002" })).Placements);
        var evidence = await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0001", PageSize = 1 });
        Assert.Single(evidence.Evidence);
        var rest = await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0001", PageSize = 1, PageToken = evidence.NextPageToken });
        var all = evidence.Evidence.Concat(rest.Evidence).ToArray();
        Assert.Equal("", rest.NextPageToken);
        Assert.Equal([("IR-OPS", L3), ("IR-PROG", L4)], all.Select(e => (e.SkillCode, e.Level)));
        Assert.All(all, e =>
        {
            Assert.Equal(EvidenceSourceKind.Placement, e.SourceKind);
            Assert.Equal(employer.Name, e.Issuer);
            Assert.Equal("placements/" + placement.Id, e.SourceName);
            Assert.Equal(new DateTimeOffset(2026, 8, 31, 0, 0, 0, TimeSpan.FromHours(8)), e.AchieveTime.ToDateTimeOffset());
        });
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task RecordPlacement_Invalid_ListsEveryViolation(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider);
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.RecordPlacementAsync(new RecordPlacementRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Placement = new Placement
            {
                LearnerId = "",
                EmployerCreditCode = "91350100M000100Y44",
                StartDate = new DateOnly(2026, 3, 1).ToProtoDate(),
                EndDate = new DateOnly(2026, 2, 1).ToProtoDate(),
                Ratings = { new SkillRating { SkillCode = "IR-OPS" } },
            },
        }).ResponseAsync, "placement.employer_credit_code", "placement.end_date", "placement.learner_id", "placement.ratings[0].level", "placement.status");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.RecordPlacementAsync(new RecordPlacementRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Placement = new Placement
            {
                LearnerId = "L0001", EmployerCreditCode = JobPostingServiceHarness.EmployerCode, PostingId = "missing", Status = PlacementStatus.Completed,
                StartDate = new DateOnly(2026, 3, 1).ToProtoDate(), EndDate = new DateOnly(2026, 4, 1).ToProtoDate(),
                Ratings = { new SkillRating { SkillCode = "IR-OPS", Level = L4 } },
            },
        }).ResponseAsync, "placement.employer_credit_code", "placement.posting_id", "placement.ratings[0].skill_code");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task SampleData_SeedsVocabularyEmployersPostingsAndPlacements_Once(DatabaseProvider provider)
    {
        await using var harness = await JobPostingServiceHarness.StartAsync(provider, new Dictionary<string, string?> { ["SampleData:Enabled"] = "true" });
        Assert.Equal(SampleVocabulary.Skills.Count, await CountAsync(harness, "SELECT COUNT(*) FROM skills"));
        Assert.Equal(31, await CountAsync(harness, "SELECT COUNT(*) FROM employers")); // 30 in Chongqing, one in Chengdu
        Assert.Equal(JobPostingSampleData.PostingCount, await CountAsync(harness, "SELECT COUNT(*) FROM job_postings"));
        Assert.Equal(49, await CountAsync(harness, "SELECT COUNT(*) FROM placements")); // one per sample learner L0001…L0049

        var seeder = harness.Factory.Services.GetServices<ISampleDataSeeder>().Single();
        await seeder.SeedAsync(harness.Database.Factory, CancellationToken.None);
        Assert.Equal(JobPostingSampleData.PostingCount, await CountAsync(harness, "SELECT COUNT(*) FROM job_postings"));

        var matches = await harness.Client.MatchJobPostingsAsync(new MatchJobPostingsRequest
        {
            Skills = { new SkillRef { SkillCode = "IR-OPS", Level = L3 }, new SkillRef { SkillCode = "SAFETY-PROD", Level = L3 } },
        });
        Assert.NotEmpty(matches.Matches);
        Assert.NotEmpty((await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0001" })).Evidence);
    }

    [Fact]
    public void SqlServer_MigrationsAndQueriesParse_AndDialectsAreInStep()
    {
        var assembly = typeof(ChongqingVet.JobPostings.Grpc.JobPostingGrpcService).Assembly;
        Assert.True(TSqlAssert.MigrationsParse(assembly) > 0);
        MigrationsAssert.DialectsInStep(assembly);
        var queries = TSqlAssert.QueryConstants(assembly);
        Assert.True(queries.Count >= 25, $"only {queries.Count} queries found");
        foreach (var (name, sql) in queries) TSqlAssert.Parses(sql, name);
    }

    private static async Task<long> CountAsync(JobPostingServiceHarness harness, string sql)
    {
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    private sealed class ToleranceComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-9;

        public int GetHashCode(double obj) => 0;
    }
}
