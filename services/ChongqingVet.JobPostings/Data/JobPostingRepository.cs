using System.Data.Common;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Matching;
using ChongqingVet.JobPostings.Domain;
using ChongqingVet.JobPostings.V1;
using Dapper;

namespace ChongqingVet.JobPostings.Data;

/// <summary>Job postings with their requirements, and matching learners' skills against open postings (scored by MatchScorer).</summary>
public sealed class JobPostingRepository(IDbConnectionFactory database, TimeProvider clock, SkillRepository skills)
{
    private const string Resource = "JobPosting";
    private const int Open = (int)JobPostingStatus.Open;

    private SkillRepository Skills => skills;

    private const string InsertPostingSql = """
        INSERT INTO job_postings (id, title, occupation_code, employer_credit_code, district_code, cluster, salary_min, salary_max,
                                  headcount, valid_through, status, total_weight, essential_count, version, created_at, updated_at)
        VALUES (@Id, @Title, @OccupationCode, @EmployerCreditCode, @DistrictCode, @Cluster, @SalaryMin, @SalaryMax,
                @Headcount, @ValidThrough, @Status, @TotalWeight, @EssentialCount, 1, @Now, @Now)
        """;

    private const string InsertRequirementSql = """
        INSERT INTO posting_requirements (posting_id, skill_code, min_level, weight, essential, ordinal, open_until, created_at,
                                          total_weight, essential_count, district_code, occupation_code, cluster)
        VALUES (@PostingId, @SkillCode, @MinLevel, @Weight, @Essential, @Ordinal, @OpenUntil, @CreatedAt,
                @TotalWeight, @EssentialCount, @DistrictCode, @OccupationCode, @Cluster)
        """;

    private const string DeleteRequirementsSql = "DELETE FROM posting_requirements WHERE posting_id = @Id";

    private const string SelectPostingSql = """
        SELECT id AS Id, title AS Title, occupation_code AS OccupationCode, employer_credit_code AS EmployerCreditCode,
               district_code AS DistrictCode, cluster AS Cluster, salary_min AS SalaryMin, salary_max AS SalaryMax,
               headcount AS Headcount, valid_through AS ValidThrough, status AS Status, version AS Version,
               created_at AS CreatedAt, updated_at AS UpdatedAt
        FROM job_postings
        WHERE id = @Id
        """;

    private const string SelectRequirementsSql = """
        SELECT skill_code AS SkillCode, min_level AS MinLevel, weight AS Weight, essential AS Essential
        FROM posting_requirements
        WHERE posting_id = @Id
        ORDER BY ordinal
        """;

    private const string ListPostingsSql = """
        SELECT id AS Id, title AS Title, occupation_code AS OccupationCode, employer_credit_code AS EmployerCreditCode,
               district_code AS DistrictCode, cluster AS Cluster, salary_min AS SalaryMin, salary_max AS SalaryMax,
               headcount AS Headcount, valid_through AS ValidThrough, status AS Status, version AS Version,
               created_at AS CreatedAt, updated_at AS UpdatedAt
        FROM job_postings
        WHERE id > @After
          AND (@EmployerCreditCode = '' OR employer_credit_code = @EmployerCreditCode)
          AND (@DistrictCode = '' OR district_code = @DistrictCode)
          AND (@OccupationCode = '' OR occupation_code = @OccupationCode)
          AND (@Cluster = '' OR cluster = @Cluster)
          AND (@Status = 0 OR status = @Status)
        ORDER BY id
        """;

    private const string UpdatePostingSql = """
        UPDATE job_postings
        SET title = @Title, occupation_code = @OccupationCode, district_code = @DistrictCode, cluster = @Cluster,
            salary_min = @SalaryMin, salary_max = @SalaryMax, headcount = @Headcount, valid_through = @ValidThrough,
            total_weight = @TotalWeight, essential_count = @EssentialCount, version = version + 1, updated_at = @Now
        WHERE id = @Id AND version = @Version
        """;

    private const string ClosePostingSql = """
        UPDATE job_postings SET status = @Closed, version = version + 1, updated_at = @Now
        WHERE id = @Id AND version = @Version
        """;

    private const string CloseRequirementsSql = "UPDATE posting_requirements SET open_until = 0 WHERE posting_id = @Id";

    private const string DeprecatedSkillsSql = """
        SELECT code AS Code, successor_code AS SuccessorCode
        FROM skills
        WHERE deprecated = 1 AND successor_code IS NOT NULL
        """;

