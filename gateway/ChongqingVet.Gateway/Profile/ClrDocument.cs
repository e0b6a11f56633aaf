using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;

namespace ChongqingVet.Gateway.Profile;

/// <summary>A competition award of the learner with the competition it belongs to.</summary>
public sealed record ClrAward(Result Result, Competition Competition);

/// <summary>A passed course of the learner with the course (null when the catalog no longer has it).</summary>
public sealed record ClrCourse(Enrollment Enrollment, Course? Course);

/// <summary>What a learner record bundles: the signed certificate credentials (compact JWS), awards and passed courses.</summary>
public sealed record ClrContent(string LearnerId, IReadOnlyList<string> CertificateCredentials, IReadOnlyList<ClrAward> Awards, IReadOnlyList<ClrCourse> Courses);

/// <summary>
/// A learner's record as a 1EdTech Comprehensive Learner Record 2.0 <c>ClrCredential</c> (docs/CREDENTIALS.md): the
/// issuer is this gateway (<c>Credentials:IssuerBaseUrl</c>); the subject is the learner's id (a pseudonymous
/// account id — never a name or an ID number); <c>verifiableCredential</c> holds each active certificate's signed Open
/// Badges credential as a VC 2.0 <c>EnvelopedVerifiableCredential</c> (its own signature and status entry stay
/// checkable), and each competition award and passed course as an <c>AchievementCredential</c> with its evidence, covered
/// by the record's signature. Members are written in a fixed order and the id is a hash of the content, so the same
/// records at the same time give the same bytes.
/// </summary>
public static class ClrDocument
{
    public const string VcContext = "https://www.w3.org/ns/credentials/v2";
    public const string ClrContext = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";
    public const string Ob3Context = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
    public const string EnvelopedPrefix = "data:application/vc+jwt,";

    public static JsonObject Build(string baseUrl, string issuerName, ClrContent content, DateTimeOffset issuedAt)
    {
        var learner = $"{baseUrl}/learners/{Uri.EscapeDataString(content.LearnerId)}";
        var credentials = new JsonArray();
        foreach (var jws in content.CertificateCredentials)
            credentials.Add(new JsonObject { ["@context"] = VcContext, ["id"] = EnvelopedPrefix + jws, ["type"] = "EnvelopedVerifiableCredential" });
        foreach (var award in content.Awards) credentials.Add(Award(baseUrl, learner, award));
        foreach (var course in content.Courses) credentials.Add(CourseResult(baseUrl, learner, course));

        var subject = new JsonObject
        {
            ["id"] = learner,
            ["type"] = new JsonArray("ClrSubject"),
            ["verifiableCredential"] = credentials,
        };
        var id = $"{learner}/clr/{ContentHash(subject, issuedAt)}";
        var issued = Format(issuedAt);
        return new JsonObject
        {
            ["@context"] = new JsonArray(VcContext, ClrContext, Ob3Context),
            ["id"] = id,
            ["type"] = new JsonArray("VerifiableCredential", "ClrCredential"),
            ["name"] = $"综合学习记录 Comprehensive Learner Record — {content.LearnerId}",
            ["issuer"] = new JsonObject { ["id"] = baseUrl, ["type"] = new JsonArray("Profile"), ["name"] = issuerName },
            ["validFrom"] = issued,
            ["awardedDate"] = issued,
            ["credentialSubject"] = subject,
            ["iss"] = baseUrl,
            ["jti"] = id,
            ["sub"] = learner,
            ["nbf"] = issuedAt.ToUnixTimeSeconds(),
        };
    }

