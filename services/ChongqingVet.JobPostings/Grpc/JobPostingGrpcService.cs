using ChongqingVet.ApiKit;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Time;
using ChongqingVet.JobPostings.Data;
using ChongqingVet.JobPostings.Domain;
using ChongqingVet.JobPostings.V1;
using Grpc.Core;

namespace ChongqingVet.JobPostings.Grpc;

/// <summary>The gRPC face of the job postings service: check the shape, call the use case (writes) or the repository (reads), map.</summary>
public sealed class JobPostingGrpcService(
    SkillRepository skills,
    EmployerRepository employers,
    JobPostingRepository postings,
    PlacementRepository placements,
    CreateJobPosting createPosting,
    UpdateJobPosting updatePosting,
    ClosePosting closePosting,
    JobPostingStores stores,
    CreateSkill createSkill,
    DeprecateSkill deprecateSkill,
    CreateEmployer createEmployer,
    RecordPlacement recordPlacement,
    IdempotencyStore idempotency,
    ListPages pages,
    TimeProvider clock,
    JobPostingMetrics metrics) : JobPostingService.JobPostingServiceBase
{
    public override async Task<Skill> CreateSkill(CreateSkillRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Skill>(nameof(CreateSkill), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        if (violations.Check(request.Skill is not null, "skill", "is required")) JobPostingRules.Validate(request.Skill!, violations);
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CreateSkill), request.RequestId, request,
            (connection, transaction) => createSkill.RunAsync(stores.In(connection, transaction), request.Skill!, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<Skill> GetSkill(GetSkillRequest request, ServerCallContext context)
    {
        RequireSkillCode(request.Code, "code");
        return await skills.GetAsync(request.Code, context.CancellationToken) ?? throw new NotFoundException("Skill", request.Code);
    }

    public override async Task<BatchGetSkillsResponse> BatchGetSkills(BatchGetSkillsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        violations.Check(request.Codes.Count <= JobPostingRules.MaxBatchGetSkills, "codes", $"must have at most {JobPostingRules.MaxBatchGetSkills} codes");
        for (var i = 0; i < request.Codes.Count && i < JobPostingRules.MaxBatchGetSkills; i++)
        {
            var error = SkillCode.Validate(request.Codes[i]);
            if (error is not null) violations.Add($"codes[{i}]", error);
        }
        violations.ThrowIfAny();
        var found = await skills.GetManyAsync(request.Codes, context.CancellationToken);
        var known = found.Select(s => s.Code).ToHashSet(StringComparer.Ordinal);
        return new BatchGetSkillsResponse { Skills = { found }, MissingCodes = { request.Codes.Where(c => !known.Contains(c)).Distinct() } };
    }

    public override async Task<ListSkillsResponse> ListSkills(ListSkillsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        if (request.OccupationCode.Length > 0)
            violations.Check(OccupationCode.IsValid(request.OccupationCode), "occupation_code", "must be a 职业分类大典 code D-DD-DD-DD");
        ListPages.CheckSize(request.PageSize, violations);
        violations.ThrowIfAny();
        var page = await pages.ListAsync(request.PageSize, request.PageToken, [request.Category, request.Cluster, request.OccupationCode, request.IncludeDeprecated], string.Empty,
            (after, size) => skills.ListAsync(after, request.Category, request.Cluster, request.OccupationCode, request.IncludeDeprecated, size, context.CancellationToken),
            skill => skill.Code);
        return new ListSkillsResponse { Skills = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<Skill> DeprecateSkill(DeprecateSkillRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Skill>(nameof(DeprecateSkill), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        var codeError = SkillCode.Validate(request.Code);
        if (codeError is not null) violations.Add("code", codeError);
        var successorError = SkillCode.Validate(request.SuccessorCode);
        if (successorError is not null) violations.Add("successor_code", successorError);
        else violations.Check(request.SuccessorCode != request.Code, "successor_code", "must differ from code");
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(DeprecateSkill), request.RequestId, request,
            (connection, transaction) => deprecateSkill.RunAsync(stores.In(connection, transaction), request.Code, request.SuccessorCode, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<Occupation> GetOccupation(GetOccupationRequest request, ServerCallContext context)
    {
        var error = OccupationCode.Validate(request.Code);
        if (error is not null) throw new ValidationException("code", error);
        return await skills.GetOccupationAsync(request.Code, context.CancellationToken) ?? throw new NotFoundException("Occupation", request.Code);
    }

    public override async Task<ListOccupationsResponse> ListOccupations(ListOccupationsRequest request, ServerCallContext context)
    {
        var page = await pages.ListAsync(request.PageSize, request.PageToken, ["occupations"], string.Empty,
            (after, size) => skills.ListOccupationsAsync(after, size, context.CancellationToken), occupation => occupation.Code);
        return new ListOccupationsResponse { Occupations = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<Employer> CreateEmployer(CreateEmployerRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Employer>(nameof(CreateEmployer), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        if (violations.Check(request.Employer is not null, "employer", "is required")) JobPostingRules.Validate(request.Employer!, violations);
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CreateEmployer), request.RequestId, request,
            (connection, transaction) => createEmployer.RunAsync(stores.In(connection, transaction), request.Employer!, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<Employer> GetEmployer(GetEmployerRequest request, ServerCallContext context)
    {
        var error = UnifiedSocialCreditCode.Validate(request.CreditCode);
        if (error is not null) throw new ValidationException("credit_code", error);
        return await employers.GetAsync(request.CreditCode, context.CancellationToken) ?? throw new NotFoundException("Employer", request.CreditCode);
    }

    public override async Task<ListEmployersResponse> ListEmployers(ListEmployersRequest request, ServerCallContext context)
    {
        var page = await pages.ListAsync(request.PageSize, request.PageToken, [request.DistrictCode], string.Empty,
            (after, size) => employers.ListAsync(after, request.DistrictCode, size, context.CancellationToken), employer => employer.CreditCode);
        return new ListEmployersResponse { Employers = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<JobPosting> CreateJobPosting(CreateJobPostingRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<JobPosting>(nameof(CreateJobPosting), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        if (violations.Check(request.JobPosting is not null, "job_posting", "is required"))
        {
            RequireRealTimestamp(request.JobPosting!.ValidThrough, "job_posting.valid_through");
            JobPostingRules.Validate(request.JobPosting!, clock.GetUtcNow(), violations);
        }
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CreateJobPosting), request.RequestId, request,
            (connection, transaction) => createPosting.RunAsync(postings.In(connection, transaction), request.JobPosting!, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<JobPosting> GetJobPosting(GetJobPostingRequest request, ServerCallContext context)
    {
        RequirePostingId(request.Id, "id");
        return await postings.GetAsync(request.Id, context.CancellationToken) ?? throw new NotFoundException("JobPosting", request.Id);
    }

    public override async Task<ListJobPostingsResponse> ListJobPostings(ListJobPostingsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        violations.CheckEnum(request.Status, "status");
        violations.ThrowIfAny();
        var page = await pages.ListAsync(request.PageSize, request.PageToken,
            [request.EmployerCreditCode, request.DistrictCode, request.OccupationCode, request.Cluster, request.Status], string.Empty,
            (after, size) => postings.ListAsync(after, request.EmployerCreditCode.Trim().ToUpperInvariant(), request.DistrictCode, request.OccupationCode,
                request.Cluster, request.Status, size, context.CancellationToken),
            posting => posting.Id);
        return new ListJobPostingsResponse { JobPostings = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<JobPosting> UpdateJobPosting(UpdateJobPostingRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<JobPosting>(nameof(UpdateJobPosting), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        long version = 0;
        if (violations.Check(request.JobPosting is not null, "job_posting", "is required"))
        {
            violations.Check(IsPostingId(request.JobPosting!.Id), "job_posting.id", "is required (at most 36 characters)");
            version = EtagField.Read(request.JobPosting.Etag, violations, "job_posting.etag");
        }
        violations.ThrowIfAny();
        JobPostingMapper.Mutable.Resolve(request.UpdateMask); // an unknown or immutable path is refused before any read
        RequireRealTimestamp(request.JobPosting!.ValidThrough, "job_posting.valid_through");
        return await idempotency.ExecuteAsync(nameof(UpdateJobPosting), request.RequestId, request,
            (connection, transaction) => updatePosting.RunAsync(postings.In(connection, transaction), request.JobPosting.Id, version,
                current => JobPostingMapper.ApplyMask(current, request.JobPosting, request.UpdateMask), context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<JobPosting> CloseJobPosting(CloseJobPostingRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<JobPosting>(nameof(CloseJobPosting), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        violations.Check(IsPostingId(request.Id), "id", "is required (at most 36 characters)");
        var version = EtagField.Read(request.Etag, violations);
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CloseJobPosting), request.RequestId, request,
            (connection, transaction) => closePosting.RunAsync(postings.In(connection, transaction), request.Id, version, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<MatchJobPostingsResponse> MatchJobPostings(MatchJobPostingsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        JobPostingRules.ValidateMatchSkills(request.Skills, violations);
        if (request.OccupationCode.Length > 0)
            violations.Check(OccupationCode.IsValid(request.OccupationCode), "occupation_code", "must be a 职业分类大典 code D-DD-DD-DD");
        ListPages.CheckSize(request.PageSize, violations);
        violations.ThrowIfAny();
        var learner = MatchScoring.LearnerLevels(request.Skills);
        var page = await pages.ListWithCursorAsync<MatchCursor?, PostingMatch>(request.PageSize, request.PageToken,
            [request.DistrictCode, request.OccupationCode, request.Cluster,
                string.Join(';', learner.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={(int)s.Value}"))],
            null,
            (after, size) => postings.MatchAsync(learner, request.DistrictCode, request.OccupationCode, request.Cluster, after, size, context.CancellationToken),
            new PageLimits(Default: 20, Maximum: 100));
        return metrics.Served(new MatchJobPostingsResponse { Matches = { page.Items }, NextPageToken = page.NextPageToken });
    }

    public override async Task<Placement> RecordPlacement(RecordPlacementRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Placement>(nameof(RecordPlacement), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        if (violations.Check(request.Placement is not null, "placement", "is required"))
        {
            JobPostingRules.Validate(request.Placement!, violations);
            CheckPlacementDates(request.Placement!, violations);
        }
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(RecordPlacement), request.RequestId, request,
            (connection, transaction) => recordPlacement.RunAsync(stores.In(connection, transaction), request.Placement!, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<ListPlacementsResponse> ListPlacements(ListPlacementsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        if (request.LearnerId.Length > 0) violations.Check(LearnerId.IsValid(request.LearnerId), "learner_id", "is not a learner id");
        if (request.EmployerCreditCode.Length > 0)
            violations.Check(UnifiedSocialCreditCode.IsValid(request.EmployerCreditCode), "employer_credit_code", "is not a unified social credit code");
        violations.ThrowIfAny();
        var creditCode = request.EmployerCreditCode.Length > 0 ? UnifiedSocialCreditCode.Normalize(request.EmployerCreditCode) : string.Empty;
        var page = await pages.ListAsync(request.PageSize, request.PageToken, [request.LearnerId, request.EmployerCreditCode], string.Empty,
            (after, size) => placements.ListAsync(after, request.LearnerId, creditCode, size, context.CancellationToken), placement => placement.Id);
        return new ListPlacementsResponse { Placements = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<ListLearnerSkillEvidenceResponse> ListLearnerSkillEvidence(ListLearnerSkillEvidenceRequest request, ServerCallContext context)
    {
        var error = LearnerId.Validate(request.LearnerId);
        if (error is not null) throw new ValidationException("learner_id", error);
        var page = await pages.ListWithCursorAsync(request.PageSize, request.PageToken, [request.LearnerId], new EvidenceCursor("", ""),
            (after, size) => placements.ListEvidenceAsync(request.LearnerId, after, size, context.CancellationToken));
        return new ListLearnerSkillEvidenceResponse { Evidence = { page.Items }, NextPageToken = page.NextPageToken };
    }

    /// <summary>One page of the learner's placements (with their ratings) and the evidence the completed ones give.</summary>
    public override async Task<ListLearnerRecordsResponse> ListLearnerRecords(ListLearnerRecordsRequest request, ServerCallContext context)
    {
        var error = LearnerId.Validate(request.LearnerId);
        if (error is not null) throw new ValidationException("learner_id", error);
        var page = await pages.ListWithEvidenceAsync(request.PageSize, request.PageToken, [request.LearnerId],
            (after, size) => placements.ListAsync(after, request.LearnerId, string.Empty, size, context.CancellationToken),
            placement => placement.Id,
            range => placements.EvidenceOfPageAsync(request.LearnerId, range.After, range.Through, context.CancellationToken));
        return LearnerRecords.Response(page, EvidenceSourceKind.Placement, placement => PlacementRepository.NameOf(placement.Id));
    }

    /// <summary>
    /// Date bounds of a placement (DateBounds): it has started, so its start lies between 1949-10-01 and today; a
    /// completed placement has also ended by today (one in progress may name a planned end).
    /// </summary>
    private void CheckPlacementDates(Placement placement, Violations violations)
    {
        var today = ChinaTime.Today(clock);
        violations.CheckDate(placement.StartDate.ToDateOnly(), "placement.start_date", DateBounds.Earliest, today, required: false);
        violations.CheckDate(placement.EndDate.ToDateOnly(), "placement.end_date", DateBounds.Earliest,
            placement.Status == PlacementStatus.Completed ? today : null, required: false);
    }

    private static bool IsPostingId(string id) => id.Length is > 0 and <= 36;

    private static void RequirePostingId(string id, string field)
    {
        if (!IsPostingId(id)) throw new ValidationException(field, "is required (at most 36 characters)");
    }

    private static void RequireSkillCode(string code, string field)
    {
        var error = SkillCode.Validate(code);
        if (error is not null) throw new ValidationException(field, error);
    }

    /// <summary>
    /// A Timestamp outside 0001-01-01..9999-12-31 (or with nanos outside 0..999,999,999) cannot be converted at all:
    /// refuse it as INVALID_ARGUMENT before any rule converts it.
    /// </summary>
    private static void RequireRealTimestamp(Google.Protobuf.WellKnownTypes.Timestamp? timestamp, string field)
    {
        if (timestamp is null) return;
        if (timestamp.Seconds is < -62_135_596_800 or > 253_402_300_799 || timestamp.Nanos is < 0 or > 999_999_999)
            throw new ValidationException(field, "is not a valid timestamp (years 1 to 9999)");
    }
}
