using ChongqingVet.ApiKit;
using ChongqingVet.Competitions.V1;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.Competitions.Grpc;

/// <summary>Applies update masks (AIP-134) to competitions and results.</summary>
public static class CompetitionMapper
{
    /// <summary>The mutable fields of a competition (id, organiser organisation and etag are fixed).</summary>
    public static readonly MutableFields<Competition> CompetitionFields =
        new("name", "series", "tier", "year", "organiser", "district_code", "start_date", "end_date", "status");

    /// <summary>The mutable fields of a result (who, where and which event are fixed).</summary>
    public static readonly MutableFields<Result> ResultFields = new("award_grade", "rank", "score", "team_name");

    public static Competition ApplyMask(Competition current, Competition changes, FieldMask? mask) =>
        CompetitionFields.Apply(current, changes, mask);

    public static Result ApplyMask(Result current, Result changes, FieldMask? mask) =>
        ResultFields.Apply(current, changes, mask);
}
