using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.Grpc;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;

namespace ChongqingVet.Competitions.Tests;

/// <summary>The real competitions service in memory on a fresh database, with a gRPC client.</summary>
public sealed class CompetitionServiceHarness(ServiceHost<CompetitionGrpcService> host) : ServiceHarness<CompetitionGrpcService, CompetitionService.CompetitionServiceClient>(host, channel => new CompetitionService.CompetitionServiceClient(channel))
{
    public static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));

    public static async Task<CompetitionServiceHarness> StartAsync(DatabaseProvider provider, IDictionary<string, string?>? settings = null) =>
        new(await ServiceHost<CompetitionGrpcService>.StartAsync(provider, settings));

    public static Competition NewCompetition(CompetitionTier tier = CompetitionTier.National, int startInDays = -30) => new()
    {
        Name = "全国职业院校技能大赛（中职组）",
        Series = "全国职业院校技能大赛",
        Tier = tier,
        Year = Today.AddDays(startInDays).Year,
        Organiser = "教育部等",
        DistrictCode = "500118",
        StartDate = Today.AddDays(startInDays).ToProtoDate(),
        EndDate = Today.AddDays(startInDays + 5).ToProtoDate(),
        Status = startInDays > 0 ? CompetitionStatus.Planned : CompetitionStatus.Open,
        // The default test token's organisation organises it, so that token may record results.
        OrganiserCreditCode = TestAuthority.TestOrganisation,
    };

    public async Task<Competition> CreateCompetitionAsync(Competition? competition = null) =>
        await Client.CreateCompetitionAsync(new CreateCompetitionRequest { RequestId = Guid.NewGuid().ToString(), Competition = competition ?? NewCompetition() });

    public static Event TeamEvent(string competitionId, string code = "ZZ013", int min = 2, int max = 3) => new()
    {
        CompetitionId = competitionId,
        Code = code,
        Name = "汽车维修",
        Group = EventGroup.SecondaryVocational,
        Participation = Participation.Team,
        MinTeamSize = min,
        MaxTeamSize = max,
        AwardScheme = AwardScheme.PrizeClass,
        SkillsTested =
        {
            new SkillRef { SkillCode = "AUTO-ENG", Level = SkillLevel._3Advanced },
            new SkillRef { SkillCode = "AUTO-DIAG", Level = SkillLevel._3Advanced },
        },
    };

    public static Event IndividualEvent(string competitionId, string code = "ZZ017", AwardScheme scheme = AwardScheme.PrizeClass) => new()
    {
        CompetitionId = competitionId,
        Code = code,
        Name = "数字产品检测与维护",
        Group = EventGroup.SecondaryVocational,
        Participation = Participation.Individual,
        AwardScheme = scheme,
        SkillsTested = { new SkillRef { SkillCode = "DIGI-MAINT", Level = SkillLevel._3Advanced } },
    };

    public async Task<Event> CreateEventAsync(Event competitionEvent) =>
        await Client.CreateEventAsync(new CreateEventRequest { RequestId = Guid.NewGuid().ToString(), Event = competitionEvent });

    public static RecordResultRequest Individual(Event competitionEvent, string learnerId, AwardGrade award = AwardGrade.FirstPrize, int rank = 1) => new()
    {
        RequestId = Guid.NewGuid().ToString(),
        Result = new Result
        {
            CompetitionId = competitionEvent.CompetitionId,
            EventCode = competitionEvent.Code,
            AwardGrade = award,
            Rank = rank,
            Score = 91.5,
            Participants = { new Participant { LearnerId = learnerId, Role = ParticipantRole.Individual } },
        },
    };

    public static RecordResultRequest Team(Event competitionEvent, AwardGrade award, params string[] learners) => new()
    {
        RequestId = Guid.NewGuid().ToString(),
        Result = new Result
        {
            CompetitionId = competitionEvent.CompetitionId,
            EventCode = competitionEvent.Code,
            TeamName = "重庆工业职业技术学院代表队",
            AwardGrade = award,
            Participants =
            {
                learners.Select((l, i) => new Participant { LearnerId = l, Role = i == 0 ? ParticipantRole.Leader : ParticipantRole.Member }),
            },
        },
    };
}