    // The requirements of open postings (within the filters) that name one of @Codes — the learner's skills and the
    // codes standing for them — with their postings' stored totals, in the postings' requirement order: the rows of
    // the covering index ix_posting_requirements_match, each posting scored by MatchScorer.ScoreFromTotals in C#.
    // The list is one parameter: an array on PostgreSQL (= ANY), expanded by Dapper elsewhere (IN); the PostgreSQL
    // texts are named so the T-SQL parse test leaves them out.
    private const string CandidateRequirementsHead = """
        SELECT r.posting_id AS PostingId, r.created_at AS CreatedAt, r.skill_code AS SkillCode, r.min_level AS MinLevel,
               r.weight AS Weight, r.essential AS Essential, r.total_weight AS TotalWeight, r.essential_count AS EssentialCount
        FROM posting_requirements r
        WHERE r.open_until > @Now
          AND (@DistrictCode = '' OR r.district_code = @DistrictCode)
          AND (@OccupationCode = '' OR r.occupation_code = @OccupationCode)
          AND (@Cluster = '' OR r.cluster = @Cluster)
          AND r.skill_code
        """;
    private const string CandidateRequirementsTail = " ORDER BY r.posting_id, r.ordinal";
    private const string CandidateRequirementsSql = CandidateRequirementsHead + " IN @Codes" + CandidateRequirementsTail;
    private const string CandidateRequirementsSqlPostgres = CandidateRequirementsHead + " = ANY(@Codes)" + CandidateRequirementsTail;

    // The postings of one match page with their requirements, in one round trip.
    private const string PagePostingsHead = """
        SELECT p.id AS Id, p.title AS Title, p.occupation_code AS OccupationCode, p.employer_credit_code AS EmployerCreditCode,
               p.district_code AS DistrictCode, p.cluster AS Cluster, p.salary_min AS SalaryMin, p.salary_max AS SalaryMax,
               p.headcount AS Headcount, p.valid_through AS ValidThrough, p.status AS Status, p.version AS Version,
               p.created_at AS CreatedAt, p.updated_at AS UpdatedAt,
               r.skill_code AS SkillCode, r.min_level AS MinLevel, r.weight AS Weight, r.essential AS Essential
        FROM job_postings p
        JOIN posting_requirements r ON r.posting_id = p.id
        WHERE p.id
        """;
    private const string PagePostingsTail = " ORDER BY p.id, r.ordinal";
    private const string PagePostingsSql = PagePostingsHead + " IN @Ids" + PagePostingsTail;
    private const string PagePostingsSqlPostgres = PagePostingsHead + " = ANY(@Ids)" + PagePostingsTail;

    /// <summary>The posting use cases' reads and writes, bound to one transaction.</summary>
    public IJobPostingStore In(DbConnection connection, DbTransaction transaction) => new Store(this, connection, transaction);

