using ChongqingVet.Insights.Domain;
using ChongqingVet.Common.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using CertV1 = ChongqingVet.Certificates.V1;
using CompV1 = ChongqingVet.Competitions.V1;
using CourseV1 = ChongqingVet.Courses.V1;
using JobsV1 = ChongqingVet.JobPostings.V1;

namespace ChongqingVet.Insights.Data;

/// <summary>
/// Between the feeds' protobuf JSON and the indicators' records. <see cref="Normalise"/> parses a change's state as
/// its message type (unknown fields ignored, so a newer service does not break the read model), clears personal fields
/// the feed should never carry (a certificate's holder name and masked ID number), and formats it again — the stored
/// JSON is canonical, so replaying an event stores the same text. <see cref="ToSnapshot"/> maps stored rows to records.
/// Resource types the indicators do not use (credit rules, award rules …) are stored as sent and ignored here.
/// </summary>
public sealed class ReadModelMapper
{
    /// <summary>The resource types the read model asks the feeds for.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> TypesBySource = new Dictionary<string, IReadOnlyList<string>>
    {
        ["certificates"] = [CertV1.Certificate.Descriptor.FullName, CertV1.CertificateType.Descriptor.FullName],
        ["competitions"] = [CompV1.Competition.Descriptor.FullName, CompV1.Event.Descriptor.FullName, CompV1.Result.Descriptor.FullName],
        ["courses"] = [CourseV1.Major.Descriptor.FullName, CourseV1.Course.Descriptor.FullName, CourseV1.Enrollment.Descriptor.FullName],
        ["jobpostings"] = [JobsV1.Skill.Descriptor.FullName, JobsV1.Employer.Descriptor.FullName, JobsV1.JobPosting.Descriptor.FullName, JobsV1.Placement.Descriptor.FullName],
    };

    private static readonly MessageDescriptor[] Known =
    [
        CertV1.Certificate.Descriptor, CertV1.CertificateType.Descriptor,
        CompV1.Competition.Descriptor, CompV1.Event.Descriptor, CompV1.Result.Descriptor,
        CourseV1.Major.Descriptor, CourseV1.Course.Descriptor, CourseV1.Enrollment.Descriptor,
        JobsV1.Skill.Descriptor, JobsV1.Employer.Descriptor, JobsV1.JobPosting.Descriptor, JobsV1.Placement.Descriptor,
    ];

    private static readonly Dictionary<string, MessageDescriptor> ByName = Known.ToDictionary(d => d.FullName, StringComparer.Ordinal);

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    /// <summary>The state as canonical protobuf JSON without personal fields; throws <see cref="InvalidProtocolBufferException"/> on a bad state.</summary>
    public string Normalise(string resourceType, string stateJson)
    {
        if (!ByName.TryGetValue(resourceType, out var descriptor))
        {
            // Not a type the indicators read: keep it only if it is JSON at all (a later release may read it).
            using var _ = System.Text.Json.JsonDocument.Parse(stateJson);
            return stateJson;
        }
        var message = Parser.Parse(stateJson, descriptor);
        if (message is CertV1.Certificate certificate)
        {
            certificate.HolderName = string.Empty;
            certificate.HolderIdNumberMasked = string.Empty;
        }
        return Formatter.Format(message);
    }

