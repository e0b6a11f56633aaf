using ChongqingVet.Common.V1;
using ChongqingVet.Insights.Data;
using ChongqingVet.Insights.Domain;
using ChongqingVet.Insights.Feeds;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using CertV1 = ChongqingVet.Certificates.V1;
using CompV1 = ChongqingVet.Competitions.V1;
using CourseV1 = ChongqingVet.Courses.V1;
using JobsV1 = ChongqingVet.JobPostings.V1;

namespace ChongqingVet.Insights.Tests;

/// <summary>
/// A small data set whose figures are computed by hand in the tests (IndicatorTests lists each computation), published
/// as the four feeds would publish it: protobuf JSON change events, one sequence per source.
/// <list type="bullet">
/// <item>Skills: A (智能装备及智能制造, occupation 6-31-01-03), B (软件信息服务, 2-02-10-09), C (cluster "非重点", occupation 9-99-99-99: not a key cluster).</item>
/// <item>Majors M1 460301 (courses K1 A@4 at school S1, K2 A@3 at S2), M2 510203 (K3 B@4 at S1), M3 990101 (K4 C@4 at S1).</item>
/// <item>Learners: L1 (K1, K2 passed → M1, A@4), L2 (K1 passed → M1, A@4), L3 (K3 passed → M2, B@4), L4 (K3 failed → M2; a
/// certificate of T1 attesting B@3), L5 (K4 passed → M3, C@4). L2 also holds a revoked T1 certificate.</item>
/// <item>Competition C1 (provincial), event E1 tests C@2; result R1 [L3, L5] first prize, R2 [L2] participation.</item>
/// <item>Employers E1 500112, E2 510107 (Chengdu), E3 CQ-LJXQ (两江新区). Postings: P1 at E1 (6-31-01-03, 智能装备及智能制造,
/// headcount 3: A min 4 weight 1, B min 3 weight 0.5, open), P2 at E2 (2-02-10-09, 软件信息服务, headcount 2: B min 4 weight 1,
/// open), P3 at E1 (A min 2, closed).</item>
/// <item>Placements: L1 at E1 via P1 (2025-10-01), L2 at E2 via P2 (2026-03-01), L3 at E3 via P2 (2026-09-15), L5 at E1
/// without posting (2025-10-01). All in progress (no ratings count).</item>
/// </list>
/// </summary>
public static class HandDataSet
{
    public const string M1 = "460301", M2 = "510203", M3 = "990101";

    public static Timestamp At(int year, int month, int day) => Timestamp.FromDateTimeOffset(new DateTimeOffset(year, month, day, 10, 0, 0, TimeSpan.FromHours(8)));

    public static Google.Type.Date Day(int year, int month, int day) => new() { Year = year, Month = month, Day = day };

    private static SkillRef Skill(string code, int level) => new() { SkillCode = code, Level = (SkillLevel)level };

