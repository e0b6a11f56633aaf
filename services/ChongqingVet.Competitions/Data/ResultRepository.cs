using System.Data.Common;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.Domain;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Matching;
using Dapper;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.Competitions.Data;

/// <summary>Results of events, their participants, and the skill evidence that awards credit.</summary>
public sealed class ResultRepository(IDbConnectionFactory database, TimeProvider clock)
{
    private const string Resource = "Result";

    private const string ResultColumns = """
        r.id AS Id, r.competition_id AS CompetitionId, r.event_code AS EventCode, r.team_name AS TeamName,
        r.award_grade AS AwardGrade, r.ranking AS Ranking, r.score AS Score, r.version AS Version,
        r.created_at AS CreatedAt, r.updated_at AS UpdatedAt
        """;

    private const string InsertResultSql = """
        INSERT INTO competition_results (id, competition_id, event_code, team_name, award_grade, ranking, score, version, created_at, updated_at)
        VALUES (@Id, @CompetitionId, @EventCode, @TeamName, @AwardGrade, @Ranking, @Score, 1, @Now, @Now)
        """;

    private const string InsertParticipantSql = """
        INSERT INTO result_participants (result_id, competition_id, event_code, learner_id, role)
        VALUES (@ResultId, @CompetitionId, @EventCode, @LearnerId, @Role)
        """;

    private const string ExistingParticipantSql = """
        SELECT result_id FROM result_participants
        WHERE competition_id = @CompetitionId AND event_code = @EventCode AND learner_id = @LearnerId
        """;

    private const string SelectResultSql = "SELECT " + ResultColumns + " FROM competition_results r WHERE r.id = @Id";

    private const string SelectParticipantsSql = """
        SELECT result_id AS ResultId, learner_id AS LearnerId, role AS Role
        FROM result_participants
        WHERE result_id >= @First AND result_id <= @Last
        ORDER BY result_id, role, learner_id
        """;

    private const string ListResultsSql = "SELECT " + ResultColumns + """
         FROM competition_results r
        WHERE r.id > @After
          AND (@CompetitionId = '' OR r.competition_id = @CompetitionId)
          AND (@EventCode = '' OR r.event_code = @EventCode)
        ORDER BY r.id
        """;

    // A learner's results through ix_result_participants_learner (learner_id, result_id), in result order.
    private const string ListLearnerResultsSql = "SELECT " + ResultColumns + """
         FROM result_participants p
         JOIN competition_results r ON r.id = p.result_id
        WHERE p.learner_id = @LearnerId AND p.result_id > @After
          AND (@CompetitionId = '' OR r.competition_id = @CompetitionId)
          AND (@EventCode = '' OR r.event_code = @EventCode)
        ORDER BY p.result_id
        """;

    private const string UpdateResultSql = """
        UPDATE competition_results
        SET team_name = @TeamName, award_grade = @AwardGrade, ranking = @Ranking, score = @Score, version = version + 1, updated_at = @Now
        WHERE id = @Id AND version = @Version
        """;

    private const string RankedScoresSql = """
        SELECT ranking AS Ranking, score AS Score FROM competition_results
        WHERE competition_id = @CompetitionId AND event_code = @EventCode AND id <> @Id AND ranking > 0 AND score IS NOT NULL
        """;

    private const string ResultExistsSql = "SELECT COUNT(*) FROM competition_results WHERE id = @Id";

    // One row per (awarded result, skill of its event) where the rules credit a level; rule level 0 credits nothing.
    private const string EvidenceSelectSql = """
        SELECT r.id AS ResultId, r.competition_id AS CompetitionId, r.event_code AS EventCode, r.award_grade AS AwardGrade,
               s.skill_code AS SkillCode, a.credited_level AS CreditedLevel, c.name AS CompetitionName, c.end_date AS EndDate,
               e.name AS EventName
        FROM result_participants p
        JOIN competition_results r ON r.id = p.result_id
        JOIN competitions c ON c.id = r.competition_id
        JOIN competition_events e ON e.competition_id = r.competition_id AND e.code = r.event_code
        JOIN event_skills s ON s.competition_id = r.competition_id AND s.event_code = r.event_code
        JOIN award_rules a ON a.tier = c.tier AND a.award_grade = r.award_grade
        WHERE p.learner_id = @LearnerId AND a.credited_level > 0
        """;

    private const string EvidenceSql = EvidenceSelectSql + """
          AND (r.id > @AfterResult OR (r.id = @AfterResult AND s.skill_code > @AfterSkill))
        ORDER BY r.id, s.skill_code
        """;

    // The evidence of one page of ListAsync(learner): its results are those with an id after @After up to @Through.
    private const string EvidenceOfPageSql = EvidenceSelectSql + """
          AND r.id > @After AND r.id <= @Through
        ORDER BY r.id, s.skill_code
        """;

