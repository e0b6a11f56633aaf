using ChongqingVet.ServiceDefaults;
using ChongqingVet.Domain.Errors;
using ChongqingVet.JobPostings.V1;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.JobPostings.Grpc;

/// <summary>Applies an update mask to a posting.</summary>
public static class JobPostingMapper
{
    public static readonly IReadOnlyList<string> UpdatablePaths =
        ["title", "occupation_code", "district_code", "salary_min", "salary_max", "headcount", "requirements", "valid_through"];

    /// <summary>The current posting with the masked fields taken from <paramref name="changes"/> (all of them when the mask is empty).</summary>
    public static JobPosting ApplyMask(JobPosting current, JobPosting changes, FieldMask? mask)
    {
        var paths = UpdateMasks.Resolve(mask, UpdatablePaths);
        var updated = current.Clone();
        foreach (var path in paths)
        {
            switch (path)
            {
                case "title": updated.Title = changes.Title; break;
                case "occupation_code": updated.OccupationCode = changes.OccupationCode; break;
                case "district_code": updated.DistrictCode = changes.DistrictCode; break;
                case "salary_min": updated.SalaryMin = changes.SalaryMin; break;
                case "salary_max": updated.SalaryMax = changes.SalaryMax; break;
                case "headcount": updated.Headcount = changes.Headcount; break;
                case "valid_through": updated.ValidThrough = changes.ValidThrough; break;
                case "requirements":
                    updated.Requirements.Clear();
                    updated.Requirements.AddRange(changes.Requirements);
                    break;
            }
        }
        // The cluster follows the requirements unless it is derived again from them.
        if (paths.Contains("requirements")) updated.Cluster = string.Empty;
        return updated;
    }
}