    /// <summary>Every event of the four feeds, in feed order per source.</summary>
    public static IReadOnlyList<ChangeEvent> Events()
    {
        var events = new List<ChangeEvent>();
        var sequences = new Dictionary<string, long>();
        void Add(string source, string name, IMessage message)
        {
            var sequence = sequences[source] = sequences.GetValueOrDefault(source) + 1;
            events.Add(Feed.Change(source, sequence, name, message));
        }

        Add("jobpostings", "skills/A", new JobsV1.Skill { Code = "A", Cluster = "智能装备及智能制造", OccupationCodes = { "6-31-01-03" } });
        Add("jobpostings", "skills/B", new JobsV1.Skill { Code = "B", Cluster = "软件信息服务", OccupationCodes = { "2-02-10-09" } });
        Add("jobpostings", "skills/C", new JobsV1.Skill { Code = "C", Cluster = "非重点", OccupationCodes = { "9-99-99-99" } });
        Add("courses", "majors/" + M1, new CourseV1.Major { Code = M1, Name = "机电一体化技术" });
        Add("courses", "majors/" + M2, new CourseV1.Major { Code = M2, Name = "软件技术" });
        Add("courses", "majors/" + M3, new CourseV1.Major { Code = M3, Name = "测试专业" });
        void Course(string code, string major, string skill, int level, string school) =>
            Add("courses", "courses/" + code, new CourseV1.Course { Code = code, MajorCodes = { major }, SkillOutcomes = { Skill(skill, level) }, OwnerCreditCode = school, CreateTime = At(2025, 9, 1) });
        Course("K1", M1, "A", 4, "S1");
        Course("K2", M1, "A", 3, "S2");
        Course("K3", M2, "B", 4, "S1");
        Course("K4", M3, "C", 4, "S1");
        void Enrol(string id, string learner, string course, bool passed) =>
            Add("courses", "enrollments/" + id, new CourseV1.Enrollment
            {
                Id = id, LearnerId = learner, CourseCode = course, Term = "2025-2026-1", CreateTime = At(2025, 9, 10),
                Status = passed ? CourseV1.EnrollmentStatus.Passed : CourseV1.EnrollmentStatus.Failed,
            });
        Enrol("1", "L1", "K1", true);
        Enrol("2", "L1", "K2", true);
        Enrol("3", "L2", "K1", true);
        Enrol("4", "L3", "K3", true);
        Enrol("5", "L4", "K3", false);
        Enrol("6", "L5", "K4", true);

        Add("certificates", "certificateTypes/T1", new CertV1.CertificateType
        {
            Code = "T1", Kind = CertV1.CertificateKind.OnePlusX,
            Levels = { new CertV1.CertificateTypeLevel { Level = CertificateLevel.XIntermediate, AttestedSkills = { Skill("B", 3) } } },
        });
        Add("certificates", "certificates/N1", new CertV1.Certificate
        {
            CertificateNumber = "N1", TypeCode = "T1", Level = CertificateLevel.XIntermediate, LearnerId = "L4", IssueDate = Day(2026, 1, 10),
            Status = CertV1.CertificateStatus.Active,
        });
        Add("certificates", "certificates/N2", new CertV1.Certificate
        {
            CertificateNumber = "N2", TypeCode = "T1", Level = CertificateLevel.XIntermediate, LearnerId = "L2", IssueDate = Day(2025, 11, 1),
            Status = CertV1.CertificateStatus.Revoked,
        });

        Add("competitions", "competitions/C1", new CompV1.Competition { Id = "C1", Tier = CompetitionTier.Provincial, Year = 2026 });
        Add("competitions", "competitions/C1/events/E1", new CompV1.Event { CompetitionId = "C1", Code = "E1", SkillsTested = { Skill("C", 2) } });
        Add("competitions", "competitions/C1/events/E1/results/R1", new CompV1.Result
        {
            Id = "R1", CompetitionId = "C1", EventCode = "E1", AwardGrade = AwardGrade.FirstPrize, CreateTime = At(2026, 5, 20),
            Participants = { new CompV1.Participant { LearnerId = "L3" }, new CompV1.Participant { LearnerId = "L5" } },
        });
        Add("competitions", "competitions/C1/events/E1/results/R2", new CompV1.Result
        {
            Id = "R2", CompetitionId = "C1", EventCode = "E1", AwardGrade = AwardGrade.Participation, CreateTime = At(2026, 5, 20),
            Participants = { new CompV1.Participant { LearnerId = "L2" } },
        });

        Add("jobpostings", "employers/E1", new JobsV1.Employer { CreditCode = "E1", DistrictCode = "500112" });
        Add("jobpostings", "employers/E2", new JobsV1.Employer { CreditCode = "E2", DistrictCode = "510107" });
        Add("jobpostings", "employers/E3", new JobsV1.Employer { CreditCode = "E3", DistrictCode = "CQ-LJXQ" });
        Add("jobpostings", "jobPostings/P1", new JobsV1.JobPosting
        {
            Id = "P1", OccupationCode = "6-31-01-03", EmployerCreditCode = "E1", DistrictCode = "500112", Cluster = "智能装备及智能制造", Headcount = 3,
            Requirements = { new JobsV1.Requirement { SkillCode = "A", MinLevel = (SkillLevel)4, Weight = 1 }, new JobsV1.Requirement { SkillCode = "B", MinLevel = (SkillLevel)3, Weight = 0.5 } },
            Status = JobsV1.JobPostingStatus.Open, CreateTime = At(2025, 9, 5),
        });
        Add("jobpostings", "jobPostings/P2", new JobsV1.JobPosting
        {
            Id = "P2", OccupationCode = "2-02-10-09", EmployerCreditCode = "E2", DistrictCode = "510107", Cluster = "软件信息服务", Headcount = 2,
            Requirements = { new JobsV1.Requirement { SkillCode = "B", MinLevel = (SkillLevel)4, Weight = 1 } },
            Status = JobsV1.JobPostingStatus.Open, CreateTime = At(2025, 9, 5),
        });
        Add("jobpostings", "jobPostings/P3", new JobsV1.JobPosting
        {
            Id = "P3", OccupationCode = "6-31-01-03", EmployerCreditCode = "E1", DistrictCode = "500112", Cluster = "智能装备及智能制造", Headcount = 9,
            Requirements = { new JobsV1.Requirement { SkillCode = "A", MinLevel = (SkillLevel)2, Weight = 1 } },
            Status = JobsV1.JobPostingStatus.Closed, CreateTime = At(2025, 9, 5),
        });
        void Place(string learner, string employer, string posting, Google.Type.Date start) =>
            Add("jobpostings", "placements/" + learner, new JobsV1.Placement
            {
                Id = learner, LearnerId = learner, EmployerCreditCode = employer, PostingId = posting, StartDate = start,
                Status = JobsV1.PlacementStatus.InProgress,
            });
        Place("L1", "E1", "P1", Day(2025, 10, 1));
        Place("L2", "E2", "P2", Day(2026, 3, 1));
        Place("L3", "E3", "P2", Day(2026, 9, 15));
        Place("L5", "E1", "", Day(2025, 10, 1));
        return events;
    }

    /// <summary>The data set as the indicators see it (through the same mapper the service uses).</summary>
    public static ReadModelSnapshot Snapshot() =>
        new ReadModelMapper().ToSnapshot(Events().Select(e => (e.ResourceType, new ReadModelMapper().Normalise(e.ResourceType, e.StateJson))));

    /// <summary>The window that holds every record (and the day the tests call "today").</summary>
    public static DataWindow AllTime => new(new DateOnly(2025, 1, 1), new DateOnly(2026, 12, 31));
}

/// <summary>Change events as a feed would send them.</summary>
public static class Feed
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default);

    public static ChangeEvent Change(string source, long sequence, string name, IMessage message, string kind = "CREATED") =>
        new(source, sequence, $"{source}-{sequence}", name, message.Descriptor.FullName, kind, new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(sequence), Json.Format(message));
}
