using ChongqingVet.Common.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.JobPostings.Domain;
using ChongqingVet.JobPostings.V1;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.JobPostings.Tests;

/// <summary>The posting use cases without gRPC or a database: a fake store stands for the transaction's rows.</summary>
public class PostingUseCaseTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class FakeStore : IJobPostingStore
    {
        public Dictionary<string, JobPosting> Postings { get; } = [];
        public Dictionary<string, Skill> Skills { get; } = new()
        {
            ["PLC-PROG"] = new Skill { Code = "PLC-PROG", Cluster = "智能制造" },
            ["OLD-SKILL"] = new Skill { Code = "OLD-SKILL", Cluster = "智能制造", Deprecated = true, SuccessorCode = "PLC-PROG" },
        };
        public int Loads { get; private set; }
        public List<string> Writes { get; } = [];

        public Task<JobPosting?> LoadAsync(string id, CancellationToken cancellationToken)
        {
            Loads++;
            return Task.FromResult(Postings.TryGetValue(id, out var posting) ? posting.Clone() : null);
        }

        public Task<bool> EmployerExistsAsync(string creditCode, CancellationToken cancellationToken) => Task.FromResult(creditCode == "91350100M000100Y43");

        public Task<IReadOnlyList<Skill>> SkillsAsync(IReadOnlyCollection<string> codes, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Skill>>(codes.Where(Skills.ContainsKey).Select(c => Skills[c]).ToArray());

        public Task<JobPosting> InsertAsync(JobPosting posting, string cluster, CancellationToken cancellationToken)
        {
            Writes.Add($"insert {cluster}");
            return Task.FromResult(posting);
        }

        public Task<JobPosting> UpdateAsync(JobPosting current, JobPosting updated, string cluster, long expectedVersion, CancellationToken cancellationToken)
        {
            Writes.Add($"update {current.Id} v{expectedVersion} {cluster}");
            return Task.FromResult(updated);
        }

        public Task<JobPosting> CloseAsync(JobPosting current, long expectedVersion, CancellationToken cancellationToken)
        {
            Writes.Add($"close {current.Id} v{expectedVersion}");
            return Task.FromResult(current);
        }
    }

    private static JobPosting Posting(JobPostingStatus status = JobPostingStatus.Open) => new()
    {
        Id = "p-1", Title = "电工", OccupationCode = "6-31-01-03", EmployerCreditCode = "91350100M000100Y43", DistrictCode = "500112",
        SalaryMin = 4000, SalaryMax = 6000, Headcount = 2, ValidThrough = Timestamp.FromDateTimeOffset(Now.AddDays(30)), Status = status,
        Requirements = { new Requirement { SkillCode = "PLC-PROG", MinLevel = SkillLevel._3Advanced, Weight = 1 } },
    };

    private static FakeStore StoreWith(JobPosting posting)
    {
        var store = new FakeStore();
        store.Postings[posting.Id] = posting;
        return store;
    }

    [Fact]
    public async Task UpdateJobPosting_ClosedPosting_IsFailedPreconditionAndWritesNothing()
    {
        var store = StoreWith(Posting(JobPostingStatus.Closed));
        var error = await Assert.ThrowsAsync<FailedPreconditionException>(() =>
            new UpdateJobPosting(new FixedClock()).RunAsync(store, "p-1", 3, p => { p.Title = "新"; return p; }, CancellationToken.None));
        Assert.Equal("JOB_POSTING_CLOSED", error.Reason);
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task UpdateJobPosting_OpenPosting_LoadsOnceDerivesClusterAndWritesWithTheEtagVersion()
    {
        var store = StoreWith(Posting());
        var updated = await new UpdateJobPosting(new FixedClock()).RunAsync(store, "p-1", 3, p => { p.Headcount = 5; return p; }, CancellationToken.None);
        Assert.Equal(5, updated.Headcount);
        Assert.Equal(1, store.Loads);
        Assert.Equal(["update p-1 v3 智能制造"], store.Writes);
    }

    [Fact]
    public async Task UpdateJobPosting_DeprecatedSkillAndPastValidThrough_AreFieldViolations()
    {
        var store = StoreWith(Posting());
        var useCase = new UpdateJobPosting(new FixedClock());
        var past = await Assert.ThrowsAsync<ValidationException>(() => useCase.RunAsync(store, "p-1", 1,
            p => { p.ValidThrough = Timestamp.FromDateTimeOffset(Now.AddDays(-1)); return p; }, CancellationToken.None));
        Assert.Equal(["job_posting.valid_through"], past.Violations.Select(v => v.Field));
        var deprecated = await Assert.ThrowsAsync<ValidationException>(() => useCase.RunAsync(store, "p-1", 1,
            p => { p.Requirements[0].SkillCode = "OLD-SKILL"; return p; }, CancellationToken.None));
        Assert.Equal(["job_posting.requirements[0].skill_code"], deprecated.Violations.Select(v => v.Field));
        Assert.Empty(store.Writes);
    }

    [Fact]
    public async Task UpdateJobPosting_Missing_IsNotFound() =>
        await Assert.ThrowsAsync<NotFoundException>(() => new UpdateJobPosting(new FixedClock()).RunAsync(new FakeStore(), "nope", 1, p => p, CancellationToken.None));

    [Fact]
    public async Task ClosePosting_OpenThenClosed_ClosesOnceThenFailedPrecondition()
    {
        var store = StoreWith(Posting());
        await new ClosePosting().RunAsync(store, "p-1", 2, CancellationToken.None);
        Assert.Equal(["close p-1 v2"], store.Writes);
        store.Postings["p-1"].Status = JobPostingStatus.Closed;
        await Assert.ThrowsAsync<FailedPreconditionException>(() => new ClosePosting().RunAsync(store, "p-1", 3, CancellationToken.None));
        Assert.Single(store.Writes);
    }

    [Fact]
    public async Task CreateJobPosting_UnknownEmployerAndSkill_AreEveryViolationAndNothingIsInserted()
    {
        var store = new FakeStore();
        var posting = Posting();
        posting.EmployerCreditCode = "91500000MA5U0000X1";
        posting.Requirements.Add(new Requirement { SkillCode = "NO-SUCH", MinLevel = SkillLevel._4Intermediate, Weight = 1 });
        var error = await Assert.ThrowsAsync<ValidationException>(() => new CreateJobPosting().RunAsync(store, posting, CancellationToken.None));
        Assert.Equal(["job_posting.employer_credit_code", "job_posting.requirements[1].skill_code"], error.Violations.Select(v => v.Field));
        Assert.Empty(store.Writes);
    }
}