    private async Task<JobPosting> InsertAsync(DbConnection connection, DbTransaction transaction, JobPosting posting, string cluster, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var id = Guid.CreateVersion7(clock.GetUtcNow()).ToString("D");
        await connection.ExecuteAsync(new CommandDefinition(InsertPostingSql, new
        {
            Id = id,
            Title = posting.Title.Trim(),
            posting.OccupationCode,
            EmployerCreditCode = UnifiedSocialCreditCode.Normalize(posting.EmployerCreditCode),
            posting.DistrictCode,
            Cluster = cluster,
            posting.SalaryMin,
            posting.SalaryMax,
            posting.Headcount,
            ValidThrough = posting.ValidThrough.ToUnixMilliseconds(),
            Status = Open,
            TotalWeight = MatchScoring.TotalWeight(posting),
            EssentialCount = posting.Requirements.Count(r => r.Essential),
            Now = now,
        }, transaction, cancellationToken: cancellationToken));
        await InsertRequirementsAsync(connection, transaction, id, posting, cluster, Open, now, cancellationToken);
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(id), ChangeKind.Opened,
            (await GetAsync(connection, transaction, id, cancellationToken))!, clock, cancellationToken);
    }

    /// <summary>The resource name of a posting (its changes in the feed).</summary>
    public static string NameOf(string postingId) => "jobPostings/" + postingId;

    public async Task<JobPosting?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, id, cancellationToken);
    }

    public static async Task<JobPosting?> GetAsync(DbConnection connection, DbTransaction? transaction, string id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<PostingRow>(new CommandDefinition(SelectPostingSql, new { Id = id }, transaction, cancellationToken: cancellationToken));
        return row is null ? null : await WithRequirementsAsync(connection, transaction, row, cancellationToken);
    }

    public async Task<Page<JobPosting>> ListAsync(string after, string employerCreditCode, string districtCode, string occupationCode, string cluster,
        JobPostingStatus status, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<PostingRow>(new CommandDefinition(ListPostingsSql + database.Dialect.Limit(), new
        {
            After = after,
            EmployerCreditCode = employerCreditCode,
            DistrictCode = districtCode,
            OccupationCode = occupationCode,
            Cluster = cluster,
            Status = (int)status,
            Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<PostingRow>.FromRows(rows, pageSize);
        var postings = new List<JobPosting>(page.Items.Count);
        foreach (var row in page.Items) postings.Add(await WithRequirementsAsync(connection, null, row, cancellationToken));
        return new Page<JobPosting>(postings, page.HasMore);
    }

    /// <summary>Replaces the editable fields and requirements of a posting; builds the result from what it wrote (no re-read).</summary>
    private async Task<JobPosting> UpdateAsync(DbConnection connection, DbTransaction transaction, JobPosting current, JobPosting updated, string cluster,
        long expectedVersion, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var row = new PostingRow
        {
            Id = current.Id,
            Title = updated.Title.Trim(),
            OccupationCode = updated.OccupationCode,
            EmployerCreditCode = current.EmployerCreditCode,
            DistrictCode = updated.DistrictCode,
            Cluster = cluster,
            SalaryMin = updated.SalaryMin,
            SalaryMax = updated.SalaryMax,
            Headcount = updated.Headcount,
            ValidThrough = updated.ValidThrough.ToUnixMilliseconds(),
            Status = (int)current.Status,
            Version = expectedVersion + 1,
            CreatedAt = current.CreateTime.ToUnixMilliseconds(),
            UpdatedAt = now,
        };
        var rows = await connection.ExecuteAsync(new CommandDefinition(UpdatePostingSql, new
        {
            row.Id,
            row.Title,
            row.OccupationCode,
            row.DistrictCode,
            row.Cluster,
            row.SalaryMin,
            row.SalaryMax,
            row.Headcount,
            row.ValidThrough,
            TotalWeight = MatchScoring.TotalWeight(updated),
            EssentialCount = updated.Requirements.Count(r => r.Essential),
            Now = now,
            Version = expectedVersion,
        }, transaction, cancellationToken: cancellationToken));
        Etags.EnsureUpdated(rows, true, Resource, current.Id);
        await connection.ExecuteAsync(new CommandDefinition(DeleteRequirementsSql, new { current.Id }, transaction, cancellationToken: cancellationToken));
        await InsertRequirementsAsync(connection, transaction, current.Id, updated, cluster, row.Status, row.CreatedAt, cancellationToken);
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(current.Id), ChangeKind.Updated, ToPosting(row, updated.Requirements.Select(r => new RequirementRow
        {
            SkillCode = r.SkillCode, MinLevel = (int)r.MinLevel, Weight = r.Weight, Essential = r.Essential ? 1 : 0,
        })), clock, cancellationToken);
    }

    private async Task<JobPosting> CloseAsync(DbConnection connection, DbTransaction transaction, JobPosting current, long expectedVersion, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var rows = await connection.ExecuteAsync(new CommandDefinition(ClosePostingSql, new
        {
            current.Id,
            Closed = (int)JobPostingStatus.Closed,
            Version = expectedVersion,
            Now = now,
        }, transaction, cancellationToken: cancellationToken));
        Etags.EnsureUpdated(rows, true, Resource, current.Id);
        await connection.ExecuteAsync(new CommandDefinition(CloseRequirementsSql, new { current.Id }, transaction, cancellationToken: cancellationToken));
        var closed = current.Clone();
        closed.Status = JobPostingStatus.Closed;
        closed.Etag = Etags.From(expectedVersion + 1);
        closed.UpdateTime = ProtoConversions.ToTimestamp(now);
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(current.Id), ChangeKind.Closed, closed, clock, cancellationToken);
    }

    private sealed class Store(JobPostingRepository repository, DbConnection connection, DbTransaction transaction) : IJobPostingStore
    {
        public Task<JobPosting?> LoadAsync(string id, CancellationToken cancellationToken) =>
            GetAsync(connection, transaction, id, cancellationToken);

        public async Task<bool> EmployerExistsAsync(string creditCode, CancellationToken cancellationToken) =>
            await EmployerRepository.GetAsync(connection, transaction, creditCode, cancellationToken) is not null;

        public Task<IReadOnlyList<Skill>> SkillsAsync(IReadOnlyCollection<string> codes, CancellationToken cancellationToken) =>
            repository.Skills.GetManyAsync(connection, transaction, codes, cancellationToken);

        public Task<JobPosting> InsertAsync(JobPosting posting, string cluster, CancellationToken cancellationToken) =>
            repository.InsertAsync(connection, transaction, posting, cluster, cancellationToken);

        public Task<JobPosting> UpdateAsync(JobPosting current, JobPosting updated, string cluster, long expectedVersion, CancellationToken cancellationToken) =>
            repository.UpdateAsync(connection, transaction, current, updated, cluster, expectedVersion, cancellationToken);

        public Task<JobPosting> CloseAsync(JobPosting current, long expectedVersion, CancellationToken cancellationToken) =>
            repository.CloseAsync(connection, transaction, current, expectedVersion, cancellationToken);
    }

    /// <summary>The catalog's deprecated codes and their successors (a small list; one constant read).</summary>
    public async Task<SkillSuccessors> SuccessorsAsync(DbConnection connection, CancellationToken cancellationToken) =>
        new((await connection.QueryAsync<SuccessorRow>(new CommandDefinition(DeprecatedSkillsSql, cancellationToken: cancellationToken)))
            .Select(s => KeyValuePair.Create(s.Code, s.SuccessorCode!)));

    /// <summary>
    /// One page of ranked open postings for the learner's skills, read-only and without a transaction: the deprecated
    /// codes, then the candidate postings' requirements naming a skill the learner holds (directly or through a deprecated
    /// code) with the postings' totals, scored by <see cref="MatchScorer.ScoreFromTotals"/> and ordered by
    /// <see cref="MatchRank"/>, then the page's postings, explained by <see cref="MatchScorer.Score"/> (the same score).
    /// </summary>
    public async Task<(IReadOnlyList<PostingMatch> Matches, MatchCursor? Next)> MatchAsync(IReadOnlyDictionary<string, SkillLevel> learnerLevels,
        string districtCode, string occupationCode, string cluster, MatchCursor? after, int pageSize, CancellationToken cancellationToken)
    {
        if (learnerLevels.Count == 0) return ([], null);
        await using var connection = await database.OpenAsync(cancellationToken);
        var successors = await SuccessorsAsync(connection, cancellationToken);
        var learner = MatchScoring.Learner(learnerLevels, successors);
        var codes = successors.Aliases(learnerLevels.Keys).Order(StringComparer.Ordinal).ToArray();
        var postgres = database.Dialect.Provider == DatabaseProvider.Postgres;
        var rows = await connection.QueryAsync<CandidateRow>(new CommandDefinition(postgres ? CandidateRequirementsSqlPostgres : CandidateRequirementsSql, new
        {
            Codes = codes,
            Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            DistrictCode = districtCode,
            OccupationCode = occupationCode,
            Cluster = cluster,
        }, cancellationToken: cancellationToken));
        var cursor = after is null ? (MatchRank?)null : new MatchRank(after.Unmet != 0, after.Score, after.CreatedAt, after.Id);
        var ranked = rows.GroupBy(r => r.PostingId, StringComparer.Ordinal)
            .Select(posting =>
            {
                var first = posting.First();
                var (score, unmetEssential) = MatchScorer.ScoreFromTotals(
                    posting.Select(r => new ScoredRequirement(r.SkillCode, r.MinLevel, r.Weight, r.Essential != 0)), first.TotalWeight, first.EssentialCount, learner);
                return new MatchRank(unmetEssential, score, first.CreatedAt, posting.Key);
            })
            .Where(rank => cursor is null || rank.CompareTo(cursor.Value) > 0)
            .Order()
            .Take(pageSize + 1)
            .ToList();
        var page = ranked.Take(pageSize).ToList();
        if (page.Count == 0) return ([], null);

        var postings = (await connection.QueryAsync<PostingRow, RequirementRow, (PostingRow Posting, RequirementRow Requirement)>(new CommandDefinition(
                postgres ? PagePostingsSqlPostgres : PagePostingsSql, new { Ids = page.Select(r => r.Id).ToArray() }, cancellationToken: cancellationToken),
                (posting, requirement) => (posting, requirement), splitOn: "SkillCode"))
            .GroupBy(r => r.Posting.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => ToPosting(g.First().Posting, g.Select(r => r.Requirement)), StringComparer.Ordinal);
        // The order is the ranking's; each posting is explained as read now (the same scorer, so the same score unless
        // the posting was edited between the two reads).
        var matches = page.Where(r => postings.ContainsKey(r.Id)).Select(r => MatchScoring.Explain(postings[r.Id], learner)).ToList();
        var last = page[^1];
        return (matches, ranked.Count > pageSize ? new MatchCursor(last.HasUnmetEssential ? 1 : 0, last.Score, last.CreatedAtUnixMs, last.Id) : null);
    }

    private static async Task InsertRequirementsAsync(DbConnection connection, DbTransaction transaction, string id, JobPosting posting,
        string cluster, int status, long createdAt, CancellationToken cancellationToken)
    {
        var openUntil = status == Open ? posting.ValidThrough.ToUnixMilliseconds() : 0L;
        var totalWeight = MatchScoring.TotalWeight(posting);
        var essentialCount = posting.Requirements.Count(r => r.Essential);
        var rows = posting.Requirements.Select((r, i) => new
        {
            PostingId = id,
            r.SkillCode,
            MinLevel = (int)r.MinLevel,
            r.Weight,
            Essential = r.Essential ? 1 : 0,
            Ordinal = i,
            OpenUntil = openUntil,
            CreatedAt = createdAt,
            TotalWeight = totalWeight,
            EssentialCount = essentialCount,
            posting.DistrictCode,
            posting.OccupationCode,
            Cluster = cluster,
        }).ToArray();
        await connection.ExecuteAsync(new CommandDefinition(InsertRequirementSql, rows, transaction, cancellationToken: cancellationToken));
    }

    private static async Task<JobPosting> WithRequirementsAsync(DbConnection connection, DbTransaction? transaction, PostingRow row, CancellationToken cancellationToken)
    {
        var requirements = await connection.QueryAsync<RequirementRow>(new CommandDefinition(SelectRequirementsSql, new { row.Id }, transaction, cancellationToken: cancellationToken));
        return ToPosting(row, requirements);
    }

    private static JobPosting ToPosting(PostingRow row, IEnumerable<RequirementRow> requirements) =>
        new JobPosting
        {
            Id = row.Id,
            Title = row.Title,
            OccupationCode = row.OccupationCode,
            EmployerCreditCode = row.EmployerCreditCode,
            DistrictCode = row.DistrictCode,
            Cluster = row.Cluster,
            SalaryMin = row.SalaryMin,
            SalaryMax = row.SalaryMax,
            Headcount = row.Headcount,
            ValidThrough = ProtoConversions.ToTimestamp(row.ValidThrough),
            Status = (JobPostingStatus)row.Status,
            Etag = Etags.From(row.Version),
            CreateTime = ProtoConversions.ToTimestamp(row.CreatedAt),
            UpdateTime = ProtoConversions.ToTimestamp(row.UpdatedAt),
            Requirements =
            {
                requirements.Select(r => new Requirement
                {
                    SkillCode = r.SkillCode,
                    MinLevel = (SkillLevel)r.MinLevel,
                    Weight = r.Weight,
                    Essential = r.Essential != 0,
                }),
            },
        };

    private sealed class PostingRow
    {
        public string Id { get; init; } = "";
        public string Title { get; init; } = "";
        public string OccupationCode { get; init; } = "";
        public string EmployerCreditCode { get; init; } = "";
        public string DistrictCode { get; init; } = "";
        public string Cluster { get; init; } = "";
        public int SalaryMin { get; init; }
        public int SalaryMax { get; init; }
        public int Headcount { get; init; }
        public long ValidThrough { get; init; }
        public int Status { get; init; }
        public long Version { get; init; }
        public long CreatedAt { get; init; }
        public long UpdatedAt { get; init; }
    }

    private sealed class RequirementRow
    {
        public string SkillCode { get; init; } = "";
        public int MinLevel { get; init; }
        public double Weight { get; init; }
        public int Essential { get; init; }
    }

    private sealed class SuccessorRow
    {
        public string Code { get; init; } = "";
        public string? SuccessorCode { get; init; }
    }

    private sealed class CandidateRow
    {
        public string PostingId { get; init; } = "";
        public long CreatedAt { get; init; }
        public string SkillCode { get; init; } = "";
        public int MinLevel { get; init; }
        public double Weight { get; init; }
        public int Essential { get; init; }
        public double TotalWeight { get; init; }
        public int EssentialCount { get; init; }
    }
}

/// <summary>The position after the last match of a page: (unmet essential, score, created_at, id).</summary>
public sealed record MatchCursor(int Unmet, double Score, long CreatedAt, string Id);
