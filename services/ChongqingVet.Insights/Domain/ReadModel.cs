namespace ChongqingVet.Insights.Domain;

// The read model as the indicators see it: plain records, one per resource the change feeds published, holding only
// the fields an indicator uses (learner ids, codes, levels, dates — no names, no ID numbers). Data/ReadModelMapper
// builds them from the stored protobuf JSON. Skill levels are chongqingvet.common.v1.SkillLevel numbers (1 = 五级 …
// 5 = 一级); enum-valued fields the indicators only group by are kept as their protobuf enum names.

/// <summary>A skill of the job postings service's catalog: its 33618 cluster and the occupations it belongs to.</summary>
public sealed record SkillInfo(string Code, string Cluster, IReadOnlyList<string> Occupations);

/// <summary>A skill at a level (a requirement's minimum or a level held).</summary>
public sealed record SkillAtLevel(string SkillCode, int Level);

/// <summary>A certificate type: for each certificate level (enum name), the skills a certificate of that level attests.</summary>
public sealed record CertificateTypeInfo(string Code, string Kind, IReadOnlyDictionary<string, IReadOnlyList<SkillAtLevel>> SkillsByLevel);

/// <summary>A certificate. <paramref name="Revoked"/> is its current status; <paramref name="ExpireDate"/> null: does not expire.</summary>
public sealed record CertificateInfo(string Number, string TypeCode, string Level, string LearnerId, DateOnly IssueDate, DateOnly? ExpireDate, bool Revoked);

/// <summary>A competition: its tier (enum name) and year.</summary>
public sealed record CompetitionInfo(string Id, string Tier, int Year);

/// <summary>An event of a competition and the skills it tests.</summary>
public sealed record EventInfo(string CompetitionId, string Code, IReadOnlyList<SkillAtLevel> SkillsTested);

/// <summary>A competition result: its participants' learner ids, the award grade (enum name) and when it was recorded.</summary>
public sealed record ResultInfo(string Id, string CompetitionId, string EventCode, IReadOnlyList<string> LearnerIds, string AwardGrade, DateOnly RecordDate)
{
    /// <summary>An award: any grade but participation (or none).</summary>
    public bool IsAward => AwardGrade is not ("AWARD_GRADE_PARTICIPATION" or "AWARD_GRADE_UNSPECIFIED" or "");
}

/// <summary>A major of the 专业目录.</summary>
public sealed record MajorInfo(string Code, string Name);

/// <summary>A course: the majors it belongs to, the skills it teaches, the school that teaches it and when it was created.</summary>
public sealed record CourseInfo(string Code, IReadOnlyList<string> MajorCodes, IReadOnlyList<SkillAtLevel> SkillOutcomes, string OwnerCreditCode, DateOnly CreateDate);

/// <summary>An enrolment: passed (or exempted) means the course's skill outcomes count as held.</summary>
public sealed record EnrollmentInfo(string Id, string LearnerId, string CourseCode, bool Passed, DateOnly Date);

/// <summary>An employer and its district.</summary>
public sealed record EmployerInfo(string CreditCode, string DistrictCode);

/// <summary>A skill requirement of a posting: minimum level and weight.</summary>
public sealed record RequirementInfo(string SkillCode, int MinLevel, double Weight);

/// <summary>A job posting.</summary>
public sealed record PostingInfo(string Id, string OccupationCode, string EmployerCreditCode, string DistrictCode, string Cluster,
    int Headcount, IReadOnlyList<RequirementInfo> Requirements, bool Open, DateOnly CreateDate);

/// <summary>A placement (岗位实习/就业): the learner, where, from which posting, and the skills the employer rated.</summary>
public sealed record PlacementInfo(string Id, string LearnerId, string EmployerCreditCode, string PostingId, DateOnly StartDate, bool Completed,
    IReadOnlyList<SkillAtLevel> Ratings);

/// <summary>Everything the read model holds, plus the latest change time (the default end of a window).</summary>
public sealed record ReadModelSnapshot(
    IReadOnlyList<SkillInfo> Skills,
    IReadOnlyList<CertificateTypeInfo> CertificateTypes,
    IReadOnlyList<CertificateInfo> Certificates,
    IReadOnlyList<CompetitionInfo> Competitions,
    IReadOnlyList<EventInfo> Events,
    IReadOnlyList<ResultInfo> Results,
    IReadOnlyList<MajorInfo> Majors,
    IReadOnlyList<CourseInfo> Courses,
    IReadOnlyList<EnrollmentInfo> Enrollments,
    IReadOnlyList<EmployerInfo> Employers,
    IReadOnlyList<PostingInfo> Postings,
    IReadOnlyList<PlacementInfo> Placements)
{
    public static ReadModelSnapshot Empty { get; } = new([], [], [], [], [], [], [], [], [], [], [], []);

    /// <summary>The earliest dated record, the default start of a window (today when the model is empty).</summary>
    public DateOnly? EarliestDate =>
        Certificates.Select(c => c.IssueDate)
            .Concat(Results.Select(r => r.RecordDate))
            .Concat(Courses.Select(c => c.CreateDate))
            .Concat(Enrollments.Select(e => e.Date))
            .Concat(Postings.Select(p => p.CreateDate))
            .Concat(Placements.Select(p => p.StartDate))
            .Cast<DateOnly?>()
            .Min();
}

/// <summary>The period a figure covers: records dated from <paramref name="Start"/> to <paramref name="End"/>, both included.</summary>
public sealed record DataWindow(DateOnly Start, DateOnly End)
{
    public bool Contains(DateOnly date) => date >= Start && date <= End;

    /// <summary>The window asked for, with defaults: the earliest record of the model, and today.</summary>
    public static DataWindow Resolve(DateOnly? start, DateOnly? end, ReadModelSnapshot model, DateOnly today)
    {
        var last = end ?? today;
        var first = start ?? model.EarliestDate ?? last;
        return new DataWindow(first <= last ? first : last, last);
    }
}

/// <summary>
/// One reproducible number: <see cref="Value"/> = numerator / denominator (0 when the denominator is 0). A
/// <paramref name="Suppressed"/> figure is withheld (<see cref="Disclosure"/>): its counts are 0 and mean nothing.
/// </summary>
public sealed record Figure(string Key, string Label, double Numerator, double Denominator, bool Suppressed = false)
{
    public double Value => Denominator == 0 ? 0 : Numerator / Denominator;
}

/// <summary>A share-type indicator: definition, window, the city total and the figures per group (ordered by key).</summary>
public sealed record Indicator(string Definition, string Derivation, DataWindow Window, Figure Total, IReadOnlyList<Figure> Figures);
