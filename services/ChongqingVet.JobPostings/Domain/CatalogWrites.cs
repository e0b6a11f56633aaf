using ChongqingVet.Domain.Errors;
using ChongqingVet.JobPostings.V1;

namespace ChongqingVet.JobPostings.Domain;

/// <summary>
/// What the skill-catalog, employer and placement use cases read and write, bound to the idempotency transaction they
/// run in (<c>JobPostingStores.In(connection, transaction)</c>; unit tests supply a fake). Rows only: no rule.
/// </summary>
public interface ICatalogStore
{
    Task<Skill?> SkillAsync(string code, CancellationToken cancellationToken);

    /// <summary>Stores a new skill with its occupation links; ALREADY_EXISTS when the code is taken (a unique index).</summary>
    Task<Skill> InsertSkillAsync(Skill skill, CancellationToken cancellationToken);

    /// <summary>Marks the skill deprecated with its successor.</summary>
    Task<Skill> DeprecateSkillAsync(string code, string successorCode, CancellationToken cancellationToken);

    /// <summary>Stores a new employer; ALREADY_EXISTS when the credit code is taken (a unique index).</summary>
    Task<Employer> InsertEmployerAsync(Employer employer, CancellationToken cancellationToken);

    Task<bool> EmployerExistsAsync(string creditCode, CancellationToken cancellationToken);

    Task<bool> PostingExistsAsync(string id, CancellationToken cancellationToken);

    /// <summary>Stores a placement and its ratings under a new id.</summary>
    Task<Placement> InsertPlacementAsync(Placement placement, CancellationToken cancellationToken);
}

/// <summary>CreateSkill: a new catalog skill (its fields were checked by <c>JobPostingRules.Validate</c>; a taken code is ALREADY_EXISTS).</summary>
public sealed class CreateSkill
{
    public Task<Skill> RunAsync(ICatalogStore store, Skill skill, CancellationToken cancellationToken) => store.InsertSkillAsync(skill, cancellationToken);
}

/// <summary>
/// DeprecateSkill: the skill exists and is not deprecated yet (FAILED_PRECONDITION SKILL_ALREADY_DEPRECATED); its
/// successor is a current skill of the catalog (a deprecated successor would send readers down a chain).
/// </summary>
public sealed class DeprecateSkill
{
    public async Task<Skill> RunAsync(ICatalogStore store, string code, string successorCode, CancellationToken cancellationToken)
    {
        var skill = await store.SkillAsync(code, cancellationToken) ?? throw new NotFoundException("Skill", code);
        if (skill.Deprecated) throw new FailedPreconditionException("SKILL_ALREADY_DEPRECATED", $"Skill '{code}' is already deprecated.");
        var successor = await store.SkillAsync(successorCode, cancellationToken);
        if (successor is null) throw new ValidationException("successor_code", "is not a skill of the catalog");
        if (successor.Deprecated) throw new ValidationException("successor_code", "is itself deprecated; name its successor");
        return await store.DeprecateSkillAsync(code, successorCode, cancellationToken);
    }
}

/// <summary>CreateEmployer: a new employer (fields checked by <c>JobPostingRules.Validate</c>; a taken credit code is ALREADY_EXISTS).</summary>
public sealed class CreateEmployer
{
    public Task<Employer> RunAsync(ICatalogStore store, Employer employer, CancellationToken cancellationToken) => store.InsertEmployerAsync(employer, cancellationToken);
}

/// <summary>RecordPlacement: the employer, the posting (when named) and every rated skill must exist; all misses are reported together.</summary>
public sealed class RecordPlacement
{
    public async Task<Placement> RunAsync(ICatalogStore store, Placement placement, CancellationToken cancellationToken)
    {
        var violations = new Violations();
        violations.Check(await store.EmployerExistsAsync(placement.EmployerCreditCode, cancellationToken), "placement.employer_credit_code", "is not a registered employer");
        if (placement.PostingId.Length > 0)
            violations.Check(await store.PostingExistsAsync(placement.PostingId, cancellationToken), "placement.posting_id", "is not a job posting");
        for (var i = 0; i < placement.Ratings.Count; i++)
            violations.Check(await store.SkillAsync(placement.Ratings[i].SkillCode, cancellationToken) is not null,
                $"placement.ratings[{i}].skill_code", "is not a skill of the catalog");
        violations.ThrowIfAny();
        return await store.InsertPlacementAsync(placement, cancellationToken);
    }
}
