using ChongqingVet.Certificates.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.Profile.V1;

namespace ChongqingVet.Gateway.Profile;

/// <summary>Small mappers from the services' records to the profile's summaries.</summary>
public static class Summaries
{
    public static CertificateSummary Certificate(Certificate certificate) => new()
    {
        CertificateNumber = certificate.CertificateNumber,
        TypeCode = certificate.TypeCode,
        Level = certificate.Level,
        Status = certificate.Status,
        IssueDate = certificate.IssueDate,
    };

    public static AwardSummary Award(Result result) => new()
    {
        ResultId = result.Id,
        CompetitionId = result.CompetitionId,
        EventCode = result.EventCode,
        AwardGrade = result.AwardGrade,
        Team = result.Participants.Count > 1,
    };

    public static CourseSummary Course(Enrollment enrollment) => new()
    {
        CourseCode = enrollment.CourseCode,
        Term = enrollment.Term,
        Status = enrollment.Status,
        Score = enrollment.Grade?.Score ?? 0,
    };

    public static PlacementSummary Placement(Placement placement) => new()
    {
        PlacementId = placement.Id,
        EmployerCreditCode = placement.EmployerCreditCode,
        PostingId = placement.PostingId,
        StartDate = placement.StartDate,
        EndDate = placement.EndDate,
        Status = placement.Status,
    };
}
