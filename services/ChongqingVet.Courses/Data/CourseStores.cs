using System.Data.Common;
using ChongqingVet.Courses.Domain;
using ChongqingVet.Courses.V1;

namespace ChongqingVet.Courses.Data;

/// <summary>Binds the courses repositories to one transaction for the Domain use cases.</summary>
public sealed class CourseStores(EnrollmentRepository enrollments)
{
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
