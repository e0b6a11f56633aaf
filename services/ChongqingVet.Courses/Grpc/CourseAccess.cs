using ChongqingVet.Domain.Security;
using ChongqingVet.ServiceDefaults.Security;
using static ChongqingVet.ServiceDefaults.Security.AccessRule;

namespace ChongqingVet.Courses.Grpc;

/// <summary>Who may call which method of chongqingvet.courses.v1.CourseService (docs/SECURITY.md).</summary>
public static class CourseAccess
{
    public static readonly IReadOnlyDictionary<string, AccessRule> Rules = new Dictionary<string, AccessRule>
    {
        ["GetMajor"] = Requires(Scope.CatalogRead),
        ["ListMajors"] = Requires(Scope.CatalogRead),
        ["GetCourse"] = Requires(Scope.CatalogRead),
        ["ListCourses"] = Requires(Scope.CatalogRead),
        ["BatchGetCourses"] = Requires(Scope.CatalogRead),
        ["ListCreditRules"] = Requires(Scope.CatalogRead),
        ["CreateCourse"] = Requires(Scope.CatalogWrite),
        ["UpdateCourse"] = Requires(Scope.CatalogWrite),
        ["CreateCreditRule"] = Requires(Scope.CatalogWrite),
        ["EnrollLearner"] = Requires(Scope.EnrolmentsWrite),
        ["RecordGrade"] = Requires(Scope.EnrolmentsWrite),
        ["ListEnrollments"] = RequiresOrSelf(Scope.ProfilesRead),
        ["EvaluateCreditRecognition"] = RequiresOrSelf(Scope.ProfilesRead),
        ["ListLearnerSkillEvidence"] = RequiresOrSelf(Scope.ProfilesRead),
        ["ListLearnerRecords"] = RequiresOrSelf(Scope.ProfilesRead),
    };
}
