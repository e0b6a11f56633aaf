using ChongqingVet.ServiceDefaults;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Domain.Errors;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.Competitions.Grpc;

/// <summary>Applies update masks (AIP-134) to competitions and results.</summary>
public static class CompetitionMapper
{
    private static readonly string[] CompetitionFields = ["name", "series", "tier", "year", "organiser", "district_code", "start_date", "end_date", "status"];
    private static readonly string[] ResultFields = ["award_grade", "rank", "score", "team_name"];

    public static Competition ApplyMask(Competition current, Competition changes, FieldMask? mask)
    {
        var updated = current.Clone();
        foreach (var path in Paths(mask, CompetitionFields))
        {
            switch (path)
            {
                case "name": updated.Name = changes.Name; break;
                case "series": updated.Series = changes.Series; break;
                case "tier": updated.Tier = changes.Tier; break;
                case "year": updated.Year = changes.Year; break;
                case "organiser": updated.Organiser = changes.Organiser; break;
                case "district_code": updated.DistrictCode = changes.DistrictCode; break;
                case "start_date": updated.StartDate = changes.StartDate?.Clone(); break;
                case "end_date": updated.EndDate = changes.EndDate?.Clone(); break;
                case "status": updated.Status = changes.Status; break;
            }
        }
        return updated;
    }

    public static Result ApplyMask(Result current, Result changes, FieldMask? mask)
    {
        var updated = current.Clone();
        foreach (var path in Paths(mask, ResultFields))
        {
            switch (path)
            {
                case "award_grade": updated.AwardGrade = changes.AwardGrade; break;
                case "rank": updated.Rank = changes.Rank; break;
                case "team_name": updated.TeamName = changes.TeamName; break;
                case "score":
                    if (changes.HasScore) updated.Score = changes.Score;
                    else updated.ClearScore();
                    break;
            }
        }
        return updated;
    }

    private static IReadOnlyList<string> Paths(FieldMask? mask, string[] updatable) => UpdateMasks.Resolve(mask, updatable);
}
