using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Samples;
using ChongqingVet.Insights.Feeds;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using CertV1 = ChongqingVet.Certificates.V1;
using CompV1 = ChongqingVet.Competitions.V1;
using CourseV1 = ChongqingVet.Courses.V1;
using JobsV1 = ChongqingVet.JobPostings.V1;

namespace ChongqingVet.Insights.Data;

/// <summary>
/// Development sample data for the read model, used only while no feed address is configured (SampleData:Enabled and no
/// Feeds:*:Address): deterministic change events, applied through the same <see cref="ReadModelStore.ApplyAsync"/> as
/// the feeds under the source name "sample", so the indicators have something to show on a machine that runs the
/// insights service alone. Once the feeds are wired the four services' own data arrives through them instead.
/// The data is built so that the figures differ by major and district: 4 majors × 15 learners; software learners are
/// often placed in Chengdu (not local), automotive learners mostly in 两江新区; certificates and awards concentrate on
/// some majors; demand for robot and EV skills exceeds supply.
/// </summary>
public sealed class InsightsSampleData(ReadModelStore store, FeedOptions feeds, TimeProvider time) : ISampleDataSeeder
{
    public const string Source = "sample";

    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default);

    public async Task SeedAsync(IDbConnectionFactory database, CancellationToken cancellationToken)
    {
        if (feeds.Any) return; // the feeds bring the real data
        if (await store.GetCursorAsync(Source, cancellationToken) is not null) return; // seeded already
        await store.ApplyAsync(Source, Events(time.GetUtcNow()), cancellationToken);
    }

    /// <summary>The sample events, in order (sequence 1, 2, …); the same list on every call.</summary>
    public static IReadOnlyList<ChangeEvent> Events(DateTimeOffset now)
    {
        var events = new List<ChangeEvent>();
        var at = new DateTimeOffset(2025, 9, 1, 0, 0, 0, TimeSpan.FromHours(8));
        void Add(string name, IMessage message) =>
            events.Add(new ChangeEvent(Source, events.Count + 1, "sample-" + (events.Count + 1), name, message.Descriptor.FullName, "CREATED",
                now, Json.Format(message)));
        static Timestamp Time(DateTimeOffset value) => Timestamp.FromDateTimeOffset(value);
        static Google.Type.Date Date(DateTimeOffset value) => new() { Year = value.Year, Month = value.Month, Day = value.Day };

        foreach (var skill in SampleVocabulary.Skills)
            Add("skills/" + skill.Code, new JobsV1.Skill { Code = skill.Code, NameZh = skill.NameZh, NameEn = skill.NameEn, Category = skill.Category, Cluster = skill.Cluster, OccupationCodes = { skill.Occupations } });

        // Majors, their courses (two per major, at two schools) and the skills they teach.
        (string Code, string Name, string[] Skills)[] majors =
        [
            ("460301", "机电一体化技术", ["PLC-PROG", "HMI-CONF", "IR-OPS", "SERVO-DRV"]),
            ("460702", "新能源汽车技术", ["EV-BATT", "EV-MOTOR", "EV-HV-SAFE", "AUTO-DIAG"]),
            ("510203", "软件技术", ["JAVA-DEV", "DB-SQL", "WEB-FE", "SW-TEST"]),
            ("660301", "机电技术应用", ["ELEC-INST", "PLC-PROG", "MOTOR-CTRL", "CNC-LATHE"]),
        ];
        string[] schools = ["125000002166DHX7JT", "52500000MJP1234567"];
        foreach (var (code, name, _) in majors) Add("majors/" + code, new CourseV1.Major { Code = code, Name = name, Level = code[0] == '6' ? CourseV1.MajorLevel.Secondary : CourseV1.MajorLevel.HigherDiploma });
        for (var m = 0; m < majors.Length; m++)
            for (var c = 0; c < 2; c++)
                Add($"courses/{majors[m].Code}-{c + 1}", new CourseV1.Course
                {
                    Code = $"{majors[m].Code}-{c + 1}",
                    Name = $"{majors[m].Name} 核心课 {c + 1}",
                    Credits = 4,
                    Category = CourseV1.CourseCategory.Core,
                    MajorCodes = { majors[m].Code },
                    SkillOutcomes = { majors[m].Skills.Skip(c * 2).Take(2).Select(s => new SkillRef { SkillCode = s, Level = c == 0 ? SkillLevel._4Intermediate : SkillLevel._3Advanced }) },
                    OwnerCreditCode = schools[(m + c) % 2],
                    CreateTime = Time(at),
                });

        // Employers across districts; one outside Chongqing (Chengdu 510107) and one in a functional zone.
        (string Code, string District)[] employers =
        [
            ("91500000MA5U000001", "500112"), ("91500000MA5U000002", "500106"), ("91500000MA5U000003", "CQ-LJXQ"),
            ("91500000MA5U000004", "500118"), ("91510100MA6C000005", "510107"), ("91500000MA5U000006", "500107"),
        ];
        foreach (var (code, district) in employers) Add("employers/" + code, new JobsV1.Employer { CreditCode = code, Name = "示例企业 " + code[^2..], DistrictCode = district });

        // Open postings: robot/PLC and EV skills in demand; software demand modest.
        (string Id, string Occupation, int Employer, string Cluster, int Headcount, (string Skill, SkillLevel Level, double Weight)[] Requirements, bool Open)[] postings =
        [
            ("P01", "6-30-99-00", 0, SampleVocabulary.SmartManufacturing, 6, [("IR-OPS", SkillLevel._4Intermediate, 1.0), ("PLC-PROG", SkillLevel._4Intermediate, 0.5)], true),
            ("P02", "6-31-01-03", 3, SampleVocabulary.SmartManufacturing, 4, [("PLC-PROG", SkillLevel._3Advanced, 1.0), ("ELEC-INST", SkillLevel._4Intermediate, 0.5)], true),
            ("P03", "4-12-01-01", 2, SampleVocabulary.Automotive, 8, [("EV-BATT", SkillLevel._4Intermediate, 1.0), ("EV-HV-SAFE", SkillLevel._4Intermediate, 1.0)], true),
            ("P04", "2-02-10-09", 4, SampleVocabulary.Software, 3, [("JAVA-DEV", SkillLevel._4Intermediate, 1.0), ("DB-SQL", SkillLevel._4Intermediate, 0.5)], true),
            ("P05", "2-02-10-09", 1, SampleVocabulary.Software, 2, [("WEB-FE", SkillLevel._4Intermediate, 1.0)], true),
            ("P06", "6-18-01-01", 5, SampleVocabulary.SmartManufacturing, 3, [("CNC-LATHE", SkillLevel._4Intermediate, 1.0)], true),
            ("P07", "4-12-01-01", 2, SampleVocabulary.Automotive, 2, [("AUTO-DIAG", SkillLevel._3Advanced, 1.0)], false),
        ];
        foreach (var p in postings)
            Add("jobPostings/" + p.Id, new JobsV1.JobPosting
            {
                Id = p.Id, Title = "示例岗位 " + p.Id, OccupationCode = p.Occupation, EmployerCreditCode = employers[p.Employer].Code,
                DistrictCode = employers[p.Employer].District, Headcount = p.Headcount, Cluster = p.Cluster,
                Requirements = { p.Requirements.Select(r => new JobsV1.Requirement { SkillCode = r.Skill, MinLevel = r.Level, Weight = r.Weight }) },
                Status = p.Open ? JobsV1.JobPostingStatus.Open : JobsV1.JobPostingStatus.Closed,
                ValidThrough = Time(at.AddYears(2)), CreateTime = Time(at.AddDays(30)),
            });

        // Certificate types and a competition with two events.
        Add("certificateTypes/1X-IR", new CertV1.CertificateType
        {
            Code = "1X-IR", Name = "工业机器人操作与运维", Kind = CertV1.CertificateKind.OnePlusX,
            Levels = { new CertV1.CertificateTypeLevel { Level = CertificateLevel.XIntermediate, AttestedSkills = { new SkillRef { SkillCode = "IR-OPS", Level = SkillLevel._4Intermediate }, new SkillRef { SkillCode = "PLC-PROG", Level = SkillLevel._4Intermediate } } } },
        });
        Add("certificateTypes/1X-EV", new CertV1.CertificateType
        {
            Code = "1X-EV", Name = "新能源汽车动力电池检测", Kind = CertV1.CertificateKind.OnePlusX,
            Levels = { new CertV1.CertificateTypeLevel { Level = CertificateLevel.XIntermediate, AttestedSkills = { new SkillRef { SkillCode = "EV-BATT", Level = SkillLevel._4Intermediate } } } },
        });
        Add("competitions/C1", new CompV1.Competition { Id = "C1", Name = "重庆市职业院校技能大赛", Tier = CompetitionTier.Provincial, Year = 2026 });
        Add("competitions/C2", new CompV1.Competition { Id = "C2", Name = "全国职业院校技能大赛", Tier = CompetitionTier.National, Year = 2026 });
        Add("competitions/C1/events/GZ013", new CompV1.Event { CompetitionId = "C1", Code = "GZ013", Name = "新能源汽车检测与维修", SkillsTested = { new SkillRef { SkillCode = "EV-BATT", Level = SkillLevel._3Advanced } } });
        Add("competitions/C2/events/GZ008", new CompV1.Event { CompetitionId = "C2", Code = "GZ008", Name = "智能制造设备技术应用", SkillsTested = { new SkillRef { SkillCode = "IR-OPS", Level = SkillLevel._3Advanced } } });

        // 60 learners, 15 per major: enrolments, certificates, awards and placements in patterns that differ by major.
        for (var i = 0; i < 60; i++)
        {
            var learner = $"S{i + 1:0000}";
            var m = i % 4;
            var major = majors[m];
            for (var c = 0; c < 2; c++)
            {
                var passed = (i + c) % 5 != 0;
                Add($"enrollments/{learner}-{c + 1}", new CourseV1.Enrollment
                {
                    Id = $"{learner}-{c + 1}", LearnerId = learner, CourseCode = $"{major.Code}-{c + 1}", Term = "2025-2026-1",
                    Status = passed ? CourseV1.EnrollmentStatus.Passed : CourseV1.EnrollmentStatus.Failed,
                    CreateTime = Time(at.AddDays(10)),
                    Grade = new CourseV1.Grade { GradeTime = Time(at.AddMonths(4)) },
                });
            }
            var type = m switch { 0 or 3 => "1X-IR", 1 => "1X-EV", _ => "" };
            if (type.Length > 0 && i % 3 != 2)
                Add($"certificates/X{i + 1:000000}", new CertV1.Certificate
                {
                    CertificateNumber = $"X{i + 1:000000}", TypeCode = type, Level = CertificateLevel.XIntermediate, LearnerId = learner,
                    IssueDate = Date(at.AddMonths(5 + i % 3)),
                    Status = i % 17 == 0 ? CertV1.CertificateStatus.Revoked : CertV1.CertificateStatus.Active,
                });
            if (m is 0 or 1 && i % 5 == 1)
                Add($"competitions/{(m == 0 ? "C2" : "C1")}/events/{(m == 0 ? "GZ008" : "GZ013")}/results/R{i + 1}", new CompV1.Result
                {
                    Id = $"R{i + 1}", CompetitionId = m == 0 ? "C2" : "C1", EventCode = m == 0 ? "GZ008" : "GZ013",
                    Participants = { new CompV1.Participant { LearnerId = learner, Role = CompV1.ParticipantRole.Individual } },
                    AwardGrade = i % 10 == 1 ? AwardGrade.FirstPrize : AwardGrade.SecondPrize, CreateTime = Time(at.AddMonths(8)),
                });
            // Placements: mechatronics mostly local and relevant; automotive in 两江新区; software half in Chengdu;
            // secondary mechatronics placed in CNC jobs or with no posting.
            if (i % 6 == 5) continue; // not placed yet
            var (employer, posting) = m switch
            {
                0 => i % 8 == 0 ? (4, "P04") : (i % 2 == 0 ? (0, "P01") : (3, "P02")),
                1 => i % 7 == 0 ? (1, "P05") : (2, "P03"),
                2 => i % 2 == 0 ? (4, "P04") : (1, "P05"),
                _ => i % 3 == 0 ? (5, "") : (5, "P06"),
            };
            var start = at.AddMonths(9 + i % 12);
            Add($"placements/{learner}", new JobsV1.Placement
            {
                Id = learner, LearnerId = learner, EmployerCreditCode = employers[employer].Code, PostingId = posting,
                StartDate = Date(start), EndDate = Date(start.AddMonths(6)),
                Status = i % 4 == 0 ? JobsV1.PlacementStatus.InProgress : JobsV1.PlacementStatus.Completed,
                Ratings = { major.Skills.Take(1).Select(s => new JobsV1.SkillRating { SkillCode = s, Level = SkillLevel._3Advanced }) },
                CreateTime = Time(start),
            });
        }
        return events;
    }
}
