using ChongqingVet.ApiKit;
using ChongqingVet.Courses.Domain;
using ChongqingVet.Courses.V1;
using ChongqingVet.Domain.Errors;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.Courses.Grpc;

/// <summary>Applies an update mask (AIP-134) to a course and normalises stored values.</summary>
public static class CourseMapper
{
    /// <summary>The mutable fields of a course (code, owner and etag are fixed).</summary>
    public static readonly MutableFields<Course> Mutable =
        new("name", "credits", "hours", "category", "major_codes", "skill_outcomes", "pass_mark");

    public static Course ApplyMask(Course current, Course changes, FieldMask? mask) => Mutable.Apply(current, changes, mask);
}
