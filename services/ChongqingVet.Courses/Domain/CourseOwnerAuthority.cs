using ChongqingVet.Courses.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Security;

namespace ChongqingVet.Courses.Domain;

/// <summary>
/// A school enrols learners in and grades only the courses it teaches: the token's <c>org</c> (unified social credit
/// code) must be the course's <c>owner_credit_code</c>. A course without a code (created before the field existed)
/// has no owning school; only the catalogue administrator (scope <c>catalog.write</c>) may enrol or grade in it.
/// </summary>
public static class CourseOwnerAuthority
{
    public static bool MayTeach(Caller caller, Course course) => caller.MayActForOwner(course.OwnerCreditCode);

    public static void EnsureMayTeach(Caller caller, Course course)
    {
        if (!MayTeach(caller, course))
            throw new PermissionDeniedException("NOT_THE_COURSE_OWNER",
                course.OwnerCreditCode.Length == 0
                    ? $"Course '{course.Code}' has no owning school; only the catalogue administrator may enrol learners or record grades in it."
                    : $"Only the school that teaches course '{course.Code}' may enrol learners or record grades in it.")
            {
                Metadata = new Dictionary<string, string> { ["course_code"] = course.Code },
            };
    }
}
