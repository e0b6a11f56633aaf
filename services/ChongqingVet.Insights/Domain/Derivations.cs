using ChongqingVet.Domain.Codes;

namespace ChongqingVet.Insights.Domain;

/// <summary>
/// What the source resources do not carry, derived once per snapshot (docs/INSIGHTS.md, "Derivations"):
/// <list type="bullet">
/// <item>a learner's <b>major</b>: the major that the courses of their enrolments belong to most often (each enrolment
/// counts once for each major of its course; a tie goes to the lowest major code); none without enrolments;</item>
/// <item>a learner's <b>district</b>: the district of the employer of their latest placement (by start date, then id),
/// else that posting's district; none without placements;</item>
/// <item>a major's <b>targets</b>: the 33618 clusters and the occupations that the skill catalog gives the skills its
/// courses teach (course skill outcomes);</item>
/// <item>a placement's <b>occupation and cluster</b>: those of the posting it was recorded against; none without one;
/// its <b>district</b>: its employer's district, else its posting's;</item>
/// <item>a learner's <b>skills held</b> in a window: the highest level any of these attests, counting only records
/// dated in the window — an unrevoked certificate not expired at the window's end (its type's attested skills for its
/// level), an awarded competition result (its event's tested skills, for every participant), a passed or exempted
/// enrolment (the course's skill outcomes), a completed placement (the employer's ratings).</item>
/// </list>
/// </summary>
public sealed class Derivations
{
    private readonly ReadModelSnapshot _model;
    private readonly Dictionary<string, SkillInfo> _skills;
    private readonly Dictionary<string, CourseInfo> _courses;
    private readonly Dictionary<string, EmployerInfo> _employers;
    private readonly Dictionary<string, PostingInfo> _postings;
    private readonly Dictionary<string, string> _learnerMajor;
    private readonly Dictionary<string, string> _learnerDistrict;
    private readonly Dictionary<string, (HashSet<string> Clusters, HashSet<string> Occupations, HashSet<string> Skills)> _majorTargets;

