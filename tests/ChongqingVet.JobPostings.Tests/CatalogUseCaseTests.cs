using ChongqingVet.Domain.Errors;
using ChongqingVet.JobPostings.Domain;
using ChongqingVet.JobPostings.V1;

namespace ChongqingVet.JobPostings.Tests;

/// <summary>The catalog, employer and placement use cases without gRPC or a database: a fake store stands for the rows.</summary>
public class CatalogUseCaseTests
{
    private const string Employer = "91500000MA5U000001";

    private sealed class FakeStore : ICatalogStore
    {
        public Dictionary<string, Skill> Skills { get; } = new()
        {
            ["IR-OPS"] = new Skill { Code = "IR-OPS" },
            ["IR-OLD"] = new Skill { Code = "IR-OLD", Deprecated = true, SuccessorCode = "IR-OPS" },
            ["IR-MNT"] = new Skill { Code = "IR-MNT" },
        };
        public HashSet<string> Employers { get; } = [Employer];
        public HashSet<string> Postings { get; } = ["p-1"];
        public List<string> Writes { get; } = [];

        public Task<Skill?> SkillAsync(string code, CancellationToken cancellationToken) => Task.FromResult(Skills.GetValueOrDefault(code));

        public Task<Skill> InsertSkillAsync(Skill skill, CancellationToken cancellationToken)
        {
            Writes.Add("skill " + skill.Code);
            return Task.FromResult(skill);
        }

        public Task<Skill> DeprecateSkillAsync(string code, string successorCode, CancellationToken cancellationToken)
        {
            Writes.Add($"deprecate {code} -> {successorCode}");
            return Task.FromResult(new Skill { Code = code, Deprecated = true, SuccessorCode = successorCode });
        }

        public Task<Employer> InsertEmployerAsync(Employer employer, CancellationToken cancellationToken)
        {
            Writes.Add("employer " + employer.CreditCode);
            return Task.FromResult(employer);
        }

        public Task<bool> EmployerExistsAsync(string creditCode, CancellationToken cancellationToken) => Task.FromResult(Employers.Contains(creditCode));

        public Task<bool> PostingExistsAsync(string id, CancellationToken cancellationToken) => Task.FromResult(Postings.Contains(id));

        public Task<Placement> InsertPlacementAsync(Placement placement, CancellationToken cancellationToken)
        {
            Writes.Add("placement " + placement.LearnerId);
            return Task.FromResult(placement);
        }
    }

    [Fact]
    public async Task DeprecateSkill_CurrentSkillAndSuccessor_IsDeprecated()
    {
        var store = new FakeStore();
        await new DeprecateSkill().RunAsync(store, "IR-MNT", "IR-OPS", CancellationToken.None);
        Assert.Equal(["deprecate IR-MNT -> IR-OPS"], store.Writes);
    }

    [Fact]
    public async Task DeprecateSkill_AlreadyDeprecated_IsFailedPrecondition()
    {
        var store = new FakeStore();
        var error = await Assert.ThrowsAsync<FailedPreconditionException>(() => new DeprecateSkill().RunAsync(store, "IR-OLD", "IR-OPS", CancellationToken.None));
        Assert.Equal("SKILL_ALREADY_DEPRECATED", error.Reason);
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task DeprecateSkill_UnknownSkill_IsNotFound() =>
        await Assert.ThrowsAsync<NotFoundException>(() => new DeprecateSkill().RunAsync(new FakeStore(), "IR-NONE", "IR-OPS", CancellationToken.None));

    [Theory]
    [InlineData("IR-NONE", "is not a skill of the catalog")]
    [InlineData("IR-OLD", "is itself deprecated; name its successor")]
    public async Task DeprecateSkill_SuccessorMissingOrDeprecated_IsASuccessorViolation(string successor, string description)
    {
        var store = new FakeStore();
        var error = await Assert.ThrowsAsync<ValidationException>(() => new DeprecateSkill().RunAsync(store, "IR-MNT", successor, CancellationToken.None));
        var violation = Assert.Single(error.Violations);
        Assert.Equal(("successor_code", description), (violation.Field, violation.Description));
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task CreateSkillAndEmployer_AreStored()
    {
        var store = new FakeStore();
        await new CreateSkill().RunAsync(store, new Skill { Code = "IR-NEW" }, CancellationToken.None);
        await new CreateEmployer().RunAsync(store, new Employer { CreditCode = Employer }, CancellationToken.None);
        Assert.Equal(["skill IR-NEW", "employer " + Employer], store.Writes);
    }

    [Fact]
    public async Task RecordPlacement_ReferencesExist_IsStored()
    {
        var store = new FakeStore();
        var placement = new Placement { LearnerId = "L0001", EmployerCreditCode = Employer, PostingId = "p-1", Ratings = { new SkillRating { SkillCode = "IR-OPS" } } };
        await new RecordPlacement().RunAsync(store, placement, CancellationToken.None);
        Assert.Equal(["placement L0001"], store.Writes);
    }

    [Fact]
    public async Task RecordPlacement_UnknownEmployerPostingAndSkill_AreAllReportedAndNothingIsStored()
    {
        var store = new FakeStore();
        var placement = new Placement
        {
            LearnerId = "L0001",
            EmployerCreditCode = "91500000MA5U000009",
            PostingId = "p-404",
            Ratings = { new SkillRating { SkillCode = "IR-OPS" }, new SkillRating { SkillCode = "IR-NONE" } },
        };
        var error = await Assert.ThrowsAsync<ValidationException>(() => new RecordPlacement().RunAsync(store, placement, CancellationToken.None));
        Assert.Equal(["placement.employer_credit_code", "placement.posting_id", "placement.ratings[1].skill_code"], error.Violations.Select(v => v.Field));
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task RecordPlacement_NoPostingNamed_DoesNotLookOneUp()
    {
        var store = new FakeStore();
        store.Postings.Clear();
        await new RecordPlacement().RunAsync(store, new Placement { LearnerId = "L0002", EmployerCreditCode = Employer }, CancellationToken.None);
        Assert.Equal(["placement L0002"], store.Writes);
    }
}
