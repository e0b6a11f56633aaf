using ChongqingVet.Courses.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;

namespace ChongqingVet.Courses.Domain;

/// <summary>
/// What RecordGrade reads and writes, bound to the idempotency transaction it runs in
/// (<c>CourseStores.In(connection, transaction)</c>; unit tests supply a fake). Rows only: no rule.
/// </summary>
public interface IGradeStore
{
    Task<Enrollment?> EnrollmentAsync(string id, CancellationToken cancellationToken);

    Task<Course?> CourseAsync(string code, CancellationToken cancellationToken);

    /// <summary>Stores the grade (an earlier grade goes to the history) if the version still matches (else ABORTED).</summary>
    Task<Enrollment> SaveGradeAsync(string enrollmentId, double score, bool passed, long expectedVersion, CancellationToken cancellationToken);
}

/// <summary>
/// RecordGrade: only the school that teaches the course grades it, and the grade agrees with the course's pass mark
/// (passed exactly when score ≥ pass mark; a course without one uses the default).
/// </summary>
public sealed class RecordGrade
{
    public async Task<Enrollment> RunAsync(IGradeStore store, Caller caller, string enrollmentId, double score, bool passed, long expectedVersion,
        CancellationToken cancellationToken)
    {
        var enrollment = await store.EnrollmentAsync(enrollmentId, cancellationToken) ?? throw new NotFoundException("Enrollment", enrollmentId);
        var course = await store.CourseAsync(enrollment.CourseCode, cancellationToken) ?? throw new NotFoundException("Course", enrollment.CourseCode);
        CourseOwnerAuthority.EnsureMayTeach(caller, course);
        var passMark = CourseRules.EffectivePassMark(course.PassMark);
        if (score >= passMark != passed)
            throw new ValidationException("passed", $"does not agree with the course's pass mark {passMark}");
        return await store.SaveGradeAsync(enrollmentId, score, passed, expectedVersion, cancellationToken);
    }
}
