using ChongqingVet.Common.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Grpc.Core;

namespace ChongqingVet.Courses.Tests;

/// <summary>BatchGetCourses and the skill_codes filter of ListCourses (the transcript's and the skill gap's batch look-ups).</summary>
public class CourseBatchLookupTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    private static Course Teaching(string code, string skill, SkillLevel level)
    {
        var course = CourseServiceHarness.PlcCourse(code);
        course.SkillOutcomes.Clear();
        course.SkillOutcomes.Add(new SkillRef { SkillCode = skill, Level = level });
        return course;
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task BatchGetCourses_KnownAndUnknownCodes_FoundInRequestOrderOnceAndMissingListed(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        var first = await harness.CreateCourseAsync(CourseServiceHarness.PlcCourse("JD-201"));
        var second = await harness.CreateCourseAsync(CourseServiceHarness.PlcCourse("JD-202"));

        var batch = await harness.Client.BatchGetCoursesAsync(new BatchGetCoursesRequest { Codes = { "JD-202", "NOPE-1", "JD-201", "JD-202", "NOPE-1" } });

        Assert.Equal([second, first], batch.Courses); // the same messages GetCourse answers with
        Assert.Equal(["NOPE-1"], batch.MissingCodes);
        Assert.Empty((await harness.Client.BatchGetCoursesAsync(new BatchGetCoursesRequest())).Courses);
    }

    [Fact]
    public async Task BatchGetCourses_OverTheLimitOrBadCodes_InvalidArgumentNamingTheFields()
    {
        await using var harness = await CourseServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        var atLimit = new BatchGetCoursesRequest { Codes = { Enumerable.Range(0, 100).Select(i => $"JD-{i:D3}") } };
        Assert.Equal(100, (await harness.Client.BatchGetCoursesAsync(atLimit)).MissingCodes.Count);

        var overLimit = new BatchGetCoursesRequest { Codes = { Enumerable.Range(0, 101).Select(i => $"JD-{i:D3}") } };
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.BatchGetCoursesAsync(overLimit).ResponseAsync, "codes");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.BatchGetCoursesAsync(new BatchGetCoursesRequest { Codes = { "JD-201", "bad code", "" } }).ResponseAsync,
            "codes[1]", "codes[2]");
    }

    [Fact]
    public async Task BatchGetCourses_TokenWithoutCatalogRead_PermissionDenied()
    {
        await using var harness = await CourseServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        var client = new CourseService.CourseServiceClient(harness.Factory.CreateChannel(TestAuthority.Shared.Issue("no-catalog", "learner", ["openid", "learner.self"], subject: "L0001")));

        await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => client.BatchGetCoursesAsync(new BatchGetCoursesRequest { Codes = { "JD-201" } }).ResponseAsync);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListCourses_SkillCodes_CoursesTeachingAnyOfThemAtTheLevel(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        await harness.CreateCourseAsync(Teaching("JD-301", "IR-OPS", SkillLevel._3Advanced));
        await harness.CreateCourseAsync(Teaching("JD-302", "IR-PROG", SkillLevel._4Intermediate));
        await harness.CreateCourseAsync(Teaching("JD-303", "IR-PROG", SkillLevel._2Technician));
        await harness.CreateCourseAsync(Teaching("JD-304", "HMI-CONF", SkillLevel._2Technician));

        var any = await harness.Client.ListCoursesAsync(new ListCoursesRequest { SkillCodes = { "IR-OPS", "IR-PROG" } });
        Assert.Equal(["JD-301", "JD-302", "JD-303"], any.Courses.Select(c => c.Code));
        var atLevel = await harness.Client.ListCoursesAsync(new ListCoursesRequest { SkillCodes = { "IR-OPS", "IR-PROG" }, MinSkillLevel = SkillLevel._3Advanced });
        Assert.Equal(["JD-301", "JD-303"], atLevel.Courses.Select(c => c.Code));

        // Paged with the filter: the token carries it (another filter with the same token is refused).
        var first = await harness.Client.ListCoursesAsync(new ListCoursesRequest { SkillCodes = { "IR-PROG", "IR-OPS" }, PageSize = 2 });
        Assert.Equal(["JD-301", "JD-302"], first.Courses.Select(c => c.Code));
        var next = await harness.Client.ListCoursesAsync(new ListCoursesRequest { SkillCodes = { "IR-OPS", "IR-PROG" }, PageSize = 2, PageToken = first.NextPageToken });
        Assert.Equal(["JD-303"], next.Courses.Select(c => c.Code));
        await RpcAssert.ThrowsAsync(StatusCode.InvalidArgument, () => harness.Client.ListCoursesAsync(
            new ListCoursesRequest { SkillCodes = { "HMI-CONF" }, PageSize = 2, PageToken = first.NextPageToken }).ResponseAsync);
    }

    [Fact]
    public async Task ListCourses_SkillCodesOverTheLimitOrBad_InvalidArgument()
    {
        await using var harness = await CourseServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCoursesAsync(
            new ListCoursesRequest { SkillCodes = { Enumerable.Range(0, 101).Select(i => $"SK-{i:D3}") } }).ResponseAsync, "skill_codes");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCoursesAsync(
            new ListCoursesRequest { SkillCodes = { "IR-OPS", "not a code" } }).ResponseAsync, "skill_codes[1]");
    }
}
