using System.Text.RegularExpressions;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Competitions.Domain;

/// <summary>Rules of competitions, events and results, as plain functions.</summary>
public static partial class CompetitionRules
{
    public const int MaxTeamSize = 20;
    public const int MaxSkillsPerEvent = 30;

    [GeneratedRegex("^(ZZ|GZ)[0-9]{3}$")]
    private static partial Regex NationalCodePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
    private static partial Regex FreeCodePattern();

    /// <summary>The scheme an award grade belongs to; PARTICIPATION belongs to every scheme.</summary>
    public static AwardScheme SchemeOf(AwardGrade grade) => grade switch
    {
        AwardGrade.FirstPrize or AwardGrade.SecondPrize or AwardGrade.ThirdPrize => AwardScheme.PrizeClass,
        AwardGrade.Gold or AwardGrade.Silver or AwardGrade.Bronze => AwardScheme.Medal,
        AwardGrade.WorldskillsGold or AwardGrade.WorldskillsSilver or AwardGrade.WorldskillsBronze or AwardGrade.MedallionForExcellence => AwardScheme.Worldskills,
        AwardGrade.Participation => AwardScheme.None,
        _ => AwardScheme.Unspecified,
    };

    /// <summary>Whether an event of <paramref name="scheme"/> may give <paramref name="grade"/>.</summary>
    public static bool SchemeAllows(AwardScheme scheme, AwardGrade grade) =>
        grade == AwardGrade.Participation ? Enum.IsDefined(scheme) && scheme != AwardScheme.Unspecified : SchemeOf(grade) == scheme && scheme != AwardScheme.None;

    /// <summary>Every violation of a competition (create, or update after the mask is applied).</summary>
    public static void Validate(Competition competition, Violations violations, string prefix = "competition.")
    {
        violations.RequireText(competition.Name, prefix + "name");
        violations.RequireText(competition.Series, prefix + "series", 100);
        violations.Check(competition.Tier != CompetitionTier.Unspecified && Enum.IsDefined(competition.Tier), prefix + "tier", "is required");
        violations.Check(competition.Year is >= 2000 and <= 2100, prefix + "year", "must be between 2000 and 2100");
        violations.RequireText(competition.Organiser, prefix + "organiser");
        if (competition.DistrictCode.Length > 0)
        {
            var error = ChongqingDistricts.Validate(competition.DistrictCode);
            if (error is not null) violations.Add(prefix + "district_code", error);
        }
        var start = competition.StartDate.ToDateOnly();
        var end = competition.EndDate.ToDateOnly();
        violations.Check(start is not null, prefix + "start_date", "is required and must be a real date");
        if (violations.Check(end is not null, prefix + "end_date", "is required and must be a real date") && start is not null)
            violations.Check(end >= start, prefix + "end_date", "must not be before start_date");
        violations.Check(competition.Status != CompetitionStatus.Unspecified && Enum.IsDefined(competition.Status), prefix + "status", "is required");
        if (competition.OrganiserCreditCode.Length > 0)
        {
            var creditError = UnifiedSocialCreditCode.Validate(competition.OrganiserCreditCode);
            if (creditError is not null) violations.Add(prefix + "organiser_credit_code", creditError);
        }
    }

