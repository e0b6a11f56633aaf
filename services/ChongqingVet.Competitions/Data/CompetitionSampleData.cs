using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Samples;

namespace ChongqingVet.Competitions.Data;

/// <summary>
/// Sample competitions 2024–2027: the national 中职 contest with real events (ZZ007, ZZ008, ZZ013, ZZ016, ZZ017),
/// Chongqing's 市级 contest, a 川渝杯 event, a district and a school contest, WorldSkills 2024, and upcoming 2027
/// contests; results with awards for 25 sample learners (several teams). Seeded once; a second run adds nothing.
/// Skill codes come from <see cref="SampleVocabulary"/>; L0050 gets nothing.
/// </summary>
public sealed class CompetitionSampleData(CompetitionRepository competitions, ResultRepository results) : ISampleDataSeeder
{
    private const string National = "全国职业院校技能大赛";

    /// <summary>
    /// The organiser's unified social credit code per organiser name (valid GB 32100 check characters). The school
    /// contest's code is 重庆工业职业技术学院's, the <c>org</c> of the development identity provider's institution client
    /// <c>institution-cqipc</c>, so that client may record its results; the other codes are synthetic sample codes.
    /// Declared before <see cref="Competitions"/>: static initialisers run in textual order.
    /// </summary>
    public static IReadOnlyDictionary<string, string> OrganiserCreditCodes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["教育部等"] = "11100000000013338W",
        ["世界技能组织"] = "N2000000MD0000001F",
        ["重庆市教育委员会"] = "11500000008765432K",
        ["重庆市人力资源和社会保障局 四川省人力资源和社会保障厅"] = "115000000098765435",
        ["永川区人力资源和社会保障局"] = "11500118001234567D",
        ["重庆工业职业技术学院"] = SampleInstitution,
    };

    /// <summary>重庆工业职业技术学院 (the dev identity provider's <c>institution-cqipc</c>).</summary>
    public const string SampleInstitution = "125000002166DHX7JT";

    public static IReadOnlyList<Competition> Competitions { get; } =
    [
        Competition("cmp-2024-national-zz", "2024年全国职业院校技能大赛（中职组）", National, CompetitionTier.National, "教育部等", "", "2024-08-20", "2024-08-26", CompetitionStatus.Finished),
        Competition("cmp-2024-worldskills-47", "第47届世界技能大赛", "世界技能大赛", CompetitionTier.World, "世界技能组织", "", "2024-09-10", "2024-09-15", CompetitionStatus.Finished),
        Competition("cmp-2025-chongqing-zz", "2025年重庆市职业院校技能大赛（中职组）", "重庆市职业院校技能大赛", CompetitionTier.Provincial, "重庆市教育委员会", "500118", "2025-03-15", "2025-04-20", CompetitionStatus.Finished),
        Competition("cmp-2025-national-zz", "2025年全国职业院校技能大赛（中职组）", National, CompetitionTier.National, "教育部等", "", "2025-08-18", "2025-08-24", CompetitionStatus.Finished),
        Competition("cmp-2025-chuanyu-cup", "2025年“川渝杯”职业技能大赛", "川渝杯", CompetitionTier.CrossRegional, "重庆市人力资源和社会保障局 四川省人力资源和社会保障厅", "500153", "2025-10-22", "2025-10-25", CompetitionStatus.Finished),
        Competition("cmp-2026-yongchuan", "2026年永川区职业技能竞赛", "永川区职业技能竞赛", CompetitionTier.District, "永川区人力资源和社会保障局", "500118", "2026-05-12", "2026-05-14", CompetitionStatus.Finished),
        Competition("cmp-2026-cqipc-school", "重庆工业职业技术学院2026年校级技能竞赛", "校级技能竞赛", CompetitionTier.School, "重庆工业职业技术学院", "500112", "2026-11-02", "2026-11-06", CompetitionStatus.Finished),
        Competition("cmp-2027-chongqing-zz", "2027年重庆市职业院校技能大赛（中职组）", "重庆市职业院校技能大赛", CompetitionTier.Provincial, "重庆市教育委员会", "500118", "2027-03-16", "2027-04-22", CompetitionStatus.Planned),
        Competition("cmp-2027-chuanyu-cup", "2027年“川渝杯”职业技能大赛", "川渝杯", CompetitionTier.CrossRegional, "重庆市人力资源和社会保障局 四川省人力资源和社会保障厅", "500101", "2027-05-18", "2027-05-21", CompetitionStatus.Planned),
    ];

    public static IReadOnlyList<Event> Events { get; } =
    [
        Event("cmp-2024-national-zz", "ZZ007", "现代加工技术", Participation.Team, 2, 3, AwardScheme.PrizeClass, ("CNC-LATHE", SkillLevel._3Advanced), ("CNC-MILL", SkillLevel._3Advanced), ("CAM-PROG", SkillLevel._4Intermediate)),
        Event("cmp-2024-national-zz", "ZZ008", "智能制造设备技术应用", Participation.Team, 3, 3, AwardScheme.PrizeClass, ("IR-PROG", SkillLevel._3Advanced), ("PLC-PROG", SkillLevel._3Advanced), ("MES-OPS", SkillLevel._4Intermediate)),
        Event("cmp-2024-national-zz", "ZZ013", "汽车维修", Participation.Team, 2, 2, AwardScheme.PrizeClass, ("AUTO-ENG", SkillLevel._3Advanced), ("AUTO-ELEC", SkillLevel._3Advanced), ("AUTO-DIAG", SkillLevel._3Advanced)),
        Event("cmp-2025-national-zz", "ZZ016", "网络建设与运维", Participation.Team, 2, 3, AwardScheme.PrizeClass, ("NET-BUILD", SkillLevel._3Advanced), ("NET-ROUTE", SkillLevel._3Advanced), ("LINUX-ADM", SkillLevel._4Intermediate)),
        Event("cmp-2025-national-zz", "ZZ017", "数字产品检测与维护", Participation.Individual, 1, 1, AwardScheme.PrizeClass, ("DIGI-MAINT", SkillLevel._3Advanced), ("ELEC-TEST", SkillLevel._4Intermediate)),
        Event("cmp-2024-worldskills-47", "WS-IR", "工业机器人（Industrial Robotics）", Participation.Team, 2, 2, AwardScheme.Worldskills, ("IR-INTEG", SkillLevel._2Technician), ("IR-PROG", SkillLevel._2Technician)),
        Event("cmp-2025-chongqing-zz", "CQ-IR", "工业机器人技术应用", Participation.Individual, 1, 1, AwardScheme.PrizeClass, ("IR-OPS", SkillLevel._4Intermediate), ("IR-PROG", SkillLevel._4Intermediate)),
        Event("cmp-2025-chongqing-zz", "CQ-EV", "新能源汽车检测与维修", Participation.Individual, 1, 1, AwardScheme.PrizeClass, ("EV-BATT", SkillLevel._4Intermediate), ("EV-HV-SAFE", SkillLevel._4Intermediate)),
        Event("cmp-2025-chuanyu-cup", "CY-WELD", "焊工", Participation.Individual, 1, 1, AwardScheme.Medal, ("WELD-ARC", SkillLevel._4Intermediate), ("WELD-TIG", SkillLevel._4Intermediate)),
        Event("cmp-2025-chuanyu-cup", "CY-PV", "光伏电站运维", Participation.Team, 2, 3, AwardScheme.Medal, ("PV-INST", SkillLevel._4Intermediate), ("PV-OPS", SkillLevel._4Intermediate)),
        Event("cmp-2026-yongchuan", "YC-CNC", "数控车工", Participation.Individual, 1, 1, AwardScheme.PrizeClass, ("CNC-LATHE", SkillLevel._4Intermediate), ("MEASURE", SkillLevel._5Beginner)),
        Event("cmp-2026-cqipc-school", "XJ-PY", "Python程序设计", Participation.Individual, 1, 1, AwardScheme.PrizeClass, ("PY-DEV", SkillLevel._5Beginner), ("DATA-ANL", SkillLevel._5Beginner)),
        Event("cmp-2027-chongqing-zz", "CQ-AI", "人工智能训练", Participation.Individual, 1, 1, AwardScheme.PrizeClass, ("AI-TRAIN", SkillLevel._4Intermediate), ("PY-DEV", SkillLevel._4Intermediate)),
        Event("cmp-2027-chongqing-zz", "CQ-ICV", "智能网联汽车技术", Participation.Team, 2, 3, AwardScheme.PrizeClass, ("ICV-SENSOR", SkillLevel._4Intermediate), ("ADAS-CAL", SkillLevel._4Intermediate)),
        Event("cmp-2027-chuanyu-cup", "CY-ESS", "储能系统运维", Participation.Individual, 1, 1, AwardScheme.Medal, ("ESS-OPS", SkillLevel._4Intermediate), ("GRID-OPS", SkillLevel._4Intermediate)),
    ];

    /// <summary>Results: (competition, event, team name, award, rank, score, learners — the first leads a team).</summary>
    public static IReadOnlyList<Result> Results { get; } =
    [
        Result("cmp-2024-national-zz", "ZZ007", "重庆工业职业技术学院代表队", AwardGrade.SecondPrize, 12, 88.5, "L0001", "L0002", "L0003"),
        Result("cmp-2024-national-zz", "ZZ008", "永川职教中心代表队", AwardGrade.FirstPrize, 3, 93.2, "L0004", "L0005", "L0006"),
        Result("cmp-2024-national-zz", "ZZ013", "重庆市渝北职教中心代表队", AwardGrade.ThirdPrize, 41, 76.0, "L0007", "L0008"),
        Result("cmp-2024-worldskills-47", "WS-IR", "中国代表队", AwardGrade.MedallionForExcellence, 0, 712, "L0009", "L0010"),
        Result("cmp-2025-national-zz", "ZZ016", "重庆市龙门浩职业中学代表队", AwardGrade.SecondPrize, 18, 85.0, "L0011", "L0012", "L0013"),
        Result("cmp-2025-national-zz", "ZZ017", "", AwardGrade.ThirdPrize, 52, 72.5, "L0014"),
        Result("cmp-2025-national-zz", "ZZ017", "", AwardGrade.Participation, 0, null, "L0015"),
        Result("cmp-2025-chongqing-zz", "CQ-IR", "", AwardGrade.FirstPrize, 1, 95.5, "L0004"),
        Result("cmp-2025-chongqing-zz", "CQ-IR", "", AwardGrade.SecondPrize, 4, 89.0, "L0016"),
        Result("cmp-2025-chongqing-zz", "CQ-IR", "", AwardGrade.ThirdPrize, 9, 81.0, "L0017"),
        Result("cmp-2025-chongqing-zz", "CQ-EV", "", AwardGrade.FirstPrize, 2, 92.0, "L0007"),
        Result("cmp-2025-chongqing-zz", "CQ-EV", "", AwardGrade.SecondPrize, 6, 86.5, "L0018"),
        Result("cmp-2025-chuanyu-cup", "CY-WELD", "", AwardGrade.Gold, 1, 96.0, "L0019"),
        Result("cmp-2025-chuanyu-cup", "CY-WELD", "", AwardGrade.Bronze, 7, 80.0, "L0020"),
        Result("cmp-2025-chuanyu-cup", "CY-PV", "荣昌职教中心光伏队", AwardGrade.Silver, 3, 88.0, "L0021", "L0022", "L0023"),
        Result("cmp-2026-yongchuan", "YC-CNC", "", AwardGrade.FirstPrize, 1, 94.0, "L0024"),
        Result("cmp-2026-yongchuan", "YC-CNC", "", AwardGrade.SecondPrize, 2, 90.5, "L0001"),
        Result("cmp-2026-yongchuan", "YC-CNC", "", AwardGrade.Participation, 0, 55.0, "L0025"),
        Result("cmp-2026-cqipc-school", "XJ-PY", "", AwardGrade.FirstPrize, 1, 98.0, "L0026"),
        Result("cmp-2026-cqipc-school", "XJ-PY", "", AwardGrade.ThirdPrize, 5, 83.0, "L0011"),
    ];

    public async Task SeedAsync(IDbConnectionFactory database, CancellationToken cancellationToken)
    {
        if (await competitions.GetAsync(Competitions[0].Id, cancellationToken) is not null) return;

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var competition in Competitions) await competitions.CreateAsync(connection, transaction, competition, cancellationToken, competition.Id);
        foreach (var competitionEvent in Events) await competitions.CreateEventAsync(connection, transaction, competitionEvent, cancellationToken);
        foreach (var result in Results)
        {
            var participation = Events.Single(e => e.CompetitionId == result.CompetitionId && e.Code == result.EventCode).Participation;
            await results.RecordAsync(connection, transaction, result, participation, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static Competition Competition(string id, string name, string series, CompetitionTier tier, string organiser, string district,
        string start, string end, CompetitionStatus status) => new()
    {
        OrganiserCreditCode = OrganiserCreditCodes[organiser],
        Id = id,
        Name = name,
        Series = series,
        Tier = tier,
        Year = int.Parse(start[..4], System.Globalization.CultureInfo.InvariantCulture),
        Organiser = organiser,
        DistrictCode = district,
        StartDate = DateOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture).ToProtoDate(),
        EndDate = DateOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture).ToProtoDate(),
        Status = status,
    };

    private static Event Event(string competitionId, string code, string name, Participation participation, int min, int max, AwardScheme scheme,
        params (string Skill, SkillLevel Level)[] skills) => new()
    {
        CompetitionId = competitionId,
        Code = code,
        Name = name,
        Group = competitionId.Contains("worldskills", StringComparison.Ordinal) || competitionId.Contains("chuanyu", StringComparison.Ordinal)
            || competitionId.Contains("yongchuan", StringComparison.Ordinal) ? EventGroup.Open : EventGroup.SecondaryVocational,
        Participation = participation,
        MinTeamSize = min,
        MaxTeamSize = max,
        AwardScheme = scheme,
        SkillsTested = { skills.Select(s => new SkillRef { SkillCode = s.Skill, Level = s.Level }) },
    };

    private static Result Result(string competitionId, string eventCode, string teamName, AwardGrade award, int rank, double? score, params string[] learners)
    {
        var result = new Result
        {
            CompetitionId = competitionId,
            EventCode = eventCode,
            TeamName = teamName,
            AwardGrade = award,
            Rank = rank,
            Participants =
            {
                learners.Select((learner, i) => new Participant
                {
                    LearnerId = learner,
                    Role = learners.Length == 1 ? ParticipantRole.Individual : i == 0 ? ParticipantRole.Leader : ParticipantRole.Member,
                }),
            },
        };
        if (score is { } value) result.Score = value;
        return result;
    }
}
