using System.Data.Common;
using ChongqingVet.JobPostings.Domain;
using ChongqingVet.JobPostings.V1;

namespace ChongqingVet.JobPostings.Data;

/// <summary>Binds the catalog, employer and placement repositories to one transaction for the Domain use cases. Rows only: no rule.</summary>
public sealed class JobPostingStores(SkillRepository skills, EmployerRepository employers, PlacementRepository placements)
{
    public ICatalogStore In(DbConnection connection, DbTransaction transaction) => new CatalogStore(skills, employers, placements, connection, transaction);

    private sealed class CatalogStore(
        SkillRepository skills,
        EmployerRepository employers,
        PlacementRepository placements,
        DbConnection connection,
        DbTransaction transaction) : ICatalogStore
    {
        public Task<Skill?> SkillAsync(string code, CancellationToken cancellationToken) => skills.GetAsync(connection, transaction, code, cancellationToken);

        public Task<Skill> InsertSkillAsync(Skill skill, CancellationToken cancellationToken) => skills.CreateAsync(connection, transaction, skill, cancellationToken);

        public Task<Skill> DeprecateSkillAsync(string code, string successorCode, CancellationToken cancellationToken) =>
            skills.DeprecateAsync(connection, transaction, code, successorCode, cancellationToken);

        public Task<Employer> InsertEmployerAsync(Employer employer, CancellationToken cancellationToken) =>
            employers.CreateAsync(connection, transaction, employer, cancellationToken);

        public async Task<bool> EmployerExistsAsync(string creditCode, CancellationToken cancellationToken) =>
            await EmployerRepository.GetAsync(connection, transaction, creditCode, cancellationToken) is not null;

        public async Task<bool> PostingExistsAsync(string id, CancellationToken cancellationToken) =>
            await JobPostingRepository.GetAsync(connection, transaction, id, cancellationToken) is not null;

        public Task<Placement> InsertPlacementAsync(Placement placement, CancellationToken cancellationToken) =>
            placements.RecordAsync(connection, transaction, placement, cancellationToken);
    }
}
