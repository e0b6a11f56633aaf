using System.Globalization;
using ChongqingVet.Common.V1;
using ChongqingVet.Courses.V1;

namespace ChongqingVet.Courses.Domain;

/// <summary>Settings of the credit bank (<c>CreditRecognition:</c> section), from published school policies (DOMAIN.md §5).</summary>
public sealed class CreditRecognitionOptions
{
    /// <summary>Converted credits may not exceed this share of the major's professional-course credits (default 0.2).</summary>
    public double CapRatio { get; set; } = 0.2;

    /// <summary>At most this many credits from one achievement, unless a rule sets a lower max (default 8).</summary>
    public double MaxCreditsPerAchievement { get; set; } = 8;

    /// <summary>Grade recorded for an exempted course when the rule gives none (default 90, 优秀).</summary>
    public double DefaultExemptGrade { get; set; } = 90;

    /// <summary>Courses that can never be exempted besides every PUBLIC course (political theory, PE …).</summary>
    public string[] DenyCourseCodes { get; set; } = [];
}

/// <summary>What the engine needs to know about a course.</summary>
public sealed record CourseFacts(string Code, double Credits, CourseCategory Category);

/// <summary>
/// The credit-bank engine: applies recognition rules to a learner's achievements for one major. Deterministic:
/// achievements are taken in the order of their ids (ordinal); for each, the rules that recognise it are tried
/// major-specific first, then all-majors; within a group the higher required certificate level first, then by rule id; a rule's courses in code order. Constraints:
/// each achievement counts once; a course is exempted once; a PUBLIC or denied course is never exempted; an
/// achievement never exempts a course worth more than its credit limit (the rule's max, else 8); the total is
/// capped at CapRatio × the major's professional credits; a course the learner already passed is not exempted. Every achievement that did not count says why.
/// </summary>
public sealed class CreditRecognitionEngine(CreditRecognitionOptions options)
{
    public EvaluateCreditRecognitionResponse Evaluate(
        double professionalCredits,
        IReadOnlyList<CreditRule> rules,
        IReadOnlyDictionary<string, CourseFacts> courses,
        IEnumerable<Achievement> achievements,
        string majorCode,
        IEnumerable<string>? passedCourses = null)
    {
        var cap = Math.Round(professionalCredits * options.CapRatio, 2);
        var response = new EvaluateCreditRecognitionResponse { CapCredits = cap };
        var used = new HashSet<string>(StringComparer.Ordinal);
        var exempted = new HashSet<string>(passedCourses ?? [], StringComparer.Ordinal);
        var total = 0.0;
        var ordered = rules
            .OrderBy(r => r.MajorCode.Length == 0 ? 1 : 0)
            .ThenByDescending(r => r.SourceCase == CreditRule.SourceOneofCase.Certificate ? (int)r.Certificate.Level : 0)
            .ThenBy(r => r.Id, StringComparer.Ordinal)
            .ToArray();

        foreach (var achievement in achievements.OrderBy(a => a.Id, StringComparer.Ordinal))
        {
            if (!used.Add(achievement.Id))
            {
                response.Unused.Add(Unused(achievement, UnusedReason.AlreadyUsed, "offered more than once; it counts once"));
                continue;
            }
            var matching = ordered.Where(rule => Recognises(rule, achievement) && (rule.MajorCode.Length == 0 || rule.MajorCode == majorCode)).ToArray();
            if (matching.Length == 0)
            {
                response.Unused.Add(Unused(achievement, UnusedReason.NoRule, "no rule of this major recognises it"));
                continue;
            }

            UnusedAchievement? reason = null;
            var granted = false;
            foreach (var rule in matching)
            {
                var limit = rule.MaxCredits > 0 ? Math.Min(rule.MaxCredits, options.MaxCreditsPerAchievement) : options.MaxCreditsPerAchievement;
                var (recognitions, why) = rule.TargetCase == CreditRule.TargetOneofCase.Exemption
                    ? Exempt(rule, achievement, limit, courses, exempted, cap - total)
                    : Elective(rule, achievement, limit, cap - total);
                if (recognitions.Count > 0)
                {
                    response.Recognitions.AddRange(recognitions);
                    total += recognitions.Sum(r => r.Credits);
                    granted = true;
                    break;
                }
                reason ??= why;
            }
            if (!granted) response.Unused.Add(reason ?? Unused(achievement, UnusedReason.NoRule, "no rule granted credits"));
        }
        response.TotalCredits = Math.Round(total, 2);
        return response;
    }

