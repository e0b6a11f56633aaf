using ChongqingVet.ApiKit;
using ChongqingVet.Domain.Errors;
using ChongqingVet.JobPostings.V1;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.JobPostings.Grpc;

/// <summary>Applies an update mask to a posting.</summary>
public static class JobPostingMapper
{
    /// <summary>The mutable fields of a posting (id, employer, status, cluster and etag are not set by an update).</summary>
    public static readonly MutableFields<JobPosting> Mutable =
        new("title", "occupation_code", "district_code", "salary_min", "salary_max", "headcount", "requirements", "valid_through");

    /// <summary>The current posting with the masked fields taken from <paramref name="changes"/> (all of them when the mask is empty).</summary>
    public static JobPosting ApplyMask(JobPosting current, JobPosting changes, FieldMask? mask)
    {
        var paths = Mutable.Resolve(mask);
        var updated = Mutable.Apply(current, changes, mask);
        // The cluster follows the requirements unless it is derived again from them.
        if (paths.Contains("requirements")) updated.Cluster = string.Empty;
        return updated;
    }
}
