using ChongqingVet.Common.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Grpc.Core;

namespace ChongqingVet.Courses.Tests;

public class CourseServiceTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateCourse_Valid_IsReadableWithEtagAndDefaultPassMark(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        var created = await harness.CreateCourseAsync();
        var read = await harness.Client.GetCourseAsync(new GetCourseRequest { Code = "JD-201" });
        Assert.Equal(created, read);
        Assert.Equal(60, read.PassMark);
        Assert.Equal(["460301", "660301"], read.MajorCodes);
        Assert.Equal(2, read.SkillOutcomes.Count);
        Assert.NotEmpty(read.Etag);
        await RpcAssert.ThrowsAsync(StatusCode.AlreadyExists, () => harness.CreateCourseAsync());
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.Client.GetCourseAsync(new GetCourseRequest { Code = "NOPE-1" }).ResponseAsync);
    }

    [Fact]
    public async Task CreateCourse_Invalid_ListsEveryViolation()
    {
        await using var harness = await CourseServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        var course = CourseServiceHarness.PlcCourse("bad code");
        course.Name = "";
        course.Credits = 1.25;
        course.Category = CourseCategory.Unspecified;
        course.MajorCodes.Add("123");
        course.SkillOutcomes.Add(new SkillRef { SkillCode = "PLC-PROG", Level = SkillLevel.Unspecified });
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.CreateCourseAsync(new CreateCourseRequest { RequestId = "x", Course = course }).ResponseAsync,
            "request_id", "course.code", "course.name", "course.credits", "course.category", "course.major_codes[2]",
            "course.skill_outcomes[2].skill_code", "course.skill_outcomes[2].level");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task UpdateCourse_MaskAndStaleEtag_UpdatesThenAborts(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        var created = await harness.CreateCourseAsync();
        var change = created.Clone();
        change.Credits = 4.5;
        change.Name = "ignored";
        var updated = await harness.Client.UpdateCourseAsync(new UpdateCourseRequest { RequestId = Guid.NewGuid().ToString(), Course = change, UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "credits" } } });
        Assert.Equal(4.5, updated.Credits);
        Assert.Equal(created.Name, updated.Name);
        Assert.NotEqual(created.Etag, updated.Etag);
        var exception = await RpcAssert.ThrowsAsync(StatusCode.Aborted, () => harness.Client.UpdateCourseAsync(new UpdateCourseRequest { RequestId = Guid.NewGuid().ToString(), Course = change }).ResponseAsync);
        Assert.Equal("ETAG_MISMATCH", RpcAssert.Reason(exception));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListCourses_BySkillAndPaging_PagesThroughAllAndRejectsTamperedToken(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        foreach (var code in new[] { "JD-201", "JD-202", "JD-203" }) await harness.CreateCourseAsync(CourseServiceHarness.PlcCourse(code));
        var other = CourseServiceHarness.PlcCourse("RJ-101");
        other.SkillOutcomes.Clear();
        other.SkillOutcomes.Add(new SkillRef { SkillCode = "PY-DEV", Level = SkillLevel._4Intermediate });
        other.MajorCodes.Clear();
        other.MajorCodes.Add("510203");
        await harness.CreateCourseAsync(other);

        var codes = new List<string>();
        var request = new ListCoursesRequest { SkillCode = "PLC-PROG", PageSize = 2 };
        do
        {
            var page = await harness.Client.ListCoursesAsync(request);
            Assert.True(page.Courses.Count <= 2);
            codes.AddRange(page.Courses.Select(c => c.Code));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        Assert.Equal(["JD-201", "JD-202", "JD-203"], codes);

        Assert.Equal(["RJ-101"], (await harness.Client.ListCoursesAsync(new ListCoursesRequest { MajorCode = "510203" })).Courses.Select(c => c.Code));
        Assert.Empty((await harness.Client.ListCoursesAsync(new ListCoursesRequest { SkillCode = "PLC-PROG", MinSkillLevel = SkillLevel._2Technician })).Courses);
        Assert.Equal(4, (await harness.Client.ListCoursesAsync(new ListCoursesRequest { Category = CourseCategory.Core })).Courses.Count);

        var first = await harness.Client.ListCoursesAsync(new ListCoursesRequest { SkillCode = "PLC-PROG", PageSize = 1 });
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCoursesAsync(new ListCoursesRequest { SkillCode = "PY-DEV", PageSize = 1, PageToken = first.NextPageToken }).ResponseAsync, "page_token");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCoursesAsync(new ListCoursesRequest { SkillCode = "PLC-PROG", PageSize = 1, PageToken = "x" + first.NextPageToken }).ResponseAsync, "page_token");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task EnrollLearner_RetryAndDuplicate_SameResponseThenAlreadyExists(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        await harness.CreateCourseAsync();
        var request = new EnrollLearnerRequest { RequestId = Guid.NewGuid().ToString(), LearnerId = "L0001", CourseCode = "JD-201", Term = "2025-2026-1" };
        var first = await harness.Client.EnrollLearnerAsync(request);
        var retry = await harness.Client.EnrollLearnerAsync(request);
        Assert.Equal(first, retry);
        Assert.Equal(EnrollmentStatus.Enrolled, first.Status);
        var exception = await RpcAssert.ThrowsAsync(StatusCode.AlreadyExists, () => harness.EnrollAsync());
        Assert.Equal("ALREADY_ENROLLED", RpcAssert.Reason(exception));
        await harness.EnrollAsync(term: "2025-2026-2");
        Assert.Equal(2, (await harness.Client.ListEnrollmentsAsync(new ListEnrollmentsRequest { LearnerId = "L0001" })).Enrollments.Count);
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.EnrollAsync(course: "JD-999"));
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.EnrollLearnerAsync(new EnrollLearnerRequest { RequestId = "no", LearnerId = "-x", CourseCode = "a b", Term = "2025" }).ResponseAsync,
            "request_id", "learner_id", "course_code", "term");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task EnrollLearner_TwentyConcurrentRequests_OneEnrollmentSurvives(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        await harness.CreateCourseAsync();
        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            try
            {
                return (await harness.EnrollAsync("L0002")).Id;
            }
            catch (RpcException exception) when (exception.StatusCode == StatusCode.AlreadyExists)
            {
                return null;
            }
        }));
        Assert.Single(attempts, id => id is not null);
        Assert.Single((await harness.Client.ListEnrollmentsAsync(new ListEnrollmentsRequest { LearnerId = "L0002" })).Enrollments);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task RecordGrade_Correction_KeepsHistoryAndChecksPassMarkAndEtag(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        await harness.CreateCourseAsync();
        var enrollment = await harness.EnrollAsync();
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.RecordGradeAsync(new RecordGradeRequest { RequestId = Guid.NewGuid().ToString(), EnrollmentId = enrollment.Id, Score = 55, Passed = true, Etag = enrollment.Etag }).ResponseAsync, "passed");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.RecordGradeAsync(new RecordGradeRequest { RequestId = Guid.NewGuid().ToString(), EnrollmentId = "", Score = 101, Etag = "" }).ResponseAsync, "enrollment_id", "score", "etag");

        var failed = await harness.Client.RecordGradeAsync(new RecordGradeRequest { RequestId = Guid.NewGuid().ToString(), EnrollmentId = enrollment.Id, Score = 55, Passed = false, Etag = enrollment.Etag });
        Assert.Equal(EnrollmentStatus.Failed, failed.Status);
        Assert.Empty((await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0001" })).Evidence);

        var corrected = await harness.Client.RecordGradeAsync(new RecordGradeRequest { RequestId = Guid.NewGuid().ToString(), EnrollmentId = enrollment.Id, Score = 82, Passed = true, Etag = failed.Etag });
        Assert.Equal(EnrollmentStatus.Passed, corrected.Status);
        Assert.Equal(82, corrected.Grade.Score);
        Assert.Equal(55, Assert.Single(corrected.History).Score);
        await RpcAssert.ThrowsAsync(StatusCode.Aborted, () => harness.Client.RecordGradeAsync(new RecordGradeRequest { RequestId = Guid.NewGuid().ToString(), EnrollmentId = enrollment.Id, Score = 90, Passed = true, Etag = failed.Etag }).ResponseAsync);
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.Client.RecordGradeAsync(new RecordGradeRequest { RequestId = Guid.NewGuid().ToString(), EnrollmentId = "missing", Score = 90, Passed = true, Etag = failed.Etag }).ResponseAsync);

        var evidence = (await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0001" })).Evidence;
        Assert.Equal(["HMI-CONF", "PLC-PROG"], evidence.Select(e => e.SkillCode).Order());
        Assert.All(evidence, e => Assert.Equal(0.82, e.Weight, 3));
        Assert.Equal(SkillLevel._3Advanced, evidence.Single(e => e.SkillCode == "PLC-PROG").Level);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task SampleData_MajorsRulesEnrolmentsAndEvaluation_Work(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider, sampleData: true);
        var major = await harness.Client.GetMajorAsync(new GetMajorRequest { Code = "460301" });
        Assert.Equal(MajorLevel.HigherDiploma, major.Level);
        Assert.Equal("560301", major.PreviousCode);
        Assert.Equal(["260604"], (await harness.Client.ListMajorsAsync(new ListMajorsRequest { Level = MajorLevel.Bachelor })).Majors.Select(m => m.Code));
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.Client.GetMajorAsync(new GetMajorRequest { Code = "460399" }).ResponseAsync);

        Assert.NotEmpty((await harness.Client.ListEnrollmentsAsync(new ListEnrollmentsRequest { LearnerId = "L0001" })).Enrollments);
        Assert.Empty((await harness.Client.ListEnrollmentsAsync(new ListEnrollmentsRequest { LearnerId = "L0050" })).Enrollments);
        Assert.Empty((await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0050" })).Evidence);

        var rules = new List<CreditRule>();
        var request = new ListCreditRulesRequest { MajorCode = "510302", PageSize = 5 };
        do
        {
            var page = await harness.Client.ListCreditRulesAsync(request);
            rules.AddRange(page.Rules);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        Assert.Contains(rules, r => r.Certificate?.TypeCode == "1X-NET");
        Assert.DoesNotContain(rules, r => r.MajorCode is not ("" or "510302"));

        // 510302 has 76 professional credits → cap 15.2. Hand-computed, achievements by id: b1 (BIM junior, all majors)
        // 2 electives; g1 national individual first prize 4; g2 provincial individual first prize 3 (total 9); n1 (1X-NET
        // intermediate) takes the more specific intermediate rule: WL-201 (4, total 13), WL-202 (4) would pass the cap;
        // n2 (senior) finds WL-201 used and RJ-103 (3) over the 2.2 left → cap reached; x1 has no rule for 510302.
        var result = await harness.Client.EvaluateCreditRecognitionAsync(new EvaluateCreditRecognitionRequest
        {
            LearnerId = "L0050",
            MajorCode = "510302",
            Achievements =
            {
                new Achievement { Id = "n1", Certificate = new CertificateAchievement { TypeCode = "1X-NET", Level = CertificateLevel.XIntermediate } },
                new Achievement { Id = "n2", Certificate = new CertificateAchievement { TypeCode = "1X-NET", Level = CertificateLevel.XSenior } },
                new Achievement { Id = "g1", Competition = new CompetitionAchievement { Tier = CompetitionTier.National, AwardGrade = AwardGrade.FirstPrize } },
                new Achievement { Id = "g2", Competition = new CompetitionAchievement { Tier = CompetitionTier.Provincial, AwardGrade = AwardGrade.FirstPrize } },
                new Achievement { Id = "b1", Certificate = new CertificateAchievement { TypeCode = "1X-BIM", Level = CertificateLevel.XJunior } },
                new Achievement { Id = "x1", Certificate = new CertificateAchievement { TypeCode = "MOHRSS-ELEC", Level = CertificateLevel.National3 } },
            },
        });
        Assert.Equal(15.2, result.CapCredits, 3);
        Assert.Equal(["b1::2", "g1::4", "g2::3", "n1:WL-201:4"], result.Recognitions.Select(r => $"{r.AchievementId}:{r.CourseCode}:{r.Credits}"));
        Assert.Equal(["n2:CapReached", "x1:NoRule"], result.Unused.Select(u => $"{u.AchievementId}:{u.Reason}"));
        Assert.Equal(13, result.TotalCredits, 3);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateCreditRule_ValidInvalidAndRetry_Works(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        var request = new CreateCreditRuleRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Rule = new CreditRule
            {
                MajorCode = "510203",
                Certificate = new CertificateSource { TypeCode = "1X-AICOMP", Level = CertificateLevel.XJunior },
                Exemption = new CourseExemption { CourseCodes = { "RJ-302" } },
                Description = "初级替代机器学习基础",
            },
        };
        var created = await harness.Client.CreateCreditRuleAsync(request);
        Assert.Equal(created, await harness.Client.CreateCreditRuleAsync(request));
        Assert.Single((await harness.Client.ListCreditRulesAsync(new ListCreditRulesRequest { MajorCode = "510203" })).Rules);
        Assert.Empty((await harness.Client.ListCreditRulesAsync(new ListCreditRulesRequest { MajorCode = "460301" })).Rules);

        await RpcAssert.InvalidArgumentAsync(() => harness.Client.CreateCreditRuleAsync(new CreateCreditRuleRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Rule = new CreditRule { MajorCode = "12", Competition = new CompetitionSource(), MaxCredits = -1 },
        }).ResponseAsync, "rule.major_code", "rule.competition.tier", "rule.competition.award_grade", "rule.target", "rule.max_credits");
    }

    [Fact]
    public void SqlServer_MigrationsAndQueriesParse_AndDialectsAreInStep()
    {
        var assembly = typeof(ChongqingVet.Courses.Grpc.CourseGrpcService).Assembly;
        Assert.True(TSqlAssert.MigrationsParse(assembly) > 0);
        MigrationsAssert.DialectsInStep(assembly);
        var queries = TSqlAssert.QueryConstants(assembly);
        Assert.True(queries.Count >= 15, $"only {queries.Count} queries found");
        foreach (var (name, sql) in queries) TSqlAssert.Parses(sql, name);
    }
}