    /// <summary>Stores a result inside the caller's transaction; the use case (RecordResult) checked every rule. The participant index maps to ALREADY_EXISTS.</summary>
    public async Task<Result> RecordAsync(DbConnection connection, DbTransaction transaction, Result result, Participation participation, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7(clock.GetUtcNow()).ToString("N");
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await connection.ExecuteAsync(new CommandDefinition(InsertResultSql, new
        {
            Id = id,
            result.CompetitionId,
            result.EventCode,
            TeamName = result.TeamName.Trim(),
            AwardGrade = (int)result.AwardGrade,
            Ranking = result.Rank,
            Score = result.HasScore ? result.Score : (double?)null,
            Now = now,
        }, transaction, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertParticipantSql, result.Participants.Select(p => new
            {
                ResultId = id,
                result.CompetitionId,
                result.EventCode,
                p.LearnerId,
                Role = (int)(participation == Participation.Individual ? ParticipantRole.Individual : p.Role),
            }).ToArray(), transaction, cancellationToken: cancellationToken));
        }
        catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception))
        {
            throw RecordResult.DuplicateParticipants(result, result.Participants.Select((p, i) => (i, p.LearnerId)).ToList());
        }
        var recorded = (await GetAsync(connection, transaction, id, cancellationToken))!;
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(recorded.CompetitionId, recorded.EventCode, recorded.Id), ChangeKind.Recorded,
            recorded, clock, cancellationToken);
    }

    /// <summary>The id of the result <paramref name="learnerId"/> already has in the event, if any.</summary>
    public static async Task<string?> ParticipantResultAsync(DbConnection connection, DbTransaction transaction, string competitionId, string eventCode,
        string learnerId, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<string?>(new CommandDefinition(ExistingParticipantSql, new
        {
            CompetitionId = competitionId,
            EventCode = eventCode,
            LearnerId = learnerId,
        }, transaction, cancellationToken: cancellationToken));

    /// <summary>The (rank, score) of the event's other results that have both.</summary>
    public static async Task<IReadOnlyList<(int Rank, double Score)>> RankedScoresAsync(DbConnection connection, DbTransaction transaction,
        string competitionId, string eventCode, string exceptResultId, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<RankedScoreRow>(new CommandDefinition(RankedScoresSql,
            new { CompetitionId = competitionId, EventCode = eventCode, Id = exceptResultId }, transaction, cancellationToken: cancellationToken)))
        .Select(row => (row.Ranking, row.Score)).ToArray();

    public async Task<Result?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, id, cancellationToken);
    }

    public async Task<Result?> GetAsync(DbConnection connection, DbTransaction? transaction, string id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<ResultRow>(new CommandDefinition(SelectResultSql, new { Id = id }, transaction, cancellationToken: cancellationToken));
        if (row is null) return null;
        return (await WithParticipantsAsync(connection, transaction, [row], cancellationToken))[0];
    }

    public async Task<Page<Result>> ListAsync(string after, string learnerId, string competitionId, string eventCode, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<ResultRow>(new CommandDefinition((string.IsNullOrEmpty(learnerId) ? ListResultsSql : ListLearnerResultsSql) + database.Dialect.Limit(), new
        {
            After = after,
            LearnerId = learnerId,
            CompetitionId = competitionId,
            EventCode = eventCode,
            Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<ResultRow>.FromRows(rows, pageSize);
        return new Page<Result>(await WithParticipantsAsync(connection, null, page.Items, cancellationToken), page.HasMore);
    }

    /// <summary>Saves corrected award, rank, score and team name if the version is current; the use case (UpdateResult) checked every rule.</summary>
    public async Task<Result> UpdateAsync(DbConnection connection, DbTransaction transaction, Result result, long expectedVersion, CancellationToken cancellationToken)
    {
        var rows = await connection.ExecuteAsync(new CommandDefinition(UpdateResultSql, new
        {
            result.Id,
            TeamName = result.TeamName.Trim(),
            AwardGrade = (int)result.AwardGrade,
            Ranking = result.Rank,
            Score = result.HasScore ? result.Score : (double?)null,
            Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            Version = expectedVersion,
        }, transaction, cancellationToken: cancellationToken));
        var exists = rows > 0 || await connection.ExecuteScalarAsync<long>(new CommandDefinition(ResultExistsSql, new { result.Id }, transaction, cancellationToken: cancellationToken)) > 0;
        Etags.EnsureUpdated(rows, exists, Resource, result.Id);
        var updated = (await GetAsync(connection, transaction, result.Id, cancellationToken))!;
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(updated.CompetitionId, updated.EventCode, updated.Id), ChangeKind.Updated,
            updated, clock, cancellationToken);
    }

    public async Task<(IReadOnlyList<SkillEvidence> Evidence, (string ResultId, string Skill)? Next)> ListEvidenceAsync(
        string learnerId, (string ResultId, string Skill) after, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<EvidenceRow>(new CommandDefinition(EvidenceSql + database.Dialect.Limit(), new
        {
            LearnerId = learnerId,
            AfterResult = after.ResultId,
            AfterSkill = after.Skill,
            Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<EvidenceRow>.FromRows(rows, pageSize);
        var last = page.Items.LastOrDefault();
        return (page.Items.Select(ToEvidence).ToArray(), page.HasMore && last is not null ? (last.ResultId, last.SkillCode) : null);
    }

    /// <summary>The evidence of the learner's results with an id after <paramref name="after"/> up to <paramref name="through"/>.</summary>
    public async Task<IReadOnlyList<SkillEvidence>> EvidenceOfPageAsync(string learnerId, string after, string through, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<EvidenceRow>(new CommandDefinition(EvidenceOfPageSql, new
        {
            LearnerId = learnerId,
            After = after,
            Through = through,
        }, cancellationToken: cancellationToken));
        return rows.Select(ToEvidence).ToArray();
    }

    /// <summary>The resource name of a result, as its evidence names its source.</summary>
    public static string NameOf(string competitionId, string eventCode, string resultId) =>
        $"competitions/{competitionId}/events/{eventCode}/results/{resultId}";

    private static SkillEvidence ToEvidence(EvidenceRow row) => new()
    {
        SkillCode = row.SkillCode,
        Level = (SkillLevel)row.CreditedLevel,
        SourceKind = EvidenceSourceKind.Competition,
        SourceName = NameOf(row.CompetitionId, row.EventCode, row.ResultId),
        Title = $"{AchievementLabels.AwardLabel((AwardGrade)row.AwardGrade)} · {row.EventCode} {row.EventName}",
        Issuer = row.CompetitionName,
        AchieveTime = Timestamp.FromDateTimeOffset(ChongqingVet.Domain.Time.ChinaTime.StartOfDay(row.EndDate)),
        Weight = EvidenceWeights.Attested,
    };

    private static async Task<IReadOnlyList<Result>> WithParticipantsAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<ResultRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return [];
        // Ids are ordered in the page, so one range query covers it; participants of results outside the page are ignored.
        var first = rows[0].Id;
        var last = rows[^1].Id;
        var participants = (await connection.QueryAsync<ParticipantRow>(new CommandDefinition(SelectParticipantsSql,
            new { First = first, Last = last }, transaction, cancellationToken: cancellationToken))).ToLookup(p => p.ResultId);
        return rows.Select(row =>
        {
            var result = new Result
            {
                Id = row.Id,
                CompetitionId = row.CompetitionId,
                EventCode = row.EventCode,
                TeamName = row.TeamName,
                AwardGrade = (AwardGrade)row.AwardGrade,
                Rank = row.Ranking,
                Etag = Etags.From(row.Version),
                CreateTime = ProtoConversions.ToTimestamp(row.CreatedAt),
                UpdateTime = ProtoConversions.ToTimestamp(row.UpdatedAt),
                Participants = { participants[row.Id].Select(p => new Participant { LearnerId = p.LearnerId, Role = (ParticipantRole)p.Role }) },
            };
            if (row.Score is { } score) result.Score = score;
            return result;
        }).ToArray();
    }

    private sealed class ResultRow
    {
        public string Id { get; init; } = "";
        public string CompetitionId { get; init; } = "";
        public string EventCode { get; init; } = "";
        public string TeamName { get; init; } = "";
        public int AwardGrade { get; init; }
        public int Ranking { get; init; }
        public double? Score { get; init; }
        public long Version { get; init; }
        public long CreatedAt { get; init; }
        public long UpdatedAt { get; init; }
    }

    private sealed class RankedScoreRow
    {
        public int Ranking { get; init; }
        public double Score { get; init; }
    }

    private sealed class ParticipantRow
    {
        public string ResultId { get; init; } = "";
        public string LearnerId { get; init; } = "";
        public int Role { get; init; }
    }

    private sealed class EvidenceRow
    {
        public string ResultId { get; init; } = "";
        public string CompetitionId { get; init; } = "";
        public string EventCode { get; init; } = "";
        public int AwardGrade { get; init; }
        public string SkillCode { get; init; } = "";
        public int CreditedLevel { get; init; }
        public string CompetitionName { get; init; } = "";
        public string EndDate { get; init; } = "";
        public string EventName { get; init; } = "";
    }
}
