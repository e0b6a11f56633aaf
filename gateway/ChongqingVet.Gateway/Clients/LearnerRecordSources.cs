using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.JobPostings.V1;

namespace ChongqingVet.Gateway.Clients;

/// <summary>
/// One backend's implementation of the learner-record contract (chongqingvet.common.v1.ListLearnerRecords): the four
/// generated clients differ only in type, so each is reduced to one delegate over the common messages.
/// </summary>
/// <param name="Backend">The backend's name, as in <see cref="Backends"/> and the profile's <c>unreachable</c>.</param>
/// <param name="Section">The profile section its records fill, as in the profile's <c>truncated_sections</c>.</param>
/// <param name="ListAsync">One page of the learner's records and evidence.</param>
public sealed record LearnerRecordSource(
    string Backend,
    string Section,
    Func<ListLearnerRecordsRequest, CancellationToken, Task<ListLearnerRecordsResponse>> ListAsync);

/// <summary>The four backends as learner-record sources, in the profile's section order.</summary>
public sealed class LearnerRecordSources(
    CertificateService.CertificateServiceClient certificates,
    CompetitionService.CompetitionServiceClient competitions,
    CourseService.CourseServiceClient courses,
    JobPostingService.JobPostingServiceClient jobPostings)
{
    public IReadOnlyList<LearnerRecordSource> All { get; } =
    [
        new(Backends.Certificates, "certificates", (request, token) => certificates.ListLearnerRecordsAsync(request, cancellationToken: token).ResponseAsync),
        new(Backends.Competitions, "awards", (request, token) => competitions.ListLearnerRecordsAsync(request, cancellationToken: token).ResponseAsync),
        new(Backends.Courses, "courses", (request, token) => courses.ListLearnerRecordsAsync(request, cancellationToken: token).ResponseAsync),
        new(Backends.JobPostings, "placements", (request, token) => jobPostings.ListLearnerRecordsAsync(request, cancellationToken: token).ResponseAsync),
    ];
}