    /// <summary>Whether a rule's source recognises the achievement (certificates: same type, level at least the rule's, same ladder).</summary>
    public static bool Recognises(CreditRule rule, Achievement achievement) => (rule.SourceCase, achievement.KindCase) switch
    {
        (CreditRule.SourceOneofCase.Certificate, Achievement.KindOneofCase.Certificate) =>
            rule.Certificate.TypeCode == achievement.Certificate.TypeCode
            && SameLadder(rule.Certificate.Level, achievement.Certificate.Level)
            && achievement.Certificate.Level >= rule.Certificate.Level,
        (CreditRule.SourceOneofCase.Competition, Achievement.KindOneofCase.Competition) =>
            rule.Competition.Tier == achievement.Competition.Tier
            && rule.Competition.AwardGrade == achievement.Competition.AwardGrade
            && rule.Competition.Team == achievement.Competition.Team,
        _ => false,
    };

    private static bool SameLadder(CertificateLevel a, CertificateLevel b) => IsX(a) == IsX(b);

    private static bool IsX(CertificateLevel level) => level is >= CertificateLevel.XJunior and <= CertificateLevel.XSenior;

    private (List<Recognition>, UnusedAchievement) Exempt(CreditRule rule, Achievement achievement, double limit,
        IReadOnlyDictionary<string, CourseFacts> courses, HashSet<string> exempted, double remainingCap)
    {
        var recognitions = new List<Recognition>();
        var credits = 0.0;
        UnusedReason reason = UnusedReason.CourseNotExemptible;
        var explanation = "its courses cannot be exempted";
        foreach (var code in rule.Exemption.CourseCodes.Order(StringComparer.Ordinal))
        {
            if (!courses.TryGetValue(code, out var course)) continue;
            if (course.Category == CourseCategory.Public || options.DenyCourseCodes.Contains(code))
            {
                (reason, explanation) = (UnusedReason.CourseNotExemptible, $"{code} is a public or denied course");
                continue;
            }
            if (course.Credits > limit)
            {
                (reason, explanation) = (UnusedReason.CourseNotExemptible, string.Create(CultureInfo.InvariantCulture, $"{code} is worth {course.Credits} credits, more than the {limit} this achievement may earn"));
                continue;
            }
            if (exempted.Contains(code))
            {
                (reason, explanation) = (UnusedReason.CourseAlreadyExempted, $"{code} is already passed or exempted by another achievement");
                continue;
            }
            if (credits + course.Credits > limit) continue;
            if (credits + course.Credits > remainingCap)
            {
                (reason, explanation) = (UnusedReason.CapReached, string.Create(CultureInfo.InvariantCulture, $"the major's cap leaves {Math.Max(0, remainingCap):0.##} credits"));
                continue;
            }
            exempted.Add(code);
            credits += course.Credits;
            recognitions.Add(new Recognition
            {
                AchievementId = achievement.Id,
                RuleId = rule.Id,
                CourseCode = code,
                Credits = course.Credits,
                Grade = rule.Exemption.ExemptGrade > 0 ? rule.Exemption.ExemptGrade : options.DefaultExemptGrade,
            });
        }
        return (recognitions, Unused(achievement, reason, explanation));
    }

    private static (List<Recognition>, UnusedAchievement) Elective(CreditRule rule, Achievement achievement, double limit, double remainingCap)
    {
        var credits = Math.Min(Math.Min(rule.ElectiveCredits, limit), remainingCap);
        if (credits <= 0)
            return ([], Unused(achievement, UnusedReason.CapReached, "the major's recognition cap is reached"));
        return ([new Recognition { AchievementId = achievement.Id, RuleId = rule.Id, Credits = Math.Round(credits, 2) }], Unused(achievement, UnusedReason.Unspecified, ""));
    }

    private static UnusedAchievement Unused(Achievement achievement, UnusedReason reason, string explanation) =>
        new() { AchievementId = achievement.Id, Reason = reason, Explanation = explanation };
}
