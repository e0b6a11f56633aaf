using System.Data.Common;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Matching;
using ChongqingVet.JobPostings.V1;
using Dapper;

namespace ChongqingVet.JobPostings.Data;

/// <summary>Work placements (岗位实习) with the supervisor's rating per skill, and the skill evidence they give.</summary>
public sealed class PlacementRepository(IDbConnectionFactory database, TimeProvider clock)
{
    private const string InsertPlacementSql = """
        INSERT INTO placements (id, learner_id, employer_credit_code, posting_id, start_date, end_date, status, created_at)
        VALUES (@Id, @LearnerId, @EmployerCreditCode, @PostingId, @StartDate, @EndDate, @Status, @Now)
        """;

    private const string InsertRatingSql = """
        INSERT INTO placement_ratings (placement_id, skill_code, skill_level, comment) VALUES (@PlacementId, @SkillCode, @SkillLevel, @Comment)
        """;

    private const string SelectRatingsSql = """
        SELECT skill_code AS SkillCode, skill_level AS SkillLevel, comment AS Comment
        FROM placement_ratings
        WHERE placement_id = @Id
        ORDER BY skill_code
        """;

    private const string SelectPlacementSql = """
        SELECT id AS Id, learner_id AS LearnerId, employer_credit_code AS EmployerCreditCode, posting_id AS PostingId,
               start_date AS StartDate, end_date AS EndDate, status AS Status, created_at AS CreatedAt
        FROM placements
        WHERE id = @Id
        """;

    private const string PlacementSelectSql = """
        SELECT id AS Id, learner_id AS LearnerId, employer_credit_code AS EmployerCreditCode, posting_id AS PostingId,
               start_date AS StartDate, end_date AS EndDate, status AS Status, created_at AS CreatedAt
        FROM placements

        """;

    // Two forms, so a learner's list walks ix_placements_learner (learner_id, id): "(@LearnerId = '' OR …)" would not.
    private const string ListPlacementsSql = PlacementSelectSql + """
        WHERE id > @After
          AND (@EmployerCreditCode = '' OR employer_credit_code = @EmployerCreditCode)
        ORDER BY id
        """;

    private const string ListLearnerPlacementsSql = PlacementSelectSql + """
        WHERE learner_id = @LearnerId AND id > @After
          AND (@EmployerCreditCode = '' OR employer_credit_code = @EmployerCreditCode)
        ORDER BY id
        """;

    // One row per rated skill of each completed placement of the learner.
    private const string EvidenceSelectSql = """
        SELECT p.id AS PlacementId, r.skill_code AS SkillCode, r.skill_level AS SkillLevel, p.end_date AS EndDate,
               e.name AS EmployerName, e.credit_code AS EmployerCreditCode
        FROM placements p
        JOIN placement_ratings r ON r.placement_id = p.id
        JOIN employers e ON e.credit_code = p.employer_credit_code
        WHERE p.learner_id = @LearnerId AND p.status = @Completed
        """;

    private const string EvidenceSql = EvidenceSelectSql + """
          AND (p.id > @AfterId OR (p.id = @AfterId AND r.skill_code > @AfterSkill))
        ORDER BY p.id, r.skill_code
        """;

    // The evidence of one page of ListAsync(learner): its placements are those with an id after @After up to @Through.
    private const string EvidenceOfPageSql = EvidenceSelectSql + """
          AND p.id > @After AND p.id <= @Through
        ORDER BY p.id, r.skill_code
        """;

