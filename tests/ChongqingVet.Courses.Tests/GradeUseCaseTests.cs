using ChongqingVet.Courses.Domain;
using ChongqingVet.Courses.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;

namespace ChongqingVet.Courses.Tests;

/// <summary>RecordGrade without gRPC or a database: a fake store stands for the transaction's rows.</summary>
public class GradeUseCaseTests
{
    private const string School = "52500000MJP0000008";

    private sealed class FakeStore(double passMark) : IGradeStore
    {
        public List<string> Writes { get; } = [];

        public Task<Enrollment?> EnrollmentAsync(string id, CancellationToken cancellationToken) =>
            Task.FromResult(id == "e-1" ? new Enrollment { Id = "e-1", CourseCode = "JD-201", LearnerId = "L0001" } : null);

        public Task<Course?> CourseAsync(string code, CancellationToken cancellationToken) =>
            Task.FromResult<Course?>(new Course { Code = code, OwnerCreditCode = School, PassMark = passMark });

        public Task<Enrollment> SaveGradeAsync(string enrollmentId, double score, bool passed, long expectedVersion, CancellationToken cancellationToken)
        {
            Writes.Add($"{enrollmentId} {score} {passed} v{expectedVersion}");
            return Task.FromResult(new Enrollment { Id = enrollmentId, Grade = new Grade { Score = score, Passed = passed } });
        }
    }

    private static Caller Teacher(string organisation = School) =>
        new("school-client", "u-1", new HashSet<string>(), Roles.Institution, organisation);

    [Theory]
    [InlineData(0, 59.5, false)] // no pass mark: the default 60
    [InlineData(0, 60, true)]
    [InlineData(75, 74.9, false)]
    [InlineData(75, 75, true)]
    public async Task RecordGrade_AgreeingWithThePassMark_IsSaved(double passMark, double score, bool passed)
    {
        var store = new FakeStore(passMark);
        await new RecordGrade().RunAsync(store, Teacher(), "e-1", score, passed, 4, CancellationToken.None);
        Assert.Equal([$"e-1 {score} {passed} v4"], store.Writes);
    }

    [Theory]
    [InlineData(0, 59.5, true)]
    [InlineData(75, 80, false)]
    public async Task RecordGrade_DisagreeingWithThePassMark_IsInvalidOnPassedAndNothingIsSaved(double passMark, double score, bool passed)
    {
        var store = new FakeStore(passMark);
        var error = await Assert.ThrowsAsync<ValidationException>(() => new RecordGrade().RunAsync(store, Teacher(), "e-1", score, passed, 4, CancellationToken.None));
        Assert.Equal(["passed"], error.Violations.Select(v => v.Field));
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task RecordGrade_AnotherSchool_IsPermissionDenied()
    {
        var store = new FakeStore(60);
        await Assert.ThrowsAsync<PermissionDeniedException>(() =>
            new RecordGrade().RunAsync(store, Teacher("52500000MJP999999X"), "e-1", 90, true, 1, CancellationToken.None));
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task RecordGrade_UnknownEnrollment_IsNotFound() =>
        await Assert.ThrowsAsync<NotFoundException>(() => new RecordGrade().RunAsync(new FakeStore(60), Teacher(), "nope", 90, true, 1, CancellationToken.None));
}