    public ReadModelSnapshot ToSnapshot(IEnumerable<(string ResourceType, string StateJson)> rows)
    {
        var skills = new List<SkillInfo>();
        var types = new List<CertificateTypeInfo>();
        var certificates = new List<CertificateInfo>();
        var competitions = new List<CompetitionInfo>();
        var events = new List<EventInfo>();
        var results = new List<ResultInfo>();
        var majors = new List<MajorInfo>();
        var courses = new List<CourseInfo>();
        var enrollments = new List<EnrollmentInfo>();
        var employers = new List<EmployerInfo>();
        var postings = new List<PostingInfo>();
        var placements = new List<PlacementInfo>();

        foreach (var (resourceType, stateJson) in rows)
        {
            if (!ByName.TryGetValue(resourceType, out var descriptor)) continue;
            switch (Parser.Parse(stateJson, descriptor))
            {
                case JobsV1.Skill s:
                    skills.Add(new SkillInfo(s.Code, s.Cluster, [.. s.OccupationCodes]));
                    break;
                case CertV1.CertificateType t:
                    types.Add(new CertificateTypeInfo(t.Code, t.Kind.ToString(),
                        t.Levels.GroupBy(l => Name(l.Level)).ToDictionary(g => g.Key,
                            g => (IReadOnlyList<SkillAtLevel>)g.SelectMany(l => l.AttestedSkills).Select(Skill).ToList(), StringComparer.Ordinal)));
                    break;
                case CertV1.Certificate c:
                    certificates.Add(new CertificateInfo(c.CertificateNumber, c.TypeCode, Name(c.Level), c.LearnerId,
                        c.IssueDate.ToDateOnly() ?? DateOf(c.CreateTime), c.ExpireDate.ToDateOnly(),
                        c.Status == CertV1.CertificateStatus.Revoked));
                    break;
                case CompV1.Competition c:
                    competitions.Add(new CompetitionInfo(c.Id, Name(c.Tier), c.Year));
                    break;
                case CompV1.Event e:
                    events.Add(new EventInfo(e.CompetitionId, e.Code, [.. e.SkillsTested.Select(Skill)]));
                    break;
                case CompV1.Result r:
                    results.Add(new ResultInfo(r.Id, r.CompetitionId, r.EventCode, [.. r.Participants.Select(p => p.LearnerId)], Name(r.AwardGrade), DateOf(r.CreateTime)));
                    break;
                case CourseV1.Major m:
                    majors.Add(new MajorInfo(m.Code, m.Name));
                    break;
                case CourseV1.Course c:
                    courses.Add(new CourseInfo(c.Code, [.. c.MajorCodes], [.. c.SkillOutcomes.Select(Skill)], c.OwnerCreditCode, DateOf(c.CreateTime)));
                    break;
                case CourseV1.Enrollment e:
                    enrollments.Add(new EnrollmentInfo(e.Id, e.LearnerId, e.CourseCode,
                        e.Status is CourseV1.EnrollmentStatus.Passed or CourseV1.EnrollmentStatus.Exempted,
                        e.Grade?.GradeTime is { } graded ? DateOf(graded) : DateOf(e.CreateTime)));
                    break;
                case JobsV1.Employer e:
                    employers.Add(new EmployerInfo(e.CreditCode, e.DistrictCode));
                    break;
                case JobsV1.JobPosting p:
                    postings.Add(new PostingInfo(p.Id, p.OccupationCode, p.EmployerCreditCode, p.DistrictCode, p.Cluster, p.Headcount,
                        [.. p.Requirements.Select(r => new RequirementInfo(r.SkillCode, (int)r.MinLevel, r.Weight))],
                        p.Status == JobsV1.JobPostingStatus.Open, DateOf(p.CreateTime)));
                    break;
                case JobsV1.Placement p:
                    placements.Add(new PlacementInfo(p.Id, p.LearnerId, p.EmployerCreditCode, p.PostingId,
                        p.StartDate.ToDateOnly() ?? DateOf(p.CreateTime), p.Status == JobsV1.PlacementStatus.Completed,
                        [.. p.Ratings.Select(r => new SkillAtLevel(r.SkillCode, (int)r.Level))]));
                    break;
            }
        }
        return new ReadModelSnapshot(skills, types, certificates, competitions, events, results, majors, courses, enrollments, employers, postings, placements);
    }

    private static SkillAtLevel Skill(ChongqingVet.Common.V1.SkillRef skill) => new(skill.SkillCode, (int)skill.Level);

    /// <summary>The protobuf enum value's name, as the JSON mapping writes it (e.g. CERTIFICATE_LEVEL_X_JUNIOR).</summary>
    private static string Name<T>(T value) where T : struct, Enum =>
        typeof(T).GetField(value.ToString())?.GetCustomAttributes(typeof(OriginalNameAttribute), false).OfType<OriginalNameAttribute>().FirstOrDefault()?.Name
        ?? value.ToString();

    /// <summary>The China calendar date of an instant; 0001-01-01 when unset.</summary>
    private static DateOnly DateOf(Google.Protobuf.WellKnownTypes.Timestamp? time) =>
        time is null ? DateOnly.MinValue : DateOnly.FromDateTime(time.ToDateTimeOffset().ToOffset(China).DateTime);
}
