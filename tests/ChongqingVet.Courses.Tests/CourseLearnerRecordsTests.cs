using ChongqingVet.Common.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Grpc.Core;

namespace ChongqingVet.Courses.Tests;

/// <summary>ListLearnerRecords (the common learner-record contract): enrolments and the evidence passed courses give, paged together.</summary>
public class CourseLearnerRecordsTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    /// <summary>L0001: JD-201 passed with 82, JD-202 failed with 55, JD-203 not graded yet.</summary>
    private static async Task EnrollAsync(CourseServiceHarness harness)
    {
        foreach (var code in new[] { "JD-201", "JD-202", "JD-203" }) await harness.CreateCourseAsync(CourseServiceHarness.PlcCourse(code));
        foreach (var (code, score) in new[] { ("JD-201", 82.0), ("JD-202", 55.0) })
        {
            var enrollment = await harness.EnrollAsync("L0001", code);
            await harness.Client.RecordGradeAsync(new RecordGradeRequest
            {
                RequestId = Guid.NewGuid().ToString(), EnrollmentId = enrollment.Id, Score = score, Passed = score >= 60, Etag = enrollment.Etag,
            });
        }
        await harness.EnrollAsync("L0001", "JD-203");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListLearnerRecords_PagedOneByOne_RecordsAreTheEnrolmentsAndOnlyThePassedOneGivesEvidence(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        await EnrollAsync(harness);

        var (records, evidence, pages) = await LearnerRecordPages.ReadAllAsync(
            request => harness.Client.ListLearnerRecordsAsync(request).ResponseAsync, "L0001", pageSize: 1);

        Assert.Equal(3, pages);
        var listed = await harness.Client.ListEnrollmentsAsync(new ListEnrollmentsRequest { LearnerId = "L0001" });
        Assert.Equal(listed.Enrollments, records.Select(r => r.Record.Unpack<Enrollment>()));
        Assert.All(records, r => Assert.Equal(EvidenceSourceKind.Course, r.Kind));
        var superseded = await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0001" });
        Assert.Equal(superseded.Evidence, evidence);
        var passed = records.Single(r => r.Record.Unpack<Enrollment>().Status == EnrollmentStatus.Passed);
        Assert.Equal(["HMI-CONF", "PLC-PROG"], evidence.Select(e => e.SkillCode).Order());
        Assert.All(evidence, e =>
        {
            Assert.Equal(passed.Name, e.SourceName);
            Assert.Equal(0.82, e.Weight, 3); // weighted by the grade
        });
    }

    [Fact]
    public async Task ListLearnerRecords_Learner_ReadsOwnButNotAnothers()
    {
        await using var harness = await CourseServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await EnrollAsync(harness);
        var learner = new CourseService.CourseServiceClient(harness.Factory.CreateChannel(TestAuthority.Shared.Learner("L0001")));

        var own = await learner.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0001", PageSize = 2 });
        Assert.Equal(2, own.Records.Count);
        Assert.NotEmpty(own.NextPageToken);
        var other = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => learner.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = "L0002" }).ResponseAsync);
        Assert.Equal("NOT_THIS_LEARNER_OR_SCOPE", RpcAssert.Reason(other));
    }
}
