using ChongqingVet.Domain.Errors;
using ChongqingVet.JobPostings.V1;

namespace ChongqingVet.JobPostings.Domain;

/// <summary>
/// What the posting use cases read and write, bound to the idempotency transaction they run in (the repository
/// supplies it: <c>JobPostingRepository.In(connection, transaction)</c>; unit tests supply a fake). Rows only: no rule.
/// </summary>
public interface IJobPostingStore
{
    /// <summary>The posting with its requirements, in one query; null when there is none.</summary>
    Task<JobPosting?> LoadAsync(string id, CancellationToken cancellationToken);

    Task<bool> EmployerExistsAsync(string creditCode, CancellationToken cancellationToken);

    /// <summary>The catalog's skills among <paramref name="codes"/> (codes it does not know are left out).</summary>
    Task<IReadOnlyList<V1.Skill>> SkillsAsync(IReadOnlyCollection<string> codes, CancellationToken cancellationToken);

    Task<JobPosting> InsertAsync(JobPosting posting, string cluster, CancellationToken cancellationToken);

    /// <summary>Writes the editable fields and requirements if the version still matches (else ABORTED / NOT_FOUND).</summary>
    Task<JobPosting> UpdateAsync(JobPosting current, JobPosting updated, string cluster, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Marks the posting closed if the version still matches (else ABORTED).</summary>
    Task<JobPosting> CloseAsync(JobPosting current, long expectedVersion, CancellationToken cancellationToken);
}

/// <summary>The rules every posting write shares: the employer and skills it names must exist and be current.</summary>
public static class PostingReferences
{
    /// <summary>Checks the employer and the requirements' skills; returns the posting's cluster (given, or derived from the skills).</summary>
    public static async Task<string> CheckAsync(IJobPostingStore store, JobPosting posting, CancellationToken cancellationToken, string prefix = "job_posting")
    {
        var violations = new Violations();
        violations.Check(await store.EmployerExistsAsync(posting.EmployerCreditCode, cancellationToken), $"{prefix}.employer_credit_code", "is not a registered employer");
        var known = (await store.SkillsAsync(posting.Requirements.Select(r => r.SkillCode).Distinct(StringComparer.Ordinal).ToArray(), cancellationToken))
            .ToDictionary(s => s.Code, StringComparer.Ordinal);
        var clusters = new List<(string Cluster, double Weight)>();
        for (var i = 0; i < posting.Requirements.Count; i++)
        {
            var requirement = posting.Requirements[i];
            if (!known.TryGetValue(requirement.SkillCode, out var skill)) violations.Add($"{prefix}.requirements[{i}].skill_code", "is not a skill of the catalog");
            else if (skill.Deprecated) violations.Add($"{prefix}.requirements[{i}].skill_code", $"is deprecated; use {skill.SuccessorCode}");
            else clusters.Add((skill.Cluster, requirement.Weight));
        }
        violations.ThrowIfAny();
        return posting.Cluster.Length > 0 ? posting.Cluster.Trim() : JobPostingRules.DeriveCluster(clusters);
    }
}

/// <summary>CreateJobPosting: a new open posting whose employer and skills exist.</summary>
public sealed class CreateJobPosting
{
    public async Task<JobPosting> RunAsync(IJobPostingStore store, JobPosting posting, CancellationToken cancellationToken)
    {
        var cluster = await PostingReferences.CheckAsync(store, posting, cancellationToken);
        return await store.InsertAsync(posting, cluster, cancellationToken);
    }
}

/// <summary>
/// UpdateJobPosting: a closed posting cannot change; the merged posting obeys the posting rules (valid_through in the
/// future, requirements…) and names existing, current skills. The posting is loaded once, inside the transaction.
/// </summary>
public sealed class UpdateJobPosting(TimeProvider clock)
{
    /// <param name="change">Applies the caller's masked changes to the current posting (the Grpc layer's field mask).</param>
    public async Task<JobPosting> RunAsync(IJobPostingStore store, string id, long expectedVersion, Func<JobPosting, JobPosting> change, CancellationToken cancellationToken)
    {
        var current = await store.LoadAsync(id, cancellationToken) ?? throw new NotFoundException("JobPosting", id);
        if (current.Status != JobPostingStatus.Open)
            throw new FailedPreconditionException("JOB_POSTING_CLOSED", $"Job posting '{id}' is closed and cannot be changed.");
        var updated = change(current);
        var violations = new Violations();
        JobPostingRules.Validate(updated, clock.GetUtcNow(), violations);
        violations.ThrowIfAny();
        var cluster = await PostingReferences.CheckAsync(store, updated, cancellationToken);
        return await store.UpdateAsync(current, updated, cluster, expectedVersion, cancellationToken);
    }
}

/// <summary>ClosePosting: an open posting closes once; closing a closed posting is FAILED_PRECONDITION.</summary>
public sealed class ClosePosting
{
    public async Task<JobPosting> RunAsync(IJobPostingStore store, string id, long expectedVersion, CancellationToken cancellationToken)
    {
        var current = await store.LoadAsync(id, cancellationToken) ?? throw new NotFoundException("JobPosting", id);
        if (current.Status == JobPostingStatus.Closed)
            throw new FailedPreconditionException("JOB_POSTING_CLOSED", $"Job posting '{id}' is already closed.");
        return await store.CloseAsync(current, expectedVersion, cancellationToken);
    }
}
