using ChongqingVet.Domain.Security;
using ChongqingVet.ServiceDefaults.Security;
using static ChongqingVet.ServiceDefaults.Security.AccessRule;

namespace ChongqingVet.JobPostings.Grpc;

/// <summary>Who may call which method of chongqingvet.jobpostings.v1.JobPostingService (docs/SECURITY.md).</summary>
public static class JobPostingAccess
{
    public static readonly IReadOnlyDictionary<string, AccessRule> Rules = new Dictionary<string, AccessRule>
    {
        ["CreateSkill"] = Requires(Scope.CatalogWrite),
        ["DeprecateSkill"] = Requires(Scope.CatalogWrite),
        ["GetSkill"] = Requires(Scope.CatalogRead),
        ["BatchGetSkills"] = Requires(Scope.CatalogRead),
        ["ListSkills"] = Requires(Scope.CatalogRead),
        ["GetOccupation"] = Requires(Scope.CatalogRead),
        ["ListOccupations"] = Requires(Scope.CatalogRead),
        ["GetEmployer"] = Requires(Scope.CatalogRead),
        ["ListEmployers"] = Requires(Scope.CatalogRead),
        ["GetJobPosting"] = Requires(Scope.CatalogRead),
        ["ListJobPostings"] = Requires(Scope.CatalogRead),
        ["CreateEmployer"] = Requires(Scope.JobsWrite),
        ["CreateJobPosting"] = Requires(Scope.JobsWrite),
        ["UpdateJobPosting"] = Requires(Scope.JobsWrite),
        ["CloseJobPosting"] = Requires(Scope.JobsWrite),
        ["MatchJobPostings"] = Requires(Scope.CatalogRead),
        ["RecordPlacement"] = Requires(Scope.PlacementsWrite),
        ["ListPlacements"] = RequiresOrSelf(Scope.ProfilesRead),
        ["ListLearnerSkillEvidence"] = RequiresOrSelf(Scope.ProfilesRead),
        ["ListLearnerRecords"] = RequiresOrSelf(Scope.ProfilesRead),
    };
}
