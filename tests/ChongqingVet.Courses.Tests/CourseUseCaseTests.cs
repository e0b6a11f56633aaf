using ChongqingVet.Courses.Domain;
using ChongqingVet.Courses.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;

namespace ChongqingVet.Courses.Tests;

/// <summary>The course, credit-rule and enrolment use cases without gRPC or a database: a fake store stands for the rows.</summary>
public class CourseUseCaseTests
{
    private const string School = "52500000MJP0000008";

    private static Course Owned(Course course, string owner)
    {
        course.OwnerCreditCode = owner;
        return course;
    }

    private sealed class FakeStore : ICourseStore
    {
        public Dictionary<string, Course> Courses { get; } = new()
        {
            ["IR-101"] = Owned(CourseServiceHarness.PlcCourse("IR-101"), School),
            ["OLD-101"] = Owned(CourseServiceHarness.PlcCourse("OLD-101"), string.Empty),
        };
        public List<string> Writes { get; } = [];
        public Course? Stored { get; private set; }

        public Task<Course?> CourseAsync(string code, CancellationToken cancellationToken) => Task.FromResult(Courses.GetValueOrDefault(code)?.Clone());

        public Task<Course> InsertCourseAsync(Course course, CancellationToken cancellationToken)
        {
            Writes.Add("course " + course.Code);
            return Task.FromResult(Stored = course);
        }

        public Task<Course> UpdateCourseAsync(Course course, long expectedVersion, CancellationToken cancellationToken)
        {
            Writes.Add($"update {course.Code} v{expectedVersion}");
            return Task.FromResult(Stored = course);
        }

        public Task<CreditRule> InsertCreditRuleAsync(CreditRule rule, CancellationToken cancellationToken)
        {
            Writes.Add("rule " + rule.MajorCode);
            return Task.FromResult(rule);
        }

        public Task<Enrollment> EnrollAsync(string learnerId, string courseCode, string term, CancellationToken cancellationToken)
        {
            Writes.Add($"enrol {learnerId} {courseCode} {term}");
            return Task.FromResult(new Enrollment { LearnerId = learnerId, CourseCode = courseCode, Term = term });
        }
    }

    private static Caller Teacher(string organisation = School, params string[] scopes) =>
        new("school-client", "u-1", new HashSet<string>(scopes), Roles.Institution, organisation);

    [Fact]
    public async Task CreateCourse_IsStoredNormalised()
    {
        var store = new FakeStore();
        await new CreateCourse().RunAsync(store, new Course { Code = "IR-201", Name = "  机器人编程 ", MajorCodes = { "460305", "460301", "460305" } },
            CancellationToken.None);
        Assert.Equal("机器人编程", store.Stored!.Name);
        Assert.Equal(CourseRules.EffectivePassMark(0), store.Stored.PassMark);
        Assert.Equal(["460301", "460305"], store.Stored.MajorCodes);
    }

    [Fact]
    public async Task UpdateCourse_MergedCourseValid_IsStoredNormalisedWithTheVersion()
    {
        var store = new FakeStore();
        await new UpdateCourse().RunAsync(store, "IR-101", 4, current =>
        {
            current.Name = " 工业机器人操作与编程 ";
            return current;
        }, CancellationToken.None);
        Assert.Equal(["update IR-101 v4"], store.Writes);
        Assert.Equal("工业机器人操作与编程", store.Stored!.Name);
    }

    [Fact]
    public async Task UpdateCourse_MergedCourseBreaksTheRules_IsInvalidAndNothingIsWritten()
    {
        var store = new FakeStore();
        var error = await Assert.ThrowsAsync<ValidationException>(() => new UpdateCourse().RunAsync(store, "IR-101", 4, current =>
        {
            current.Credits = 0.3;
            return current;
        }, CancellationToken.None));
        Assert.Equal("course.credits", Assert.Single(error.Violations).Field);
        Assert.Empty(store.Writes);
        await Assert.ThrowsAsync<NotFoundException>(() => new UpdateCourse().RunAsync(store, "NO-101", 1, c => c, CancellationToken.None));
    }

    [Fact]
    public async Task EnrollLearner_TheTeachingSchool_Enrols()
    {
        var store = new FakeStore();
        await new EnrollLearner().RunAsync(store, Teacher(), "L0001", "IR-101", "2025-2026-1", CancellationToken.None);
        Assert.Equal(["enrol L0001 IR-101 2025-2026-1"], store.Writes);
    }

    [Fact]
    public async Task EnrollLearner_AnotherSchool_IsPermissionDeniedAndNothingIsWritten()
    {
        var store = new FakeStore();
        var error = await Assert.ThrowsAsync<PermissionDeniedException>(() =>
            new EnrollLearner().RunAsync(store, Teacher("52500000MJP0000094"), "L0001", "IR-101", "2025-2026-1", CancellationToken.None));
        Assert.Equal("NOT_THE_COURSE_OWNER", error.Reason);
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task EnrollLearner_CourseWithoutOwner_OnlyTheCatalogueAdministratorEnrols()
    {
        var store = new FakeStore();
        await Assert.ThrowsAsync<PermissionDeniedException>(() =>
            new EnrollLearner().RunAsync(store, Teacher(), "L0001", "OLD-101", "2025-2026-1", CancellationToken.None));
        await new EnrollLearner().RunAsync(store, Teacher(School, Scope.CatalogWrite), "L0001", "OLD-101", "2025-2026-1", CancellationToken.None);
        Assert.Equal(["enrol L0001 OLD-101 2025-2026-1"], store.Writes);
    }

    [Fact]
    public async Task EnrollLearner_UnknownCourse_IsNotFound() =>
        await Assert.ThrowsAsync<NotFoundException>(() =>
            new EnrollLearner().RunAsync(new FakeStore(), Teacher(), "L0001", "NO-101", "2025-2026-1", CancellationToken.None));

    [Fact]
    public async Task CreateCreditRule_IsStored()
    {
        var store = new FakeStore();
        await new CreateCreditRule().RunAsync(store, new CreditRule { MajorCode = "460305" }, CancellationToken.None);
        Assert.Equal(["rule 460305"], store.Writes);
    }
}
