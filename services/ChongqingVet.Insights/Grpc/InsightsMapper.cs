using ChongqingVet.Insights.Domain;
using ChongqingVet.Common.V1;
using Google.Protobuf.WellKnownTypes;
using Proto = ChongqingVet.Insights.V1;

namespace ChongqingVet.Insights.Grpc;

/// <summary>Indicator records → messages.</summary>
public static class InsightsMapper
{
    public static Proto.DataWindow ToProto(DataWindow window) => new() { StartDate = window.Start.ToProtoDate(), EndDate = window.End.ToProtoDate() };

    public static Proto.Figure ToProto(Figure figure) => new()
    {
        Key = figure.Key,
        Label = figure.Label,
        Numerator = figure.Numerator,
        Denominator = figure.Denominator,
        Value = figure.Value,
        Suppressed = figure.Suppressed,
    };

    public static Proto.IndicatorReport ToProto(Indicator indicator, DateTimeOffset now, int minimumCellSize) => new()
    {
        MinimumCellSize = minimumCellSize,
        Definition = indicator.Definition,
        Derivation = indicator.Derivation,
        Window = ToProto(indicator.Window),
        Total = ToProto(indicator.Total),
        Figures = { indicator.Figures.Select(ToProto) },
        ComputeTime = Timestamp.FromDateTimeOffset(now),
    };

    public static Proto.SkillGap ToProto(SkillGap gap) => new()
    {
        Key = gap.Key,
        SkillCode = gap.SkillCode,
        Supply = gap.Supply,
        Demand = gap.Demand,
        OpenPostings = gap.OpenPostings,
        GapIndex = gap.GapIndex,
        SupplySuppressed = gap.SupplySuppressed,
    };

    public static Proto.SkillSupplyDemandReport ToProto(SupplyDemandReport report, DateTimeOffset now, int minimumCellSize) => new()
    {
        MinimumCellSize = minimumCellSize,
        Definition = report.Definition,
        Derivation = report.Derivation,
        Window = ToProto(report.Window),
        Dimension = (Proto.Dimension)(int)report.Dimension,
        MinLevel = (Common.V1.SkillLevel)report.MinLevel,
        Gaps = { report.Gaps.Select(ToProto) },
        TopShortages = { report.TopShortages.Select(ToProto) },
        ComputeTime = Timestamp.FromDateTimeOffset(now),
    };

    public static Proto.AchievementOutcomesReport ToProto(AchievementOutcomes outcomes, DateTimeOffset now, int minimumCellSize) => new()
    {
        MinimumCellSize = minimumCellSize,
        CertificatesIssuedSuppressed = outcomes.CertificatesIssuedSuppressed,
        CertificatesRevokedSuppressed = outcomes.CertificatesRevokedSuppressed,
        Definition = outcomes.Definition,
        Window = ToProto(outcomes.Window),
        CertificatesByTypeLevelYear = { outcomes.CertificatesByTypeLevelYear.Select(r => new Proto.CountRow { Key = r.Key, Count = r.Count, Suppressed = r.Suppressed }) },
        CertificatesIssued = outcomes.CertificatesIssued,
        CertificatesRevoked = outcomes.CertificatesRevoked,
        AwardsByTier = { outcomes.AwardsByTier.Select(r => new Proto.CountRow { Key = r.Key, Count = r.Count, Suppressed = r.Suppressed }) },
        CertificateUptake = ToProto(outcomes.CertificateUptake, now, minimumCellSize),
        AwardUptake = ToProto(outcomes.AwardUptake, now, minimumCellSize),
        ComputeTime = Timestamp.FromDateTimeOffset(now),
    };
}
