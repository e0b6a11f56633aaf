using System.Data.Common;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.JobPostings.Domain;
using ChongqingVet.JobPostings.V1;
using Dapper;

namespace ChongqingVet.JobPostings.Data;

/// <summary>Job postings with their requirements, and matching learners' skills against open postings in SQL.</summary>
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

    private const string SelectPostingWithRequirementsSql = """
        SELECT p.id AS Id, p.title AS Title, p.occupation_code AS OccupationCode, p.employer_credit_code AS EmployerCreditCode,
               p.district_code AS DistrictCode, p.cluster AS Cluster, p.salary_min AS SalaryMin, p.salary_max AS SalaryMax,
               p.headcount AS Headcount, p.valid_through AS ValidThrough, p.status AS Status, p.version AS Version,
               p.created_at AS CreatedAt, p.updated_at AS UpdatedAt,
               r.skill_code AS SkillCode, r.min_level AS MinLevel, r.weight AS Weight, r.essential AS Essential
        FROM job_postings p
        JOIN posting_requirements r ON r.posting_id = p.id
        WHERE p.id = @Id
        ORDER BY r.ordinal
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

    private const string InsertMatchSkillSql = """
        INSERT INTO match_skills (match_id, skill_code, skill_level) VALUES (@MatchId, @SkillCode, @SkillLevel)
        """;

    private const string DeprecatedLearnerSkillsSql = """
        SELECT s.successor_code AS SuccessorCode, l.skill_level AS SkillLevel
        FROM match_skills l
        JOIN skills s ON s.code = l.skill_code
        WHERE l.match_id = @MatchId AND s.deprecated = 1
        """;

    // Reads only the learner's skills' entries of the covering index ix_posting_requirements_match (open postings only,
    // via open_until), sums met weight and met essentials per posting, and ranks in the database.
    private const string MatchSql = """
        SELECT m.id AS Id, m.created_at AS CreatedAt, m.score AS Score, m.unmet AS Unmet
        FROM (
            SELECT r.posting_id AS id, r.created_at AS created_at,
                   SUM(CASE WHEN l.skill_level >= r.min_level THEN r.weight ELSE 0 END) / r.total_weight AS score,
                   CASE WHEN r.essential_count > SUM(CASE WHEN l.skill_level >= r.min_level AND r.essential = 1 THEN 1 ELSE 0 END)
                        THEN 1 ELSE 0 END AS unmet
            FROM match_skills l
            JOIN posting_requirements r ON r.skill_code = l.skill_code AND r.open_until > @Now
            WHERE l.match_id = @MatchId
              AND (@DistrictCode = '' OR r.district_code = @DistrictCode)
              AND (@OccupationCode = '' OR r.occupation_code = @OccupationCode)
              AND (@Cluster = '' OR r.cluster = @Cluster)
            GROUP BY r.posting_id, r.created_at, r.total_weight, r.essential_count
        ) m
        WHERE @HasCursor = 0
           OR m.unmet > @AfterUnmet
           OR (m.unmet = @AfterUnmet AND (m.score < @AfterScore
               OR (m.score = @AfterScore AND (m.created_at < @AfterCreatedAt
                   OR (m.created_at = @AfterCreatedAt AND m.id > @AfterId)))))
        ORDER BY m.unmet, m.score DESC, m.created_at DESC, m.id
        """;

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
            TotalWeight = posting.Requirements.Sum(r => r.Weight),
            EssentialCount = posting.Requirements.Count(r => r.Essential),
            Now = now,
        }, transaction, cancellationToken: cancellationToken));
        await InsertRequirementsAsync(connection, transaction, id, posting, cluster, Open, now, cancellationToken);
        return (await GetAsync(connection, transaction, id, cancellationToken))!;
    }

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
            TotalWeight = updated.Requirements.Sum(r => r.Weight),
            EssentialCount = updated.Requirements.Count(r => r.Essential),
            Now = now,
            Version = expectedVersion,
        }, transaction, cancellationToken: cancellationToken));
        Etags.EnsureUpdated(rows, true, Resource, current.Id);
        await connection.ExecuteAsync(new CommandDefinition(DeleteRequirementsSql, new { current.Id }, transaction, cancellationToken: cancellationToken));
        await InsertRequirementsAsync(connection, transaction, current.Id, updated, cluster, row.Status, row.CreatedAt, cancellationToken);
        return ToPosting(row, updated.Requirements.Select(r => new RequirementRow
        {
            SkillCode = r.SkillCode, MinLevel = (int)r.MinLevel, Weight = r.Weight, Essential = r.Essential ? 1 : 0,
        }));
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
        return closed;
    }

    private sealed class Store(JobPostingRepository repository, DbConnection connection, DbTransaction transaction) : IJobPostingStore
    {
        public Task<JobPosting?> LoadAsync(string id, CancellationToken cancellationToken) =>
            GetWithRequirementsAsync(connection, transaction, id, cancellationToken);

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

    /// <summary>
    /// One page of ranked open postings for the learner's skills. The learner's skills go into scratch rows inside a
    /// transaction that is rolled back, so one constant SQL text joins them on every engine (no IN-lists).
    /// </summary>
    public async Task<(IReadOnlyList<PostingMatch> Matches, MatchCursor? Next)> MatchAsync(IReadOnlyDictionary<string, SkillLevel> learner,
        string districtCode, string occupationCode, string cluster, MatchCursor? after, int pageSize, CancellationToken cancellationToken)
    {
        if (learner.Count == 0) return ([], null);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var matchId = Guid.NewGuid().ToString("D");
        await InsertMatchSkillsAsync(connection, transaction, matchId, learner.Select(s => (s.Key, (int)s.Value)), cancellationToken);
        // A deprecated code the learner still holds counts for its successor (deprecated codes keep resolving).
        var successors = (await connection.QueryAsync<SuccessorRow>(new CommandDefinition(DeprecatedLearnerSkillsSql, new { MatchId = matchId }, transaction, cancellationToken: cancellationToken)))
            .Where(s => s.SuccessorCode is not null && !learner.ContainsKey(s.SuccessorCode))
            .GroupBy(s => s.SuccessorCode!)
            .Select(g => new SkillRef { SkillCode = g.Key, Level = (SkillLevel)g.Max(s => s.SkillLevel) })
            .ToArray();
        if (successors.Length > 0)
        {
            await InsertMatchSkillsAsync(connection, transaction, matchId, successors.Select(s => (s.SkillCode, (int)s.Level)), cancellationToken);
            learner = MatchScoring.LearnerLevels(learner.Select(s => new SkillRef { SkillCode = s.Key, Level = s.Value }).Concat(successors));
        }
        var rows = (await connection.QueryAsync<MatchRow>(new CommandDefinition(MatchSql + database.Dialect.Limit(), new
        {
            MatchId = matchId,
            Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            DistrictCode = districtCode,
            OccupationCode = occupationCode,
            Cluster = cluster,
            HasCursor = after is null ? 0 : 1,
            AfterUnmet = after?.Unmet ?? 0,
            AfterScore = after?.Score ?? 0d,
            AfterCreatedAt = after?.CreatedAt ?? 0L,
            AfterId = after?.Id ?? string.Empty,
            Limit = pageSize + 1,
        }, transaction, cancellationToken: cancellationToken))).ToList();
        var page = Page<MatchRow>.FromRows(rows, pageSize);
        var matches = new List<PostingMatch>(page.Items.Count);
        foreach (var row in page.Items)
        {
            var posting = await GetWithRequirementsAsync(connection, transaction, row.Id, cancellationToken);
            if (posting is not null) matches.Add(MatchScoring.Explain(posting, learner));
        }
        await transaction.RollbackAsync(cancellationToken);
        var last = page.Items.LastOrDefault();
        return (matches, page.HasMore && last is not null ? new MatchCursor((int)last.Unmet, last.Score, last.CreatedAt, last.Id) : null);
    }

    /// <summary>The learner's skills as scratch rows: one round trip where the driver batches (PostgreSQL, SQL Server).</summary>
    private static async Task InsertMatchSkillsAsync(DbConnection connection, DbTransaction transaction, string matchId,
        IEnumerable<(string SkillCode, int SkillLevel)> skills, CancellationToken cancellationToken)
    {
        if (!connection.CanCreateBatch)
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertMatchSkillSql,
                skills.Select(s => new { MatchId = matchId, s.SkillCode, s.SkillLevel }).ToArray(), transaction, cancellationToken: cancellationToken));
            return;
        }
        await using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var (skillCode, skillLevel) in skills)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = InsertMatchSkillSql;
            AddParameter(command, "MatchId", matchId);
            AddParameter(command, "SkillCode", skillCode);
            AddParameter(command, "SkillLevel", skillLevel);
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddParameter(DbBatchCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>A posting and its requirements in one round trip (used for each posting of a match page).</summary>
    private static async Task<JobPosting?> GetWithRequirementsAsync(DbConnection connection, DbTransaction transaction, string id, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<PostingRow, RequirementRow, (PostingRow Posting, RequirementRow Requirement)>(new CommandDefinition(
            SelectPostingWithRequirementsSql, new { Id = id }, transaction, cancellationToken: cancellationToken),
            (posting, requirement) => (posting, requirement), splitOn: "SkillCode")).ToList();
        return rows.Count == 0 ? null : ToPosting(rows[0].Posting, rows.Select(r => r.Requirement));
    }

    private static async Task InsertRequirementsAsync(DbConnection connection, DbTransaction transaction, string id, JobPosting posting,
        string cluster, int status, long createdAt, CancellationToken cancellationToken)
    {
        var openUntil = status == Open ? posting.ValidThrough.ToUnixMilliseconds() : 0L;
        var totalWeight = posting.Requirements.Sum(r => r.Weight);
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
        public string? SuccessorCode { get; init; }
        public int SkillLevel { get; init; }
    }

    private sealed class MatchRow
    {
        public string Id { get; init; } = "";
        public long CreatedAt { get; init; }
        public double Score { get; init; }
        public long Unmet { get; init; }
    }
}

/// <summary>The position after the last match of a page: (unmet essential, score, created_at, id).</summary>
public sealed record MatchCursor(int Unmet, double Score, long CreatedAt, string Id);
