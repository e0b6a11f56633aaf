using System.Data.Common;
using ChongqingVet.Courses.Domain;
using ChongqingVet.Courses.V1;

namespace ChongqingVet.Courses.Data;

/// <summary>Binds the courses repositories to one transaction for the Domain use cases.</summary>
public sealed class CourseStores(EnrollmentRepository enrollments, CourseRepository courses, CreditRuleRepository rules)
{
    public ICourseStore Catalog(DbConnection connection, DbTransaction transaction) => new CatalogStore(enrollments, courses, rules, connection, transaction);

    private sealed class CatalogStore(
        EnrollmentRepository enrollments,
        CourseRepository courses,
        CreditRuleRepository rules,
        DbConnection connection,
        DbTransaction transaction) : ICourseStore
    {
        public Task<Course?> CourseAsync(string code, CancellationToken cancellationToken) =>
            CourseRepository.GetAsync(connection, transaction, code, cancellationToken);

        public Task<Course> InsertCourseAsync(Course course, CancellationToken cancellationToken) =>
            courses.CreateAsync(connection, transaction, course, cancellationToken);

        public Task<Course> UpdateCourseAsync(Course course, long expectedVersion, CancellationToken cancellationToken) =>
            courses.UpdateAsync(connection, transaction, course, expectedVersion, cancellationToken);

        public Task<CreditRule> InsertCreditRuleAsync(CreditRule rule, CancellationToken cancellationToken) =>
            rules.CreateAsync(connection, transaction, rule, cancellationToken);

        public Task<Enrollment> EnrollAsync(string learnerId, string courseCode, string term, CancellationToken cancellationToken) =>
            enrollments.EnrollAsync(connection, transaction, learnerId, courseCode, term, cancellationToken);
    }

    public IGradeStore In(DbConnection connection, DbTransaction transaction) => new GradeStore(enrollments, connection, transaction);

    private sealed class GradeStore(EnrollmentRepository enrollments, DbConnection connection, DbTransaction transaction) : IGradeStore
    {
        public Task<Enrollment?> EnrollmentAsync(string id, CancellationToken cancellationToken) =>
            EnrollmentRepository.GetAsync(connection, transaction, id, cancellationToken);

        public Task<Course?> CourseAsync(string code, CancellationToken cancellationToken) =>
            CourseRepository.GetAsync(connection, transaction, code, cancellationToken);

        public Task<Enrollment> SaveGradeAsync(string enrollmentId, double score, bool passed, long expectedVersion, CancellationToken cancellationToken) =>
            enrollments.RecordGradeAsync(connection, transaction, enrollmentId, score, passed, expectedVersion, cancellationToken);
    }
}
