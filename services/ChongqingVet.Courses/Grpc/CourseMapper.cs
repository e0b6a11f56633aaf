using ChongqingVet.ServiceDefaults;
using ChongqingVet.Courses.Domain;
using ChongqingVet.Courses.V1;
using ChongqingVet.Domain.Errors;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.Courses.Grpc;

/// <summary>Applies an update mask (AIP-134) to a course and normalises stored values.</summary>
public static class CourseMapper
{
    private static readonly string[] Updatable = ["name", "credits", "hours", "category", "major_codes", "skill_outcomes", "pass_mark"];

    public static Course ApplyMask(Course current, Course changes, FieldMask? mask)
    {
        var paths = UpdateMasks.Resolve(mask, Updatable);
        var updated = current.Clone();
        foreach (var path in paths)
        {
            switch (path)
            {
                case "name": updated.Name = changes.Name; break;
                case "credits": updated.Credits = changes.Credits; break;
                case "hours": updated.Hours = changes.Hours; break;
                case "category": updated.Category = changes.Category; break;
                case "pass_mark": updated.PassMark = changes.PassMark; break;
                case "major_codes":
                    updated.MajorCodes.Clear();
                    updated.MajorCodes.AddRange(changes.MajorCodes);
                    break;
                case "skill_outcomes":
                    updated.SkillOutcomes.Clear();
                    updated.SkillOutcomes.AddRange(changes.SkillOutcomes);
                    break;
            }
        }
        return updated;
    }

    /// <summary>Trims the name, applies the default pass mark and removes duplicate majors.</summary>
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
