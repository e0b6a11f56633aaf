using System.Text.Json.Nodes;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Gateway.Profile;

namespace ChongqingVet.Gateway.Tests;

/// <summary>The learner record document: its shape, its determinism, what it leaves out.</summary>
public sealed class ClrDocumentTests
{
    private static readonly DateTimeOffset IssuedAt = new(2026, 12, 1, 2, 0, 0, TimeSpan.Zero);

    private static ClrContent Content() => new("L0042",
        ["eyJhbGciOiJFUzI1NiJ9.e30.c2ln"],
        [new ClrAward(
            new Result { Id = "r-1", CompetitionId = "cmp-1", EventCode = "ZZ007", AwardGrade = AwardGrade.SecondPrize, Rank = 12, Score = 88.5,
                Participants = { new Participant { LearnerId = "L0042" }, new Participant { LearnerId = "L0043" } }, TeamName = "重庆工业职院队" },
            new Competition { Id = "cmp-1", Name = "全国职业院校技能大赛", Tier = CompetitionTier.National, Year = 2024, Organiser = "教育部",
                EndDate = new DateOnly(2024, 6, 30).ToProtoDate() })],
        [new ClrCourse(new Enrollment { Id = "e-1", CourseCode = "IR101", Term = "2024-1", Grade = new Grade { Score = 91, Passed = true } },
            new Course { Code = "IR101", Name = "工业机器人编程", Credits = 4, Hours = 64, PassMark = 60 })]);

    [Fact]
    public void Build_IsAClrCredentialHoldingTheEnvelopedCertificateTheAwardAndTheCourse_WithEvidence()
    {
        var clr = ClrDocument.Build("https://gw.example", "Issuer", Content(), IssuedAt);

        Assert.Equal(["VerifiableCredential", "ClrCredential"], clr["type"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("2026-12-01T10:00:00+08:00", clr["validFrom"]!.GetValue<string>());
        var held = clr["credentialSubject"]!["verifiableCredential"]!.AsArray();
        Assert.Equal(3, held.Count);
        Assert.Equal("data:application/vc+jwt,eyJhbGciOiJFUzI1NiJ9.e30.c2ln", held[0]!["id"]!.GetValue<string>());
        var award = held[1]!;
        Assert.Equal("Award", award["credentialSubject"]!["achievement"]!["achievementType"]!.GetValue<string>());
        Assert.Equal("2024-06-30T00:00:00+08:00", award["validFrom"]!.GetValue<string>());
        Assert.Contains("二等奖", award["name"]!.GetValue<string>());
        Assert.Contains("rank 12", award["evidence"]![0]!["narrative"]!.GetValue<string>());
        var course = held[2]!;
        Assert.Equal("Course", course["credentialSubject"]!["achievement"]!["achievementType"]!.GetValue<string>());
        Assert.Equal(4, course["credentialSubject"]!["achievement"]!["creditsAvailable"]!.GetValue<double>());
        Assert.Contains("score 91", course["evidence"]![0]!["narrative"]!.GetValue<string>());
        // The other team member is not named in the learner's record.
        Assert.DoesNotContain("L0043", clr.ToJsonString());
    }

    [Fact]
    public void Build_SameRecordsAndTime_SameBytes_AnotherTime_AnotherId()
    {
        var first = ClrDocument.Build("https://gw.example", "Issuer", Content(), IssuedAt).ToJsonString();
        Assert.Equal(first, ClrDocument.Build("https://gw.example", "Issuer", Content(), IssuedAt).ToJsonString());
        var later = ClrDocument.Build("https://gw.example", "Issuer", Content(), IssuedAt.AddSeconds(1));
        Assert.NotEqual(JsonNode.Parse(first)!["id"]!.GetValue<string>(), later["id"]!.GetValue<string>());
    }
}
