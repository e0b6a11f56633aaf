using ChongqingVet.Courses.Data;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Dapper;
using Grpc.Core;
using H = ChongqingVet.Courses.Tests.CourseServiceHarness;

namespace ChongqingVet.Courses.Tests;

/// <summary>A school enrols learners in and grades only the courses it teaches.</summary>
public class CourseOwnershipTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    private const string OtherOrganisation = "91110108MA01ABCD1X";

    private const string DevInstitution = "125000002166DHX7JT"; // institution-cqipc of the development identity provider

    private static readonly string[] SchoolScopes = ["catalog.read", "profiles.read", "enrolments.write"];

    private static CourseService.CourseServiceClient SchoolClient(H harness, string organisation) =>
        new(harness.Factory.CreateChannel(TestAuthority.Shared.Issue("institution-a", "institution", SchoolScopes, organisation: organisation)));

    private static EnrollLearnerRequest Enroll(string learner = "L0001", string course = "JD-201") =>
        new() { RequestId = Guid.NewGuid().ToString(), LearnerId = learner, CourseCode = course, Term = "2025-2026-1" };

    [Theory, MemberData(nameof(Providers))]
    public async Task EnrollAndGrade_ByAnotherSchool_AreDeniedAndWriteNothing_TheOwnerSucceeds(DatabaseProvider provider)
    {
        await using var harness = await H.StartAsync(provider);
        var course = await harness.CreateCourseAsync();
        Assert.Equal(TestAuthority.TestOrganisation, course.OwnerCreditCode);
        var stranger = SchoolClient(harness, OtherOrganisation);
        var owner = SchoolClient(harness, TestAuthority.TestOrganisation);

        var refused = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => stranger.EnrollLearnerAsync(Enroll()).ResponseAsync);
        Assert.Equal("NOT_THE_COURSE_OWNER", RpcAssert.Reason(refused));
        Assert.Equal(0, await CountAsync(harness, "SELECT COUNT(*) FROM enrollments"));

        var enrollment = await owner.EnrollLearnerAsync(Enroll());
        var grade = new RecordGradeRequest { RequestId = Guid.NewGuid().ToString(), EnrollmentId = enrollment.Id, Score = 82, Passed = true, Etag = enrollment.Etag };
        var refusedGrade = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => stranger.RecordGradeAsync(grade).ResponseAsync);
        Assert.Equal("NOT_THE_COURSE_OWNER", RpcAssert.Reason(refusedGrade));
        Assert.Equal(enrollment, Assert.Single((await harness.Client.ListEnrollmentsAsync(new ListEnrollmentsRequest { LearnerId = "L0001" })).Enrollments));
        Assert.Equal(0, await CountAsync(harness, "SELECT COUNT(*) FROM grade_history"));

        var graded = await owner.RecordGradeAsync(grade);
        Assert.Equal(EnrollmentStatus.Passed, graded.Status);
        Assert.NotEqual(enrollment.Etag, graded.Etag);
    }

    [Fact]
    public async Task EnrollLearner_CourseWithoutOwner_OnlyACatalogWriterMayEnrol()
    {
        await using var harness = await H.StartAsync(DatabaseProvider.Sqlite);
        var legacy = H.PlcCourse();
        legacy.OwnerCreditCode = "";
        Assert.Equal("", (await harness.CreateCourseAsync(legacy)).OwnerCreditCode);

        var refused = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied,
            () => SchoolClient(harness, TestAuthority.TestOrganisation).EnrollLearnerAsync(Enroll()).ResponseAsync);
        Assert.Equal("NOT_THE_COURSE_OWNER", RpcAssert.Reason(refused));
        Assert.Equal(0, await CountAsync(harness, "SELECT COUNT(*) FROM enrollments"));

        await harness.Client.EnrollLearnerAsync(Enroll()); // the default token holds catalog.write
        Assert.Equal(1, await CountAsync(harness, "SELECT COUNT(*) FROM enrollments"));
    }

    [Fact]
    public async Task CreateCourse_InvalidOwnerCreditCode_IsInvalidArgument()
    {
        await using var harness = await H.StartAsync(DatabaseProvider.Sqlite);
        var course = H.PlcCourse();
        course.OwnerCreditCode = "91350100M000100Y44"; // wrong check character
        await RpcAssert.InvalidArgumentAsync(() => harness.CreateCourseAsync(course), "course.owner_credit_code");
    }

    [Fact]
    public async Task SampleCourses_BelongToTheDevInstitution_WhichMayEnrolAndOthersMayNot()
    {
        Assert.All(CourseSampleData.Courses, c => Assert.True(UnifiedSocialCreditCode.IsValid(c.OwnerCreditCode), c.Code));
        await using var harness = await H.StartAsync(DatabaseProvider.Sqlite, sampleData: true);
        Assert.Equal(DevInstitution, (await harness.Client.GetCourseAsync(new GetCourseRequest { Code = "JD-201" })).OwnerCreditCode);

        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => SchoolClient(harness, OtherOrganisation).EnrollLearnerAsync(Enroll("L0050")).ResponseAsync);
        var enrollment = await SchoolClient(harness, DevInstitution).EnrollLearnerAsync(Enroll("L0050"));
        Assert.Equal("JD-201", enrollment.CourseCode);
    }

    private static async Task<long> CountAsync(H harness, string sql)
    {
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