    private static JsonObject Award(string baseUrl, string learner, ClrAward award)
    {
        var (result, competition) = (award.Result, award.Competition);
        var grade = AchievementLabels.AwardLabel(result.AwardGrade);
        var (tierZh, tierEn) = AchievementLabels.TierLabels(competition.Tier);
        var id = $"{learner}/awards/{Uri.EscapeDataString(result.Id)}";
        var narrative = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{competition.Year} {competition.Name}, event {result.EventCode}: {grade}"));
        if (result.Rank > 0) narrative.Append(CultureInfo.InvariantCulture, $", rank {result.Rank}");
        if (result.HasScore) narrative.Append(CultureInfo.InvariantCulture, $", score {result.Score:0.##}");
        if (result.Participants.Count > 1) narrative.Append(CultureInfo.InvariantCulture, $", team of {result.Participants.Count}{(result.TeamName.Length > 0 ? $" ({result.TeamName})" : "")}");
        return Assertion(id, $"{competition.Name} {grade}", new JsonObject
        {
            ["id"] = $"{baseUrl}/achievements/competitions/{Uri.EscapeDataString(competition.Id)}/{Uri.EscapeDataString(result.EventCode)}/{result.AwardGrade.ToString().ToLowerInvariant()}",
            ["type"] = new JsonArray("Achievement"),
            ["achievementType"] = "Award",
            ["name"] = $"{competition.Name}（{result.EventCode}）{grade}",
            ["description"] = $"{tierZh} {tierEn} competition organised by {competition.Organiser}, {competition.Year}.",
            ["criteria"] = new JsonObject { ["narrative"] = $"获得{competition.Name}{result.EventCode}项目{grade}。" },
        }, Issuer($"{baseUrl}/issuers/competitions/{Uri.EscapeDataString(competition.OrganiserCreditCode.Length > 0 ? competition.OrganiserCreditCode : competition.Id)}", competition.Organiser),
        FormatDate(competition.EndDate.ToDateOnly()), new JsonObject
        {
            ["id"] = $"{learner}/results/{Uri.EscapeDataString(result.Id)}",
            ["type"] = new JsonArray("Evidence"),
            ["name"] = "Competition result 比赛成绩",
            ["narrative"] = narrative.ToString(),
        });
    }

    private static JsonObject CourseResult(string baseUrl, string learner, ClrCourse course)
    {
        var enrollment = course.Enrollment;
        var name = course.Course?.Name ?? enrollment.CourseCode;
        var id = $"{learner}/courses/{Uri.EscapeDataString(enrollment.Id)}";
        var achievement = new JsonObject
        {
            ["id"] = $"{baseUrl}/achievements/courses/{Uri.EscapeDataString(enrollment.CourseCode)}",
            ["type"] = new JsonArray("Achievement"),
            ["achievementType"] = "Course",
            ["name"] = name,
            ["description"] = course.Course is { } known
                ? string.Create(CultureInfo.InvariantCulture, $"Course {known.Code}, {known.Credits:0.#} credits, {known.Hours} hours.")
                : $"Course {enrollment.CourseCode}.",
            ["criteria"] = new JsonObject { ["narrative"] = course.Course is { PassMark: > 0 } withMark
                ? string.Create(CultureInfo.InvariantCulture, $"成绩达到合格线 {withMark.PassMark:0.##} 分。")
                : "课程考核合格。" },
        };
        if (course.Course is { Credits: > 0 } credited) achievement["creditsAvailable"] = credited.Credits;
        var owner = course.Course?.OwnerCreditCode is { Length: > 0 } code ? code : "catalog";
        return Assertion(id, name, achievement, Issuer($"{baseUrl}/issuers/courses/{Uri.EscapeDataString(owner)}", "课程 Courses (ChongqingVet)"), null, new JsonObject
        {
            ["id"] = $"{learner}/enrollments/{Uri.EscapeDataString(enrollment.Id)}",
            ["type"] = new JsonArray("Evidence"),
            ["name"] = "Course grade 课程成绩",
            ["narrative"] = string.Create(CultureInfo.InvariantCulture, $"Term {enrollment.Term}: score {enrollment.Grade.Score:0.##}, passed."),
        });
    }

    /// <summary>One award or course as an OB3 AchievementCredential held by the record (its proof is the record's).</summary>
    private static JsonObject Issuer(string id, string name) => new() { ["id"] = id, ["type"] = new JsonArray("Profile"), ["name"] = name };

    private static JsonObject Assertion(string id, string name, JsonObject achievement, JsonObject issuer, string? validFrom, JsonObject evidence)
    {
        var assertion = new JsonObject
        {
            ["@context"] = new JsonArray(VcContext, Ob3Context),
            ["id"] = id,
            ["type"] = new JsonArray("VerifiableCredential", "AchievementCredential"),
            ["name"] = name,
        };
        assertion["issuer"] = issuer;
        if (validFrom is not null) assertion["validFrom"] = validFrom;
        assertion["credentialSubject"] = new JsonObject { ["type"] = new JsonArray("AchievementSubject"), ["achievement"] = achievement };
        assertion["evidence"] = new JsonArray(evidence);
        return assertion;
    }

    private static string ContentHash(JsonObject subject, DateTimeOffset issuedAt) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subject.ToJsonString() + "|" + issuedAt.ToUnixTimeSeconds())))[..32];

    private static string Format(DateTimeOffset time) => time.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>The start of a China calendar day.</summary>
    private static string? FormatDate(DateOnly? date) => date is { } d ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00+08:00" : null;
}
