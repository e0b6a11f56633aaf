using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Time;
using ChongqingVet.Insights.Data;
using ChongqingVet.Insights.Domain;
using ChongqingVet.Insights.V1;
using ChongqingVet.Common.V1;
using Grpc.Core;
using DataWindow = ChongqingVet.Insights.Domain.DataWindow;

namespace ChongqingVet.Insights.Grpc;

/// <summary>
/// The gRPC face of the insights service: check the request's shape, load the read model, run one indicator, withhold
/// small groups (<see cref="Disclosure"/>, k from <see cref="DisclosureOptions"/>), map.
/// </summary>
public sealed class InsightsGrpcService(ReadModelStore store, TimeProvider time, DisclosureOptions disclosure) : InsightsService.InsightsServiceBase
{
    private int K => disclosure.MinimumCellSize;

    public const int DefaultTop = 10;
    public const int MaxTop = 100;
    public const int MaxKeyLength = 200;

    public override async Task<SkillSupplyDemandReport> GetSkillSupplyDemand(GetSkillSupplyDemandRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        violations.CheckEnum(request.Dimension, "dimension");
        violations.CheckEnum(request.MinLevel, "min_level");
        violations.Check(request.Key.Length <= MaxKeyLength, "key", $"must be at most {MaxKeyLength} characters");
        violations.Check(request.Top is >= 0 and <= MaxTop, "top", $"must be between 0 and {MaxTop}");
        var (start, end) = CheckWindow(request.StartDate, request.EndDate, violations);
        violations.ThrowIfAny();

        var derived = new Derivations(await store.LoadAsync(context.CancellationToken));
        var window = DataWindow.Resolve(start, end, derived.Model, ChinaTime.Today(time));
        var minLevel = request.MinLevel == Common.V1.SkillLevel.Unspecified ? 1 : (int)request.MinLevel;
        var report = Indicators.SkillSupplyDemand(derived, window, (GroupBy)(int)request.Dimension, minLevel, request.Key,
            request.Top == 0 ? DefaultTop : request.Top, K);
        return InsightsMapper.ToProto(report, time.GetUtcNow(), K);
    }

    public override async Task<IndicatorReport> GetProgrammeIndustryMatch(GetProgrammeIndustryMatchRequest request, ServerCallContext context) =>
        // Programme points are schools offering a major, not individuals: nothing to withhold.
        await IndicatorAsync(request.StartDate, request.EndDate, Indicators.ProgrammeIndustryMatch, context, protect: false);

    public override async Task<IndicatorReport> GetEmploymentRelevance(GetEmploymentRelevanceRequest request, ServerCallContext context) =>
        await IndicatorAsync(request.StartDate, request.EndDate, Indicators.EmploymentRelevance, context);

    public override async Task<IndicatorReport> GetLocalRetention(GetLocalRetentionRequest request, ServerCallContext context) =>
        await IndicatorAsync(request.StartDate, request.EndDate, Indicators.LocalRetention, context);

    public override async Task<AchievementOutcomesReport> GetAchievementOutcomes(GetAchievementOutcomesRequest request, ServerCallContext context)
    {
        var violations = new Violations();
        var (start, end) = CheckWindow(request.StartDate, request.EndDate, violations);
        violations.ThrowIfAny();
        var derived = new Derivations(await store.LoadAsync(context.CancellationToken));
        var window = DataWindow.Resolve(start, end, derived.Model, ChinaTime.Today(time));
        return InsightsMapper.ToProto(Disclosure.Protect(Indicators.Outcomes(derived, window), K), time.GetUtcNow(), K);
    }

    public override async Task<FeedStatus> GetFeedStatus(GetFeedStatusRequest request, ServerCallContext context)
    {
        var (cursors, resources) = await store.StatusAsync(context.CancellationToken);
        var status = new FeedStatus();
        foreach (var source in ReadModelMapper.TypesBySource.Keys.Union(cursors.Select(c => c.Source)).Union(resources.Keys).Order(StringComparer.Ordinal))
        {
            var cursor = cursors.FirstOrDefault(c => c.Source == source);
            status.Sources.Add(new SourceStatus
            {
                Source = source,
                Sequence = cursor?.Sequence ?? 0,
                ApplyTime = cursor is null ? null : ProtoConversions.ToTimestamp(cursor.AppliedAt),
                Resources = resources.GetValueOrDefault(source),
            });
        }
        return status;
    }

    private async Task<IndicatorReport> IndicatorAsync(Google.Type.Date? startDate, Google.Type.Date? endDate,
        Func<Derivations, DataWindow, Indicator> indicator, ServerCallContext context, bool protect = true)
    {
        var violations = new Violations();
        var (start, end) = CheckWindow(startDate, endDate, violations);
        violations.ThrowIfAny();
        var derived = new Derivations(await store.LoadAsync(context.CancellationToken));
        var window = DataWindow.Resolve(start, end, derived.Model, ChinaTime.Today(time));
        var figures = indicator(derived, window);
        return InsightsMapper.ToProto(protect ? Disclosure.Protect(figures, K) : figures, time.GetUtcNow(), K);
    }

    /// <summary>Optional dates must be real calendar dates, and the start not after the end.</summary>
    private static (DateOnly? Start, DateOnly? End) CheckWindow(Google.Type.Date? startDate, Google.Type.Date? endDate, Violations violations)
    {
        var start = startDate.ToDateOnly();
        var end = endDate.ToDateOnly();
        violations.Check(startDate is null || start is not null, "start_date", "is not a calendar date");
        violations.Check(endDate is null || end is not null, "end_date", "is not a calendar date");
        if (start is { } s && end is { } e) violations.Check(s <= e, "start_date", "must not be after end_date");
        return (start, end);
    }
}