    /// <summary>Every violation of an event that needs no database.</summary>
    public static void Validate(Event competitionEvent, Violations violations, string prefix = "event.")
    {
        violations.Check(competitionEvent.CompetitionId.Length is > 0 and <= 36, prefix + "competition_id", "is required");
        var codeError = ValidateEventCode(competitionEvent.Code);
        if (codeError is not null) violations.Add(prefix + "code", codeError);
        violations.RequireText(competitionEvent.Name, prefix + "name");
        violations.Check(competitionEvent.Group != EventGroup.Unspecified && Enum.IsDefined(competitionEvent.Group), prefix + "group", "is required");
        violations.Check(competitionEvent.AwardScheme != AwardScheme.Unspecified && Enum.IsDefined(competitionEvent.AwardScheme), prefix + "award_scheme", "is required");
        switch (competitionEvent.Participation)
        {
            case Participation.Individual:
                violations.Check(competitionEvent.MinTeamSize is 0 or 1, prefix + "min_team_size", "must be 1 (or unset) for an individual event");
                violations.Check(competitionEvent.MaxTeamSize is 0 or 1, prefix + "max_team_size", "must be 1 (or unset) for an individual event");
                break;
            case Participation.Team:
                violations.Check(competitionEvent.MinTeamSize is >= 2 and <= MaxTeamSize, prefix + "min_team_size", $"must be between 2 and {MaxTeamSize} for a team event");
                violations.Check(competitionEvent.MaxTeamSize >= competitionEvent.MinTeamSize && competitionEvent.MaxTeamSize <= MaxTeamSize,
                    prefix + "max_team_size", $"must be between min_team_size and {MaxTeamSize}");
                break;
            default:
                violations.Add(prefix + "participation", "is required");
                break;
        }
        if (!violations.Check(competitionEvent.SkillsTested.Count is > 0 and <= MaxSkillsPerEvent, prefix + "skills_tested", $"must list 1 to {MaxSkillsPerEvent} skills"))
            return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < competitionEvent.SkillsTested.Count; i++)
        {
            var skill = competitionEvent.SkillsTested[i];
            var path = $"{prefix}skills_tested[{i}]";
            var error = SkillCode.Validate(skill.SkillCode);
            if (error is not null) violations.Add(path + ".skill_code", error);
            else if (!seen.Add(skill.SkillCode)) violations.Add(path + ".skill_code", "is listed twice");
            violations.Check(skill.Level != SkillLevel.Unspecified && Enum.IsDefined(skill.Level), path + ".level", "is required");
        }
    }

    /// <summary>ZZnnn / GZnnn for national events; other codes are letters, digits, '-' and '_' (at most 32).</summary>
    public static string? ValidateEventCode(string code)
    {
        if (string.IsNullOrEmpty(code)) return "is required";
        return FreeCodePattern().IsMatch(code) ? null : "must be 1 to 32 letters, digits, '-' or '_' (national events: ZZnnn or GZnnn)";
    }

    /// <summary>National events must use the ZZnnn (中职) or GZnnn (高职) code of the national plan.</summary>
    public static void CheckAgainstCompetition(Event competitionEvent, Competition competition, Violations violations, string prefix = "event.")
    {
        if (competition.Tier == CompetitionTier.National && !NationalCodePattern().IsMatch(competitionEvent.Code))
            violations.Add(prefix + "code", "a national event's code is ZZnnn (中职) or GZnnn (高职)");
    }

    /// <summary>Field checks of a result that need only the request.</summary>
    public static void ValidateResultFields(Result result, Violations violations, string prefix = "result.")
    {
        violations.Check(result.CompetitionId.Length is > 0 and <= 36, prefix + "competition_id", "is required");
        violations.Check(result.EventCode.Length > 0, prefix + "event_code", "is required");
        violations.Check(result.AwardGrade != AwardGrade.Unspecified && Enum.IsDefined(result.AwardGrade), prefix + "award_grade",
            "is required (PARTICIPATION when there is no award)");
        ValidateRankAndScore(result.Rank, result.HasScore ? result.Score : null, violations, prefix);
        violations.Check(result.TeamName.Length <= 200, prefix + "team_name", "must be at most 200 characters");
        if (!violations.Check(result.Participants.Count > 0, prefix + "participants", "must list at least one learner")) return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < result.Participants.Count; i++)
        {
            var participant = result.Participants[i];
            var path = $"{prefix}participants[{i}].learner_id";
            var error = LearnerId.Validate(participant.LearnerId);
            if (error is not null) violations.Add(path, error);
            else if (!seen.Add(participant.LearnerId)) violations.Add(path, "is listed twice");
        }
    }

    public static void ValidateRankAndScore(int rank, double? score, Violations violations, string prefix = "result.")
    {
        violations.Check(rank >= 0, prefix + "rank", "must be 1 or more (0 = unranked)");
        if (score is { } value)
            violations.Check(double.IsFinite(value) && value is >= 0 and <= 10000, prefix + "score", "must be a number between 0 and 10000");
    }

    /// <summary>
    /// Two ranked, scored results of one event agree when the better rank has the higher (or equal) score; a shared
    /// rank (a tie) needs the same score.
    /// </summary>
    public static bool RankAgreesWithScore(int rank, double score, int otherRank, double otherScore) =>
        rank == otherRank ? score.Equals(otherScore) : rank < otherRank ? score >= otherScore : score <= otherScore;

    /// <summary>Checks a result against its event: team size and roles, award scheme.</summary>
    public static void CheckAgainstEvent(Result result, Event competitionEvent, Violations violations, string prefix = "result.")
    {
        if (result.AwardGrade != AwardGrade.Unspecified)
            violations.Check(SchemeAllows(competitionEvent.AwardScheme, result.AwardGrade), prefix + "award_grade",
                $"is not an award of this event's scheme ({competitionEvent.AwardScheme})");
        if (competitionEvent.Participation == Participation.Individual)
        {
            if (violations.Check(result.Participants.Count == 1, prefix + "participants", "an individual event's result has exactly one participant"))
                violations.Check(result.Participants[0].Role is ParticipantRole.Individual or ParticipantRole.Unspecified,
                    prefix + "participants[0].role", "must be INDIVIDUAL in an individual event");
            violations.Check(result.TeamName.Length == 0, prefix + "team_name", "must be empty for an individual event");
            return;
        }
        violations.Check(result.Participants.Count >= competitionEvent.MinTeamSize && result.Participants.Count <= competitionEvent.MaxTeamSize,
            prefix + "participants", $"a team of this event has {competitionEvent.MinTeamSize} to {competitionEvent.MaxTeamSize} members");
        violations.Check(result.TeamName.Trim().Length > 0, prefix + "team_name", "is required for a team event");
        var leaders = 0;
        for (var i = 0; i < result.Participants.Count; i++)
        {
            var role = result.Participants[i].Role;
            if (role == ParticipantRole.Leader) leaders++;
            violations.Check(role is ParticipantRole.Leader or ParticipantRole.Member, $"{prefix}participants[{i}].role", "must be LEADER or MEMBER in a team event");
        }
        if (result.Participants.All(p => p.Role is ParticipantRole.Leader or ParticipantRole.Member))
            violations.Check(leaders == 1, prefix + "participants", "a team has exactly one LEADER");
    }

    /// <summary>Results may be recorded once the competition has started (its first day, China time).</summary>
    public static bool HasStarted(Competition competition, DateOnly today) =>
        competition.StartDate.ToDateOnly() is { } start && start <= today;

    /// <summary>
    /// The default award rules seeded by migration 0001 (all dialects): the level credited for each (tier, award).
    /// PARTICIPATION credits nothing (SkillLevel.Unspecified). Tested against the seeded table.
    /// </summary>
    public static SkillLevel DefaultCreditedLevel(CompetitionTier tier, AwardGrade grade)
    {
        if (grade == AwardGrade.Participation || grade == AwardGrade.Unspecified) return SkillLevel.Unspecified;
        var place = grade switch
        {
            AwardGrade.FirstPrize or AwardGrade.Gold or AwardGrade.WorldskillsGold => 1,
            AwardGrade.SecondPrize or AwardGrade.Silver or AwardGrade.WorldskillsSilver => 2,
            AwardGrade.ThirdPrize or AwardGrade.Bronze or AwardGrade.WorldskillsBronze => 3,
            _ => 4, // Medallion for Excellence
        };
        return tier switch
        {
            CompetitionTier.World => place == 4 ? SkillLevel._2Technician
                : SchemeOf(grade) == AwardScheme.Worldskills ? SkillLevel._1SeniorTechnician
                : place switch { 1 => SkillLevel._1SeniorTechnician, 2 => SkillLevel._2Technician, _ => SkillLevel._3Advanced },
            CompetitionTier.National => place switch { 1 => SkillLevel._2Technician, 2 => SkillLevel._3Advanced, _ => SkillLevel._4Intermediate },
            CompetitionTier.Provincial or CompetitionTier.CrossRegional => place == 1 ? SkillLevel._3Advanced : SkillLevel._4Intermediate,
            CompetitionTier.District => place == 1 ? SkillLevel._4Intermediate : SkillLevel._5Beginner,
            CompetitionTier.School => SkillLevel._5Beginner,
            _ => SkillLevel.Unspecified,
        };
    }
}