    /// <summary>Stores a placement and its ratings; the use case (RecordPlacement) checked what it names.</summary>
    public async Task<Placement> RecordAsync(DbConnection connection, DbTransaction transaction, Placement placement, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7(clock.GetUtcNow()).ToString("D");
        await connection.ExecuteAsync(new CommandDefinition(InsertPlacementSql, new
        {
            Id = id,
            placement.LearnerId,
            EmployerCreditCode = UnifiedSocialCreditCode.Normalize(placement.EmployerCreditCode),
            PostingId = placement.PostingId.Length > 0 ? placement.PostingId : null,
            StartDate = placement.StartDate.ToDateOnly()!.Value.ToStoredDate(),
            EndDate = placement.EndDate.ToDateOnly()!.Value.ToStoredDate(),
            Status = (int)placement.Status,
            Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(InsertRatingSql, placement.Ratings.Select(r => new
        {
            PlacementId = id,
            r.SkillCode,
            SkillLevel = (int)r.Level,
            Comment = r.Comment.Trim(),
        }).ToArray(), transaction, cancellationToken: cancellationToken));
        var row = await connection.QuerySingleAsync<PlacementRow>(new CommandDefinition(SelectPlacementSql, new { Id = id }, transaction, cancellationToken: cancellationToken));
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(id), ChangeKind.Recorded,
            await WithRatingsAsync(connection, transaction, row, cancellationToken), clock, cancellationToken);
    }

    public async Task<Page<Placement>> ListAsync(string after, string learnerId, string employerCreditCode, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<PlacementRow>(new CommandDefinition((string.IsNullOrEmpty(learnerId) ? ListPlacementsSql : ListLearnerPlacementsSql) + database.Dialect.Limit(), new
        {
            After = after,
            LearnerId = learnerId,
            EmployerCreditCode = employerCreditCode,
            Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<PlacementRow>.FromRows(rows, pageSize);
        var placements = new List<Placement>(page.Items.Count);
        foreach (var row in page.Items) placements.Add(await WithRatingsAsync(connection, null, row, cancellationToken));
        return new Page<Placement>(placements, page.HasMore);
    }

    public async Task<(IReadOnlyList<SkillEvidence> Evidence, EvidenceCursor? Next)> ListEvidenceAsync(string learnerId, EvidenceCursor after, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<EvidenceRow>(new CommandDefinition(EvidenceSql + database.Dialect.Limit(), new
        {
            LearnerId = learnerId,
            Completed = (int)PlacementStatus.Completed,
            AfterId = after.PlacementId,
            AfterSkill = after.SkillCode,
            Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<EvidenceRow>.FromRows(rows, pageSize);
        var last = page.Items.LastOrDefault();
        return (page.Items.Select(ToEvidence).ToArray(), page.HasMore && last is not null ? new EvidenceCursor(last.PlacementId, last.SkillCode) : null);
    }

    /// <summary>The evidence of the learner's placements with an id after <paramref name="after"/> up to <paramref name="through"/>.</summary>
    public async Task<IReadOnlyList<SkillEvidence>> EvidenceOfPageAsync(string learnerId, string after, string through, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<EvidenceRow>(new CommandDefinition(EvidenceOfPageSql, new
        {
            LearnerId = learnerId,
            Completed = (int)PlacementStatus.Completed,
            After = after,
            Through = through,
        }, cancellationToken: cancellationToken));
        return rows.Select(ToEvidence).ToArray();
    }

    /// <summary>The resource name of a placement, as its evidence names its source.</summary>
    public static string NameOf(string placementId) => "placements/" + placementId;

    private static SkillEvidence ToEvidence(EvidenceRow row) => new()
    {
        SkillCode = row.SkillCode,
        Level = (SkillLevel)row.SkillLevel,
        SourceKind = EvidenceSourceKind.Placement,
        SourceName = NameOf(row.PlacementId),
        Title = "岗位实习 · " + row.EmployerName,
        Issuer = row.EmployerName,
        AchieveTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(ChongqingVet.Domain.Time.ChinaTime.StartOfDay(row.EndDate)),
        Weight = EvidenceWeights.Attested,
    };

    private static async Task<Placement> WithRatingsAsync(DbConnection connection, DbTransaction? transaction, PlacementRow row, CancellationToken cancellationToken)
    {
        var ratings = await connection.QueryAsync<RatingRow>(new CommandDefinition(SelectRatingsSql, new { row.Id }, transaction, cancellationToken: cancellationToken));
        return new Placement
        {
            Id = row.Id,
            LearnerId = row.LearnerId,
            EmployerCreditCode = row.EmployerCreditCode,
            PostingId = row.PostingId ?? string.Empty,
            StartDate = ProtoConversions.ParseStoredDate(row.StartDate),
            EndDate = ProtoConversions.ParseStoredDate(row.EndDate),
            Status = (PlacementStatus)row.Status,
            CreateTime = ProtoConversions.ToTimestamp(row.CreatedAt),
            Ratings = { ratings.Select(r => new SkillRating { SkillCode = r.SkillCode, Level = (SkillLevel)r.SkillLevel, Comment = r.Comment }) },
        };
    }

    private sealed class PlacementRow
    {
        public string Id { get; init; } = "";
        public string LearnerId { get; init; } = "";
        public string EmployerCreditCode { get; init; } = "";
        public string? PostingId { get; init; }
        public string StartDate { get; init; } = "";
        public string EndDate { get; init; } = "";
        public int Status { get; init; }
        public long CreatedAt { get; init; }
    }

    private sealed class RatingRow
    {
        public string SkillCode { get; init; } = "";
        public int SkillLevel { get; init; }
        public string Comment { get; init; } = "";
    }

    private sealed class EvidenceRow
    {
        public string PlacementId { get; init; } = "";
        public string SkillCode { get; init; } = "";
        public int SkillLevel { get; init; }
        public string EndDate { get; init; } = "";
        public string EmployerName { get; init; } = "";
        public string EmployerCreditCode { get; init; } = "";
    }
}

/// <summary>The position after the last evidence item of a page.</summary>
public sealed record EvidenceCursor(string PlacementId, string SkillCode);