    public Derivations(ReadModelSnapshot model)
    {
        _model = model;
        _skills = model.Skills.ToDictionary(s => s.Code, StringComparer.Ordinal);
        _courses = model.Courses.ToDictionary(c => c.Code, StringComparer.Ordinal);
        _employers = model.Employers.ToDictionary(e => e.CreditCode, StringComparer.Ordinal);
        _postings = model.Postings.ToDictionary(p => p.Id, StringComparer.Ordinal);

        _learnerMajor = model.Enrollments
            .SelectMany(e => _courses.TryGetValue(e.CourseCode, out var course) ? course.MajorCodes.Select(m => (e.LearnerId, Major: m)) : [])
            .GroupBy(x => x.LearnerId, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.GroupBy(x => x.Major, StringComparer.Ordinal)
                    .OrderByDescending(m => m.Count()).ThenBy(m => m.Key, StringComparer.Ordinal)
                    .First().Key,
                StringComparer.Ordinal);

        _learnerDistrict = model.Placements
            .GroupBy(p => p.LearnerId, StringComparer.Ordinal)
            .Select(g => (Learner: g.Key, Latest: g.OrderByDescending(p => p.StartDate).ThenByDescending(p => p.Id, StringComparer.Ordinal).First()))
            .Select(x => (x.Learner, District: PlacementDistrict(x.Latest)))
            .Where(x => x.District.Length > 0)
            .ToDictionary(x => x.Learner, x => x.District, StringComparer.Ordinal);

        _majorTargets = new Dictionary<string, (HashSet<string>, HashSet<string>, HashSet<string>)>(StringComparer.Ordinal);
        foreach (var course in model.Courses)
            foreach (var major in course.MajorCodes)
            {
                if (!_majorTargets.TryGetValue(major, out var targets))
                    _majorTargets[major] = targets = (new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal));
                foreach (var outcome in course.SkillOutcomes)
                {
                    targets.Skills.Add(outcome.SkillCode);
                    if (!_skills.TryGetValue(outcome.SkillCode, out var skill)) continue;
                    if (skill.Cluster.Length > 0) targets.Clusters.Add(skill.Cluster);
                    targets.Occupations.UnionWith(skill.Occupations);
                }
            }
    }

    public ReadModelSnapshot Model => _model;

    public SkillInfo? Skill(string code) => _skills.GetValueOrDefault(code);

    public PostingInfo? Posting(string id) => id.Length == 0 ? null : _postings.GetValueOrDefault(id);

    /// <summary>The learner's derived major code, or empty.</summary>
    public string MajorOf(string learnerId) => _learnerMajor.GetValueOrDefault(learnerId, string.Empty);

    /// <summary>The learner's derived district code, or empty.</summary>
    public string DistrictOf(string learnerId) => _learnerDistrict.GetValueOrDefault(learnerId, string.Empty);

    /// <summary>The 33618 clusters the major's courses teach skills of.</summary>
    public IReadOnlySet<string> ClustersOf(string major) => _majorTargets.TryGetValue(major, out var t) ? t.Clusters : new HashSet<string>();

    /// <summary>The occupations the major's courses teach skills of.</summary>
    public IReadOnlySet<string> OccupationsOf(string major) => _majorTargets.TryGetValue(major, out var t) ? t.Occupations : new HashSet<string>();

    /// <summary>The majors whose courses teach the skill.</summary>
    public IEnumerable<string> MajorsTeaching(string skillCode) =>
        _majorTargets.Where(m => m.Value.Skills.Contains(skillCode)).Select(m => m.Key);

    /// <summary>Where a placement is: its employer's district, else its posting's; empty when neither is known.</summary>
    public string PlacementDistrict(PlacementInfo placement) =>
        _employers.TryGetValue(placement.EmployerCreditCode, out var employer) && employer.DistrictCode.Length > 0 ? employer.DistrictCode
        : Posting(placement.PostingId)?.DistrictCode ?? string.Empty;

    /// <summary>Every learner id the model knows, in order.</summary>
    public IEnumerable<string> Learners() =>
        _model.Certificates.Select(c => c.LearnerId)
            .Concat(_model.Results.SelectMany(r => r.LearnerIds))
            .Concat(_model.Enrollments.Select(e => e.LearnerId))
            .Concat(_model.Placements.Select(p => p.LearnerId))
            .Where(id => id.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);

    /// <summary>Each learner's skills held (skill → highest level) from records dated in the window.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, int>> SkillsHeld(DataWindow window)
    {
        var held = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        void Hold(string learner, IEnumerable<SkillAtLevel> skills)
        {
            if (learner.Length == 0) return;
            if (!held.TryGetValue(learner, out var map)) held[learner] = map = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var skill in skills)
                if (skill.Level > map.GetValueOrDefault(skill.SkillCode)) map[skill.SkillCode] = skill.Level;
        }

        var types = _model.CertificateTypes.ToDictionary(t => t.Code, StringComparer.Ordinal);
        foreach (var certificate in _model.Certificates)
        {
            if (certificate.Revoked || !window.Contains(certificate.IssueDate)) continue;
            if (certificate.ExpireDate is { } expires && expires < window.End) continue;
            if (types.TryGetValue(certificate.TypeCode, out var type) && type.SkillsByLevel.TryGetValue(certificate.Level, out var skills))
                Hold(certificate.LearnerId, skills);
        }
        var events = _model.Events.ToDictionary(e => (e.CompetitionId, e.Code));
        foreach (var result in _model.Results)
        {
            if (!result.IsAward || !window.Contains(result.RecordDate)) continue;
            if (!events.TryGetValue((result.CompetitionId, result.EventCode), out var competitionEvent)) continue;
            foreach (var learner in result.LearnerIds) Hold(learner, competitionEvent.SkillsTested);
        }
        foreach (var enrollment in _model.Enrollments)
            if (enrollment.Passed && window.Contains(enrollment.Date) && _courses.TryGetValue(enrollment.CourseCode, out var course))
                Hold(enrollment.LearnerId, course.SkillOutcomes);
        foreach (var placement in _model.Placements)
            if (placement.Completed && window.Contains(placement.StartDate)) Hold(placement.LearnerId, placement.Ratings);
        return held;
    }

    /// <summary>Whether a district or zone code is in Chongqing: a 5001xx/5002xx GB/T 2260 code or a functional zone.</summary>
    public static bool IsChongqing(string districtCode) =>
        (districtCode.Length == 6 && (districtCode.StartsWith("5001", StringComparison.Ordinal) || districtCode.StartsWith("5002", StringComparison.Ordinal))
            && districtCode.All(char.IsAsciiDigit))
        || ChongqingDistricts.Find(districtCode) is { IsFunctionalZone: true };

    /// <summary>The school year a date falls in (from 1 September): 2025-10-01 → "2025-2026", 2026-06-30 → "2025-2026".</summary>
    public static string SchoolYear(DateOnly date) =>
        date.Month >= 9 ? $"{date.Year}-{date.Year + 1}" : $"{date.Year - 1}-{date.Year}";
}
