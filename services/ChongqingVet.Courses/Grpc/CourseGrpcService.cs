using ChongqingVet.ApiKit;
using ChongqingVet.Courses.Data;
using ChongqingVet.Courses.Domain;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.ServiceDefaults.Security;
using Grpc.Core;

namespace ChongqingVet.Courses.Grpc;

/// <summary>The gRPC face of the courses service: validate, call the repositories and the engine, map.</summary>
public sealed class CourseGrpcService(
    CourseRepository courses,
    EnrollmentRepository enrollments,
    CreditRuleRepository rules,
    CreditRecognitionEngine engine,
    CourseStores stores,
    RecordGrade recordGrade,
    CreateCourse createCourse,
    UpdateCourse updateCourse,
    CreateCreditRule createCreditRule,
    EnrollLearner enrollLearner,
    IdempotencyStore idempotency,
    ListPages pages) : CourseService.CourseServiceBase
{
    public override async Task<Major> GetMajor(GetMajorRequest request, ServerCallContext context)
    {
        new Violations().Also(v => v.Check(CourseRules.IsMajorCode(request.Code), "code", "is not a 6-digit 专业目录 code")).ThrowIfAny();
        return await courses.GetMajorAsync(request.Code, context.CancellationToken) ?? throw new NotFoundException("Major", request.Code);
    }

    public override async Task<ListMajorsResponse> ListMajors(ListMajorsRequest request, ServerCallContext context)
    {
        new Violations().Also(v => v.CheckEnum(request.Level, "level")).ThrowIfAny();
        var page = await pages.ListAsync(request.PageSize, request.PageToken, [request.Level], string.Empty,
            (after, size) => courses.ListMajorsAsync(after, request.Level, size, context.CancellationToken), major => major.Code);
        return new ListMajorsResponse { Majors = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<Course> CreateCourse(CreateCourseRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Course>(nameof(CreateCourse), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        if (violations.Check(request.Course is not null, "course", "is required")) CourseRules.Validate(request.Course!, violations);
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CreateCourse), request.RequestId, request,
            (connection, transaction) => createCourse.RunAsync(stores.Catalog(connection, transaction), request.Course!, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<Course> GetCourse(GetCourseRequest request, ServerCallContext context)
    {
        RequireCourseCode(request.Code, "code");
        return await courses.GetAsync(request.Code, context.CancellationToken) ?? throw new NotFoundException("Course", request.Code);
    }

    public override async Task<ListCoursesResponse> ListCourses(ListCoursesRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        if (request.MajorCode.Length > 0) violations.Check(CourseRules.IsMajorCode(request.MajorCode), "major_code", "is not a 6-digit 专业目录 code");
        if (request.SkillCode.Length > 0) violations.Check(SkillCode.IsValid(request.SkillCode), "skill_code", "is not a skill code");
        CodeLists.CheckSkillCodes(request.SkillCodes, violations);
        violations.CheckEnum(request.Category, "category");
        violations.CheckEnum(request.MinSkillLevel, "min_skill_level");
        violations.ThrowIfAny();
        var skillCodes = request.SkillCodes.Distinct(StringComparer.Ordinal).ToArray();
        var page = await pages.ListAsync(request.PageSize, request.PageToken, [request.MajorCode, request.Category, request.SkillCode, request.MinSkillLevel, CodeLists.FilterKey(skillCodes)], string.Empty,
            (after, size) => courses.ListAsync(after, request.MajorCode, request.Category, request.SkillCode, request.MinSkillLevel, size, context.CancellationToken, skillCodes),
            course => course.Code);
        return new ListCoursesResponse { Courses = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<BatchGetCoursesResponse> BatchGetCourses(BatchGetCoursesRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        CodeLists.Check(request.Codes, CodeLists.MaxBatchGet, "codes", code => SkillCode.IsValid(code) ? null : "is not a course code", violations);
        violations.ThrowIfAny();
        var found = await courses.GetManyAsync(request.Codes, context.CancellationToken);
        var known = found.Select(c => c.Code).ToHashSet(StringComparer.Ordinal);
        return new BatchGetCoursesResponse { Courses = { found }, MissingCodes = { request.Codes.Where(c => !known.Contains(c)).Distinct() } };
    }

    public override async Task<Course> UpdateCourse(UpdateCourseRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Course>(nameof(UpdateCourse), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        long version = 0;
        if (violations.Check(request.Course is not null, "course", "is required"))
        {
            violations.Check(SkillCode.IsValid(request.Course!.Code), "course.code", "is not a course code");
            version = EtagField.Read(request.Course.Etag, violations, "course.etag");
        }
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(UpdateCourse), request.RequestId, request,
            (connection, transaction) => updateCourse.RunAsync(stores.Catalog(connection, transaction), request.Course!.Code, version,
                current => CourseMapper.ApplyMask(current, request.Course, request.UpdateMask), context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<Enrollment> EnrollLearner(EnrollLearnerRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Enrollment>(nameof(EnrollLearner), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        CheckLearner(request.LearnerId, violations);
        violations.Check(SkillCode.IsValid(request.CourseCode), "course_code", "is not a course code");
        violations.Check(CourseRules.IsTerm(request.Term), "term", "must be YYYY-YYYY-N with consecutive years and N 1 or 2");
        violations.ThrowIfAny();
        var caller = context.GetCaller();
        return await idempotency.ExecuteAsync(nameof(EnrollLearner), request.RequestId, request,
            (connection, transaction) => enrollLearner.RunAsync(stores.Catalog(connection, transaction), caller, request.LearnerId, request.CourseCode, request.Term,
                context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<Enrollment> RecordGrade(RecordGradeRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Enrollment>(nameof(RecordGrade), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        violations.Check(request.EnrollmentId.Length is > 0 and <= 36, "enrollment_id", "is required");
        violations.Check(request.Score is >= 0 and <= 100, "score", "must be between 0 and 100");
        var version = EtagField.Read(request.Etag, violations);
        violations.ThrowIfAny();
        var caller = context.GetCaller();
        return await idempotency.ExecuteAsync(nameof(RecordGrade), request.RequestId, request,
            (connection, transaction) => recordGrade.RunAsync(stores.In(connection, transaction), caller, request.EnrollmentId, request.Score, request.Passed,
                version, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<ListEnrollmentsResponse> ListEnrollments(ListEnrollmentsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        CheckLearner(request.LearnerId, violations);
        if (request.CourseCode.Length > 0) violations.Check(SkillCode.IsValid(request.CourseCode), "course_code", "is not a course code");
        if (request.Term.Length > 0) violations.Check(CourseRules.IsTerm(request.Term), "term", "must be YYYY-YYYY-N");
        violations.ThrowIfAny();
        var page = await pages.ListAsync(request.PageSize, request.PageToken, [request.LearnerId, request.CourseCode, request.Term], string.Empty,
            (after, size) => enrollments.ListAsync(request.LearnerId, after, request.CourseCode, request.Term, size, context.CancellationToken),
            enrollment => enrollment.Id);
        return new ListEnrollmentsResponse { Enrollments = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<CreditRule> CreateCreditRule(CreateCreditRuleRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<CreditRule>(nameof(CreateCreditRule), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        if (violations.Check(request.Rule is not null, "rule", "is required")) CourseRules.Validate(request.Rule!, violations);
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CreateCreditRule), request.RequestId, request,
            (connection, transaction) => createCreditRule.RunAsync(stores.Catalog(connection, transaction), request.Rule!, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<ListCreditRulesResponse> ListCreditRules(ListCreditRulesRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        if (request.MajorCode.Length > 0) violations.Check(CourseRules.IsMajorCode(request.MajorCode), "major_code", "is not a 6-digit 专业目录 code");
        violations.ThrowIfAny();
        var page = await pages.ListAsync(request.PageSize, request.PageToken, [request.MajorCode], string.Empty,
            (after, size) => rules.ListAsync(after, request.MajorCode, size, context.CancellationToken), rule => rule.Id);
        return new ListCreditRulesResponse { Rules = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<EvaluateCreditRecognitionResponse> EvaluateCreditRecognition(EvaluateCreditRecognitionRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        CheckLearner(request.LearnerId, violations);
        violations.Check(CourseRules.IsMajorCode(request.MajorCode), "major_code", "is not a 6-digit 专业目录 code");
        violations.Check(request.Achievements.Count <= 100, "achievements", "must list at most 100");
        for (var i = 0; i < Math.Min(request.Achievements.Count, 100); i++)
        {
            var achievement = request.Achievements[i];
            violations.Check(achievement.Id.Length is > 0 and <= 128, $"achievements[{i}].id", "is required (at most 128 characters)");
            violations.Check(achievement.KindCase != Achievement.KindOneofCase.None, $"achievements[{i}].kind", "give a certificate or a competition award");
        }
        violations.ThrowIfAny();
        var major = await courses.GetMajorAsync(request.MajorCode, context.CancellationToken) ?? throw new NotFoundException("Major", request.MajorCode);
        var majorRules = await rules.ForMajorAsync(request.MajorCode, context.CancellationToken);
        var facts = await courses.FactsAsync(context.CancellationToken);
        var passed = await enrollments.PassedCoursesAsync(request.LearnerId, context.CancellationToken);
        return engine.Evaluate(major.ProfessionalCredits, majorRules, facts, request.Achievements, request.MajorCode, passed);
    }

    public override async Task<ListLearnerSkillEvidenceResponse> ListLearnerSkillEvidence(ListLearnerSkillEvidenceRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        CheckLearner(request.LearnerId, violations);
        violations.ThrowIfAny();
        var page = await pages.ListWithCursorAsync(request.PageSize, request.PageToken, [request.LearnerId], new EvidenceCursor("", ""),
            async (after, size) =>
            {
                var (evidence, next) = await enrollments.ListEvidenceAsync(request.LearnerId, (after.EnrollmentId, after.Skill), size, context.CancellationToken);
                return (evidence, next is { } cursor ? new EvidenceCursor(cursor.Id, cursor.Skill) : null);
            });
        return new ListLearnerSkillEvidenceResponse { Evidence = { page.Items }, NextPageToken = page.NextPageToken };
    }

    private sealed record EvidenceCursor(string EnrollmentId, string Skill);

    /// <summary>One page of the learner's enrolments with the evidence their passed courses give.</summary>
    public override async Task<Common.V1.ListLearnerRecordsResponse> ListLearnerRecords(Common.V1.ListLearnerRecordsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        CheckLearner(request.LearnerId, violations);
        violations.ThrowIfAny();
        var page = await pages.ListWithEvidenceAsync(request.PageSize, request.PageToken, [request.LearnerId],
            (after, size) => enrollments.ListAsync(request.LearnerId, after, string.Empty, string.Empty, size, context.CancellationToken),
            enrollment => enrollment.Id,
            range => enrollments.EvidenceOfPageAsync(request.LearnerId, range.After, range.Through, context.CancellationToken));
        return LearnerRecords.Response(page, Common.V1.EvidenceSourceKind.Course, enrollment => EnrollmentRepository.NameOf(enrollment.Id));
    }

    private static void CheckLearner(string learnerId, Violations violations)
    {
        var error = LearnerId.Validate(learnerId);
        if (error is not null) violations.Add("learner_id", error);
    }

    private static void RequireCourseCode(string code, string field)
    {
        if (!SkillCode.IsValid(code)) throw new ValidationException(field, "is not a course code");
    }
}

internal static class ViolationsExtensions
{
    public static Violations Also(this Violations violations, Action<Violations> check)
    {
        check(violations);
        return violations;
    }
}
