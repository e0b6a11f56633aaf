using ChongqingVet.ApiKit;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.Data;
using ChongqingVet.Competitions.Domain;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Time;
using ChongqingVet.ServiceDefaults.Security;
using Grpc.Core;

namespace ChongqingVet.Competitions.Grpc;

/// <summary>The gRPC face of the competitions service: validate, call the repositories, map.</summary>
public sealed class CompetitionGrpcService(
    CompetitionRepository competitions,
    ResultRepository results,
    AwardRuleRepository awardRules,
    CompetitionStores stores,
    RecordResult recordResult,
    UpdateResult updateResult,
    CreateCompetition createCompetition,
    UpdateCompetition updateCompetition,
    CreateEvent createEvent,
    UpdateAwardRule updateAwardRule,
    IdempotencyStore idempotency,
    ListPages pages,
    TimeProvider clock) : CompetitionService.CompetitionServiceBase
{
    public override async Task<Competition> CreateCompetition(CreateCompetitionRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Competition>(nameof(CreateCompetition), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        if (violations.Check(request.Competition is not null, "competition", "is required"))
        {
            CompetitionRules.Validate(request.Competition!, violations);
            CheckDates(request.Competition!, violations);
        }
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CreateCompetition), request.RequestId, request,
            (connection, transaction) => createCompetition.RunAsync(stores.In(connection, transaction), request.Competition!, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<Competition> GetCompetition(GetCompetitionRequest request, ServerCallContext context)
    {
        RequireId(request.Id, "id");
        return await competitions.GetAsync(request.Id, context.CancellationToken) ?? throw new NotFoundException("Competition", request.Id);
    }

    public override async Task<BatchGetCompetitionsResponse> BatchGetCompetitions(BatchGetCompetitionsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        CodeLists.Check(request.Ids, CodeLists.MaxBatchGet, "ids", id => id.Length is 0 or > 36 ? "is required (at most 36 characters)" : null, violations);
        violations.ThrowIfAny();
        var found = await competitions.GetManyAsync(request.Ids, context.CancellationToken);
        var known = found.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        return new BatchGetCompetitionsResponse { Competitions = { found }, MissingIds = { request.Ids.Where(id => !known.Contains(id)).Distinct() } };
    }

    public override async Task<ListCompetitionsResponse> ListCompetitions(ListCompetitionsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        if (request.DistrictCode.Length > 0)
            violations.Check(ChongqingDistricts.Find(request.DistrictCode) is not null, "district_code", "is not a Chongqing district or county code (GB/T 2260)");
        if (request.Year != 0)
            violations.Check(DateBounds.IsYear(request.Year, ChinaTime.Today(clock)), "year", $"must be between {DateBounds.EarliestYear} and next year (or 0 for any)");
        violations.CheckEnum(request.Tier, "tier");
        violations.CheckEnum(request.Status, "status");
        violations.ThrowIfAny();
        var filter = new CompetitionRepository.CompetitionFilter(request.Series, request.Tier, request.Year, request.DistrictCode, request.Status);
        var page = await pages.ListAsync<CompetitionCursor?, Competition>(request.PageSize, request.PageToken,
            [filter.Series, filter.Tier, filter.Year, filter.DistrictCode, filter.Status], null,
            (after, size) => competitions.ListAsync(after is null ? null : (after.StartDate, after.Id), filter, size, context.CancellationToken),
            last => new CompetitionCursor(last.StartDate.ToDateOnly()!.Value.ToStoredDate(), last.Id));
        return new ListCompetitionsResponse { Competitions = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<Competition> UpdateCompetition(UpdateCompetitionRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Competition>(nameof(UpdateCompetition), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        long version = 0;
        if (violations.Check(request.Competition is not null, "competition", "is required"))
        {
            CheckId(request.Competition!.Id, "competition.id", violations);
            version = EtagField.Read(request.Competition.Etag, violations, "competition.etag");
        }
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(UpdateCompetition), request.RequestId, request,
            (connection, transaction) => updateCompetition.RunAsync(stores.In(connection, transaction), request.Competition!.Id, version,
                current => CompetitionMapper.ApplyMask(current, request.Competition, request.UpdateMask), context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<Event> CreateEvent(CreateEventRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Event>(nameof(CreateEvent), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        if (violations.Check(request.Event is not null, "event", "is required"))
            CompetitionRules.Validate(request.Event!, violations);
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(CreateEvent), request.RequestId, request,
            (connection, transaction) => createEvent.RunAsync(stores.In(connection, transaction), request.Event!, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<Event> GetEvent(GetEventRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        violations.Check(request.CompetitionId.Length is > 0 and <= 36, "competition_id", "is required");
        var codeError = CompetitionRules.ValidateEventCode(request.Code);
        if (codeError is not null) violations.Add("code", codeError);
        violations.ThrowIfAny();
        return await competitions.GetEventAsync(request.CompetitionId, request.Code, context.CancellationToken)
               ?? throw new NotFoundException("Event", $"{request.CompetitionId}/{request.Code}");
    }

    public override async Task<ListEventsResponse> ListEvents(ListEventsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        if (request.SkillCode.Length > 0) violations.Check(SkillCode.IsValid(request.SkillCode), "skill_code", "is not a skill code");
        violations.Check(request.CompetitionId.Length <= 36, "competition_id", "is not a competition id");
        CodeLists.CheckSkillCodes(request.SkillCodes, violations);
        violations.ThrowIfAny();
        var today = ChinaTime.Today(clock).ToStoredDate();
        var skillCodes = request.SkillCodes.Distinct(StringComparer.Ordinal).ToArray();
        // Bound to today as well: "upcoming" changes at midnight, and a token must not skip or repeat events then.
        var page = await pages.ListAsync(request.PageSize, request.PageToken,
            [request.CompetitionId, request.SkillCode, request.UpcomingOnly, request.UpcomingOnly ? today : "", CodeLists.FilterKey(skillCodes)], new EventCursor("", ""),
            (after, size) => competitions.ListEventsAsync((after.CompetitionId, after.Code), request.CompetitionId, request.SkillCode,
                request.UpcomingOnly, today, size, context.CancellationToken, skillCodes),
            last => new EventCursor(last.CompetitionId, last.Code));
        return new ListEventsResponse { Events = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<Result> RecordResult(RecordResultRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Result>(nameof(RecordResult), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        if (!violations.Check(request.Result is not null, "result", "is required")) violations.ThrowIfAny();
        var result = request.Result!;
        CompetitionRules.ValidateResultFields(result, violations);
        violations.ThrowIfAny();
        var caller = context.GetCaller();
        return await idempotency.ExecuteAsync(nameof(RecordResult), request.RequestId, request,
            (connection, transaction) => recordResult.RunAsync(stores.In(connection, transaction), caller, result, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<Result> UpdateResult(UpdateResultRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<Result>(nameof(UpdateResult), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        long version = 0;
        if (violations.Check(request.Result is not null, "result", "is required"))
        {
            CheckId(request.Result!.Id, "result.id", violations);
            version = EtagField.Read(request.Result.Etag, violations, "result.etag");
        }
        violations.ThrowIfAny();
        var caller = context.GetCaller();
        return await idempotency.ExecuteAsync(nameof(UpdateResult), request.RequestId, request,
            (connection, transaction) => updateResult.RunAsync(stores.In(connection, transaction), caller, request.Result!.Id, version,
                current => CompetitionMapper.ApplyMask(current, request.Result, request.UpdateMask), context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<ListResultsResponse> ListResults(ListResultsRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        if (request.LearnerId.Length > 0) violations.Check(LearnerId.IsValid(request.LearnerId), "learner_id", "is not a learner id");
        if (request.EventCode.Length > 0) violations.Check(request.CompetitionId.Length > 0, "competition_id", "is required with event_code");
        violations.Check(request.CompetitionId.Length <= 36, "competition_id", "is not a competition id");
        violations.ThrowIfAny();
        var page = await pages.ListAsync(request.PageSize, request.PageToken, [request.LearnerId, request.CompetitionId, request.EventCode], string.Empty,
            (after, size) => results.ListAsync(after, request.LearnerId, request.CompetitionId, request.EventCode, size, context.CancellationToken),
            result => result.Id);
        return new ListResultsResponse { Results = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<ListAwardRulesResponse> ListAwardRules(ListAwardRulesRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        violations.CheckEnum(request.Tier, "tier");
        violations.ThrowIfAny();
        var page = await pages.ListAsync(request.PageSize, request.PageToken, [request.Tier], new RuleCursor(0, 0),
            (after, size) => awardRules.ListAsync((after.Tier, after.Grade), request.Tier, size, context.CancellationToken),
            last => new RuleCursor((int)last.Tier, (int)last.AwardGrade));
        return new ListAwardRulesResponse { Rules = { page.Items }, NextPageToken = page.NextPageToken };
    }

    public override async Task<AwardRule> UpdateAwardRule(UpdateAwardRuleRequest request, ServerCallContext context)
    {
        if (await idempotency.TryReplayAsync<AwardRule>(nameof(UpdateAwardRule), request.RequestId, request, context.CancellationToken) is { } replay) return replay;
        var violations = new Violations();
        RequestIds.Check(request.RequestId, violations);
        if (violations.Check(request.Rule is not null, "rule", "is required"))
            Domain.UpdateAwardRule.Validate(request.Rule!, violations); // every violation at once, before the transaction
        violations.ThrowIfAny();
        return await idempotency.ExecuteAsync(nameof(UpdateAwardRule), request.RequestId, request,
            (connection, transaction) => updateAwardRule.RunAsync(stores.In(connection, transaction), request.Rule!, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task<ListLearnerSkillEvidenceResponse> ListLearnerSkillEvidence(ListLearnerSkillEvidenceRequest request, ServerCallContext context)
    {
        var error = LearnerId.Validate(request.LearnerId);
        if (error is not null) throw new ValidationException("learner_id", error);
        var page = await pages.ListWithCursorAsync(request.PageSize, request.PageToken, [request.LearnerId], new EvidenceCursor("", ""),
            async (after, size) =>
            {
                var (evidence, next) = await results.ListEvidenceAsync(request.LearnerId, (after.ResultId, after.Skill), size, context.CancellationToken);
                return (evidence, next is { } cursor ? new EvidenceCursor(cursor.ResultId, cursor.Skill) : null);
            });
        return new ListLearnerSkillEvidenceResponse { Evidence = { page.Items }, NextPageToken = page.NextPageToken };
    }

    /// <summary>One page of the learner's results with the evidence their awards give.</summary>
    public override async Task<ListLearnerRecordsResponse> ListLearnerRecords(ListLearnerRecordsRequest request, ServerCallContext context)
    {
        var error = LearnerId.Validate(request.LearnerId);
        if (error is not null) throw new ValidationException("learner_id", error);
        var page = await pages.ListWithEvidenceAsync(request.PageSize, request.PageToken, [request.LearnerId],
            (after, size) => results.ListAsync(after, request.LearnerId, string.Empty, string.Empty, size, context.CancellationToken),
            result => result.Id,
            range => results.EvidenceOfPageAsync(request.LearnerId, range.After, range.Through, context.CancellationToken));
        return LearnerRecords.Response(page, EvidenceSourceKind.Competition, result => ResultRepository.NameOf(result.CompetitionId, result.EventCode, result.Id));
    }

    private sealed record CompetitionCursor(string StartDate, string Id);

    private sealed record EventCursor(string CompetitionId, string Code);

    private sealed record RuleCursor(int Tier, int Grade);

    private sealed record EvidenceCursor(string ResultId, string Skill);

    /// <summary>
    /// Date bounds of a competition (DateBounds): start and end not before 1949-10-01, and the year, start and end not
    /// after next year (competitions are announced ahead, never further).
    /// </summary>
    private void CheckDates(Competition competition, Violations violations) => CompetitionDates.Check(competition, ChinaTime.Today(clock), violations);

    private static void CheckId(string id, string field, Violations violations) =>
        violations.Check(id.Length is > 0 and <= 36, field, "is required (at most 36 characters)");

    private static void RequireId(string id, string field)
    {
        if (id.Length is 0 or > 36) throw new ValidationException(field, "is required (at most 36 characters)");
    }
}
