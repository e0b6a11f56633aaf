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

/// <summary>The gRPC face of the job postings service: validate, call the repositories, map.</summary>
public sealed class JobPostingGrpcService(
    SkillRepository skills,
    EmployerRepository employers,
    JobPostingRepository postings,
    PlacementRepository placements,
    IdempotencyStore idempotency,
    PageTokenCodec pageTokens,
    TimeProvider clock,
    JobPostingMetrics metrics) : JobPostingService.JobPostingServiceBase
{
    public override async Task<Skill> CreateSkill(CreateSkillRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Skill>(nameof(CreateSkill), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        if (violations.Check(request.Skill is not null, "skill", "is required")) JobPostingRules.Validate(request.Skill!, violations);
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CreateSkill), request.RequestId, request,
            (connection, transaction) => skills.CreateAsync(connection, transaction, request.Skill!, context.CancellationToken),
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
        violations.Check(request.PageSize >= 0, "page_size", "must not be negative");
        violations.ThrowIfAny();
        var pageSize = PageSize.Resolve(request.PageSize);
        var filter = PageTokenCodec.Fingerprint(request.Category, request.Cluster, request.OccupationCode, request.IncludeDeprecated);
        var after = pageTokens.Decode<string>(request.PageToken, filter) ?? string.Empty;
        var page = await skills.ListAsync(after, request.Category, request.Cluster, request.OccupationCode, request.IncludeDeprecated, pageSize, context.CancellationToken);
        var response = new ListSkillsResponse { Skills = { page.Items } };
        if (page.HasMore) response.NextPageToken = pageTokens.Encode(page.Items[^1].Code, filter);
        return response;
    }

    public override async Task<Skill> DeprecateSkill(DeprecateSkillRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Skill>(nameof(DeprecateSkill), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        var codeError = SkillCode.Validate(request.Code);
        if (codeError is not null) violations.Add("code", codeError);
        var successorError = SkillCode.Validate(request.SuccessorCode);
        if (successorError is not null) violations.Add("successor_code", successorError);
        else violations.Check(request.SuccessorCode != request.Code, "successor_code", "must differ from code");
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(DeprecateSkill), request.RequestId, request,
            (connection, transaction) => skills.DeprecateAsync(connection, transaction, request.Code, request.SuccessorCode, context.CancellationToken),
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
        var pageSize = PageSize.Resolve(request.PageSize);
        var filter = PageTokenCodec.Fingerprint("occupations");
        var after = pageTokens.Decode<string>(request.PageToken, filter) ?? string.Empty;
        var page = await skills.ListOccupationsAsync(after, pageSize, context.CancellationToken);
        var response = new ListOccupationsResponse { Occupations = { page.Items } };
        if (page.HasMore) response.NextPageToken = pageTokens.Encode(page.Items[^1].Code, filter);
        return response;
    }

    public override async Task<Employer> CreateEmployer(CreateEmployerRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Employer>(nameof(CreateEmployer), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        if (violations.Check(request.Employer is not null, "employer", "is required")) JobPostingRules.Validate(request.Employer!, violations);
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CreateEmployer), request.RequestId, request,
            (connection, transaction) => employers.CreateAsync(connection, transaction, request.Employer!, context.CancellationToken),
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
        var pageSize = PageSize.Resolve(request.PageSize);
        var filter = PageTokenCodec.Fingerprint(request.DistrictCode);
        var after = pageTokens.Decode<string>(request.PageToken, filter) ?? string.Empty;
        var page = await employers.ListAsync(after, request.DistrictCode, pageSize, context.CancellationToken);
        var response = new ListEmployersResponse { Employers = { page.Items } };
        if (page.HasMore) response.NextPageToken = pageTokens.Encode(page.Items[^1].CreditCode, filter);
        return response;
    }

    public override async Task<JobPosting> CreateJobPosting(CreateJobPostingRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<JobPosting>(nameof(CreateJobPosting), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        if (violations.Check(request.JobPosting is not null, "job_posting", "is required"))
        {
            RequireRealTimestamp(request.JobPosting!.ValidThrough, "job_posting.valid_through");
            JobPostingRules.Validate(request.JobPosting!, clock.GetUtcNow(), violations);
        }
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CreateJobPosting), request.RequestId, request,
            (connection, transaction) => postings.CreateAsync(connection, transaction, request.JobPosting!, context.CancellationToken),
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
        var pageSize = PageSize.Resolve(request.PageSize);
        var filter = PageTokenCodec.Fingerprint(request.EmployerCreditCode, request.DistrictCode, request.OccupationCode, request.Cluster, request.Status);
        var after = pageTokens.Decode<string>(request.PageToken, filter) ?? string.Empty;
        var page = await postings.ListAsync(after, request.EmployerCreditCode.Trim().ToUpperInvariant(), request.DistrictCode, request.OccupationCode,
            request.Cluster, request.Status, pageSize, context.CancellationToken);
        var response = new ListJobPostingsResponse { JobPostings = { page.Items } };
        if (page.HasMore) response.NextPageToken = pageTokens.Encode(page.Items[^1].Id, filter);
        return response;
    }

    public override async Task<JobPosting> UpdateJobPosting(UpdateJobPostingRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<JobPosting>(nameof(UpdateJobPosting), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        if (request.JobPosting is null) throw new ValidationException("job_posting", "is required");
        RequirePostingId(request.JobPosting.Id, "job_posting.id");
        var version = Etags.Parse(request.JobPosting.Etag, "job_posting.etag");
        var current = await postings.GetAsync(request.JobPosting.Id, context.CancellationToken)
                      ?? throw new NotFoundException("JobPosting", request.JobPosting.Id);
        var updated = JobPostingMapper.ApplyMask(current, request.JobPosting, request.UpdateMask);
        RequireRealTimestamp(updated.ValidThrough, "job_posting.valid_through");
        var violations = new Violations();
        JobPostingRules.Validate(updated, clock.GetUtcNow(), violations);
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(UpdateJobPosting), request.RequestId, request,
            (connection, transaction) => postings.UpdateAsync(connection, transaction, updated, version, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<JobPosting> CloseJobPosting(CloseJobPostingRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<JobPosting>(nameof(CloseJobPosting), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        violations.Check(IsPostingId(request.Id), "id", "is required (at most 36 characters)");
        long version = 0;
        try
        {
            version = Etags.Parse(request.Etag);
        }
        catch (ValidationException invalid)
        {
            violations.Add("etag", invalid.Violations[0].Description);
        }
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CloseJobPosting), request.RequestId, request,
            (connection, transaction) => postings.CloseAsync(connection, transaction, request.Id, version, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<MatchJobPostingsResponse> MatchJobPostings(MatchJobPostingsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        JobPostingRules.ValidateMatchSkills(request.Skills, violations);
        if (request.OccupationCode.Length > 0)
            violations.Check(OccupationCode.IsValid(request.OccupationCode), "occupation_code", "must be a 职业分类大典 code D-DD-DD-DD");
        violations.Check(request.PageSize >= 0, "page_size", "must not be negative");
        violations.ThrowIfAny();
        var pageSize = PageSize.Resolve(request.PageSize, defaultSize: 20, maximum: 100);
        var learner = MatchScoring.LearnerLevels(request.Skills);
        var filter = PageTokenCodec.Fingerprint(request.DistrictCode, request.OccupationCode, request.Cluster,
            string.Join(';', learner.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={(int)s.Value}")));
        var after = pageTokens.Decode<MatchCursor>(request.PageToken, filter);
        var (matches, next) = await postings.MatchAsync(learner, request.DistrictCode, request.OccupationCode, request.Cluster, after, pageSize, context.CancellationToken);
        var response = new MatchJobPostingsResponse { Matches = { matches } };
        if (next is not null) response.NextPageToken = pageTokens.Encode(next, filter);
        return metrics.Served(response);
    }

    public override async Task<Placement> RecordPlacement(RecordPlacementRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Placement>(nameof(RecordPlacement), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        if (violations.Check(request.Placement is not null, "placement", "is required"))
        {
            JobPostingRules.Validate(request.Placement!, violations);
            CheckPlacementDates(request.Placement!, violations);
        }
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(RecordPlacement), request.RequestId, request,
            (connection, transaction) => placements.RecordAsync(connection, transaction, request.Placement!, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<ListPlacementsResponse> ListPlacements(ListPlacementsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        if (request.LearnerId.Length > 0) violations.Check(LearnerId.IsValid(request.LearnerId), "learner_id", "is not a learner id");
        if (request.EmployerCreditCode.Length > 0)
            violations.Check(UnifiedSocialCreditCode.IsValid(request.EmployerCreditCode), "employer_credit_code", "is not a unified social credit code");
        violations.ThrowIfAny();
        var pageSize = PageSize.Resolve(request.PageSize);
        var filter = PageTokenCodec.Fingerprint(request.LearnerId, request.EmployerCreditCode);
        var after = pageTokens.Decode<string>(request.PageToken, filter) ?? string.Empty;
        var creditCode = request.EmployerCreditCode.Length > 0 ? UnifiedSocialCreditCode.Normalize(request.EmployerCreditCode) : string.Empty;
        var page = await placements.ListAsync(after, request.LearnerId, creditCode, pageSize, context.CancellationToken);
        var response = new ListPlacementsResponse { Placements = { page.Items } };
        if (page.HasMore) response.NextPageToken = pageTokens.Encode(page.Items[^1].Id, filter);
        return response;
    }

    public override async Task<ListLearnerSkillEvidenceResponse> ListLearnerSkillEvidence(ListLearnerSkillEvidenceRequest request, ServerCallContext context)
    {
        var error = LearnerId.Validate(request.LearnerId);
        if (error is not null) throw new ValidationException("learner_id", error);
        var pageSize = PageSize.Resolve(request.PageSize);
        var filter = PageTokenCodec.Fingerprint(request.LearnerId);
        var after = pageTokens.Decode<EvidenceCursor>(request.PageToken, filter) ?? new EvidenceCursor("", "");
        var (evidence, next) = await placements.ListEvidenceAsync(request.LearnerId, after, pageSize, context.CancellationToken);
        var response = new ListLearnerSkillEvidenceResponse { Evidence = { evidence } };
        if (next is not null) response.NextPageToken = pageTokens.Encode(next, filter);
        return response;
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
