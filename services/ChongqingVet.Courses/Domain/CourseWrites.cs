using ChongqingVet.Courses.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;

namespace ChongqingVet.Courses.Domain;

/// <summary>
/// What the course, credit-rule and enrolment use cases read and write, bound to the idempotency transaction they run
/// in (<c>CourseStores.Catalog(connection, transaction)</c>; unit tests supply a fake). Rows only: no rule.
/// </summary>
public interface ICourseStore
{
    Task<Course?> CourseAsync(string code, CancellationToken cancellationToken);

    /// <summary>Stores a new course; ALREADY_EXISTS when the code is taken (a unique index).</summary>
    Task<Course> InsertCourseAsync(Course course, CancellationToken cancellationToken);

    /// <summary>Writes the course if the version still matches (else ABORTED / NOT_FOUND).</summary>
    Task<Course> UpdateCourseAsync(Course course, long expectedVersion, CancellationToken cancellationToken);

    Task<CreditRule> InsertCreditRuleAsync(CreditRule rule, CancellationToken cancellationToken);

    /// <summary>Enrols the learner; ALREADY_EXISTS (ALREADY_ENROLLED) when the learner is already enrolled in the course that term.</summary>
    Task<Enrollment> EnrollAsync(string learnerId, string courseCode, string term, CancellationToken cancellationToken);
}

/// <summary>How a course is stored: the name trimmed, the default pass mark applied, the majors without duplicates in order.</summary>
public static class CourseNormalisation
{
    public static Course Normalise(Course course)
    {
        var normalised = course.Clone();
        normalised.Name = course.Name.Trim();
        normalised.PassMark = CourseRules.EffectivePassMark(course.PassMark);
        var majors = course.MajorCodes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        normalised.MajorCodes.Clear();
        normalised.MajorCodes.AddRange(majors);
        return normalised;
    }
}

/// <summary>CreateCourse: a new course (its fields were checked by <see cref="CourseRules"/>), stored normalised.</summary>
public sealed class CreateCourse
{
    public Task<Course> RunAsync(ICourseStore store, Course course, CancellationToken cancellationToken) =>
        store.InsertCourseAsync(CourseNormalisation.Normalise(course), cancellationToken);
}

/// <summary>UpdateCourse: the merged course obeys the course rules and is stored normalised. Loaded once, inside the transaction.</summary>
public sealed class UpdateCourse
{
    /// <param name="change">Applies the caller's masked changes to the current course (the Grpc layer's field mask).</param>
    public async Task<Course> RunAsync(ICourseStore store, string code, long expectedVersion, Func<Course, Course> change, CancellationToken cancellationToken)
    {
        var current = await store.CourseAsync(code, cancellationToken) ?? throw new NotFoundException("Course", code);
        var updated = change(current);
        var violations = new Violations();
        CourseRules.Validate(updated, violations);
        violations.ThrowIfAny();
        return await store.UpdateCourseAsync(CourseNormalisation.Normalise(updated), expectedVersion, cancellationToken);
    }
}

/// <summary>CreateCreditRule: a new credit-recognition rule (its fields were checked by <see cref="CourseRules"/>).</summary>
public sealed class CreateCreditRule
{
    public Task<CreditRule> RunAsync(ICourseStore store, CreditRule rule, CancellationToken cancellationToken) => store.InsertCreditRuleAsync(rule, cancellationToken);
}

/// <summary>EnrollLearner: the course must exist and only the school that teaches it enrols learners (<see cref="CourseOwnerAuthority"/>).</summary>
public sealed class EnrollLearner
{
    public async Task<Enrollment> RunAsync(ICourseStore store, Caller caller, string learnerId, string courseCode, string term, CancellationToken cancellationToken)
    {
        var course = await store.CourseAsync(courseCode, cancellationToken) ?? throw new NotFoundException("Course", courseCode);
        CourseOwnerAuthority.EnsureMayTeach(caller, course);
        return await store.EnrollAsync(learnerId, courseCode, term, cancellationToken);
    }
}
