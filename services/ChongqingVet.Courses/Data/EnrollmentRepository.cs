using System.Data.Common;
using ChongqingVet.Common.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Matching;
using Dapper;

namespace ChongqingVet.Courses.Data;

/// <summary>Enrolments and grades; a corrected grade moves the previous one into grade_history.</summary>
public sealed class EnrollmentRepository(IDbConnectionFactory database, TimeProvider clock)
{
    private const string Resource = "Enrollment";

    private const string Columns = """
        id AS Id, learner_id AS LearnerId, course_code AS CourseCode, term AS Term, status AS Status, score AS Score,
        passed AS Passed, graded_at AS GradedAt, version AS Version, created_at AS CreatedAt
        """;

    private const string InsertSql = """
        INSERT INTO enrollments (id, learner_id, course_code, term, status, score, passed, graded_at, version, created_at)
        VALUES (@Id, @LearnerId, @CourseCode, @Term, 1, NULL, NULL, NULL, 1, @Now)
        """;

    private const string SelectSql = "SELECT " + Columns + " FROM enrollments WHERE id = @Id";

    private const string ListSql = "SELECT " + Columns + """
         FROM enrollments
        WHERE learner_id = @LearnerId AND id > @After
          AND (@CourseCode = '' OR course_code = @CourseCode)
          AND (@Term = '' OR term = @Term)
        ORDER BY id
        """;

    private const string HistorySql = """
        SELECT enrollment_id AS EnrollmentId, revision AS Revision, score AS Score, passed AS Passed, graded_at AS GradedAt
        FROM grade_history WHERE enrollment_id = @Id ORDER BY revision
        """;

    private const string NextRevisionSql = "SELECT COUNT(*) FROM grade_history WHERE enrollment_id = @Id";

    private const string InsertHistorySql = """
        INSERT INTO grade_history (enrollment_id, revision, score, passed, graded_at)
        VALUES (@EnrollmentId, @Revision, @Score, @Passed, @GradedAt)
        """;

    private const string GradeSql = """
        UPDATE enrollments SET score = @Score, passed = @Passed, status = @Status, graded_at = @Now, version = version + 1
        WHERE id = @Id AND version = @Version
        """;

    // One row per skill outcome of each passed enrolment of the learner.
    private const string EvidenceSelectSql = """
        SELECT e.id AS EnrollmentId, e.course_code AS CourseCode, c.name AS CourseName, e.score AS Score, e.graded_at AS GradedAt,
               o.skill_code AS SkillCode, o.skill_level AS SkillLevel
        FROM enrollments e
        JOIN courses c ON c.code = e.course_code
        JOIN course_outcomes o ON o.course_code = e.course_code
        WHERE e.learner_id = @LearnerId AND e.status = 2
        """;

    private const string EvidenceSql = EvidenceSelectSql + """
          AND (e.id > @AfterId OR (e.id = @AfterId AND o.skill_code > @AfterSkill))
        ORDER BY e.id, o.skill_code
        """;

    // The evidence of one page of ListAsync(learner): its enrolments are those with an id after @After up to @Through.
    private const string EvidenceOfPageSql = EvidenceSelectSql + """
          AND e.id > @After AND e.id <= @Through
        ORDER BY e.id, o.skill_code
        """;

    private const string PassedCoursesSql = "SELECT DISTINCT course_code FROM enrollments WHERE learner_id = @LearnerId AND status = @Passed ORDER BY course_code";

    /// <summary>Codes of the courses the learner passed; the engine does not exempt them again.</summary>
    public async Task<IReadOnlyList<string>> PassedCoursesAsync(string learnerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(PassedCoursesSql,
            new { LearnerId = learnerId, Passed = (int)EnrollmentStatus.Passed }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<Enrollment> EnrollAsync(DbConnection connection, DbTransaction transaction, string learnerId, string courseCode, string term, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7().ToString("D");
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
            {
                Id = id, LearnerId = learnerId, CourseCode = courseCode, Term = term, Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            }, transaction, cancellationToken: cancellationToken));
        }
        catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception))
        {
            throw new AlreadyExistsException(Resource, $"{learnerId}/{courseCode}/{term}", "ALREADY_ENROLLED");
        }
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(id), ChangeKind.Enrolled,
            (await GetAsync(connection, transaction, id, cancellationToken))!, clock, cancellationToken);
    }

    public async Task<Enrollment?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, id, cancellationToken);
    }

    public static async Task<Enrollment?> GetAsync(DbConnection connection, DbTransaction? transaction, string id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<EnrollmentRow>(new CommandDefinition(SelectSql, new { Id = id }, transaction, cancellationToken: cancellationToken));
        if (row is null) return null;
        var history = await connection.QueryAsync<HistoryRow>(new CommandDefinition(HistorySql, new { Id = id }, transaction, cancellationToken: cancellationToken));
        var enrollment = ToMessage(row);
        enrollment.History.AddRange(history.Select(h => new Grade { Score = h.Score, Passed = h.Passed != 0, GradeTime = ProtoConversions.ToTimestamp(h.GradedAt) }));
        return enrollment;
    }

    /// <summary>Records a grade; an existing grade goes to the history first. The caller validated score and pass mark.</summary>
    public async Task<Enrollment> RecordGradeAsync(DbConnection connection, DbTransaction transaction, string id, double score, bool passed, long expectedVersion, CancellationToken cancellationToken)
    {
        var current = await connection.QuerySingleOrDefaultAsync<EnrollmentRow>(new CommandDefinition(SelectSql, new { Id = id }, transaction, cancellationToken: cancellationToken))
                      ?? throw new NotFoundException(Resource, id);
        if (current.Version != expectedVersion) throw new ConcurrencyConflictException(Resource, id);
        if (current.Score is { } previous)
        {
            var revision = await connection.ExecuteScalarAsync<long>(new CommandDefinition(NextRevisionSql, new { Id = id }, transaction, cancellationToken: cancellationToken)) + 1;
            await connection.ExecuteAsync(new CommandDefinition(InsertHistorySql, new
            {
                EnrollmentId = id, Revision = revision, Score = previous, Passed = current.Passed ?? 0, GradedAt = current.GradedAt ?? 0,
            }, transaction, cancellationToken: cancellationToken));
        }
        var rows = await connection.ExecuteAsync(new CommandDefinition(GradeSql, new
        {
            Id = id,
            Score = score,
            Passed = passed ? 1 : 0,
            Status = (int)(passed ? EnrollmentStatus.Passed : EnrollmentStatus.Failed),
            Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            Version = expectedVersion,
        }, transaction, cancellationToken: cancellationToken));
        Etags.EnsureUpdated(rows, exists: true, Resource, id);
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(id), ChangeKind.Graded,
            (await GetAsync(connection, transaction, id, cancellationToken))!, clock, cancellationToken);
    }

    public async Task<Page<Enrollment>> ListAsync(string learnerId, string after, string courseCode, string term, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<EnrollmentRow>(new CommandDefinition(ListSql + database.Dialect.Limit(), new
        {
            LearnerId = learnerId, After = after, CourseCode = courseCode, Term = term, Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<EnrollmentRow>.FromRows(rows, pageSize);
        return new Page<Enrollment>(page.Items.Select(ToMessage).ToArray(), page.HasMore);
    }

    public async Task<(IReadOnlyList<SkillEvidence> Evidence, (string Id, string Skill)? Next)> ListEvidenceAsync(
        string learnerId, (string Id, string Skill) after, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<EvidenceRow>(new CommandDefinition(EvidenceSql + database.Dialect.Limit(), new
        {
            LearnerId = learnerId, AfterId = after.Id, AfterSkill = after.Skill, Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<EvidenceRow>.FromRows(rows, pageSize);
        var last = page.Items.LastOrDefault();
        return (page.Items.Select(ToEvidence).ToArray(), page.HasMore && last is not null ? (last.EnrollmentId, last.SkillCode) : null);
    }

    /// <summary>The evidence of the learner's enrolments with an id after <paramref name="after"/> up to <paramref name="through"/>.</summary>
    public async Task<IReadOnlyList<SkillEvidence>> EvidenceOfPageAsync(string learnerId, string after, string through, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<EvidenceRow>(new CommandDefinition(EvidenceOfPageSql, new
        {
            LearnerId = learnerId, After = after, Through = through,
        }, cancellationToken: cancellationToken));
        return rows.Select(ToEvidence).ToArray();
    }

    /// <summary>The resource name of an enrolment, as its evidence names its source.</summary>
    public static string NameOf(string enrollmentId) => "enrollments/" + enrollmentId;

    private static SkillEvidence ToEvidence(EvidenceRow row) => new()
    {
        SkillCode = row.SkillCode,
        Level = (SkillLevel)row.SkillLevel,
        SourceKind = EvidenceSourceKind.Course,
        SourceName = NameOf(row.EnrollmentId),
        Title = row.CourseName,
        Issuer = "课程 " + row.CourseCode,
        AchieveTime = ProtoConversions.ToTimestamp(row.GradedAt ?? 0),
        Weight = EvidenceWeights.FromGrade(row.Score),
    };

    private static Enrollment ToMessage(EnrollmentRow row) => new()
    {
        Id = row.Id,
        LearnerId = row.LearnerId,
        CourseCode = row.CourseCode,
        Term = row.Term,
        Status = (EnrollmentStatus)row.Status,
        Grade = row.Score is { } score ? new Grade { Score = score, Passed = row.Passed == 1, GradeTime = ProtoConversions.ToTimestamp(row.GradedAt ?? 0) } : null,
        Etag = Etags.From(row.Version),
        CreateTime = ProtoConversions.ToTimestamp(row.CreatedAt),
    };

    private sealed class EnrollmentRow
    {
        public string Id { get; init; } = "";
        public string LearnerId { get; init; } = "";
        public string CourseCode { get; init; } = "";
        public string Term { get; init; } = "";
        public int Status { get; init; }
        public double? Score { get; init; }
        public int? Passed { get; init; }
        public long? GradedAt { get; init; }
        public long Version { get; init; }
        public long CreatedAt { get; init; }
    }

    private sealed class HistoryRow
    {
        public string EnrollmentId { get; init; } = "";
        public int Revision { get; init; }
        public double Score { get; init; }
        public int Passed { get; init; }
        public long GradedAt { get; init; }
    }

    private sealed class EvidenceRow
    {
        public string EnrollmentId { get; init; } = "";
        public string CourseCode { get; init; } = "";
        public string CourseName { get; init; } = "";
        public double? Score { get; init; }
        public long? GradedAt { get; init; }
        public string SkillCode { get; init; } = "";
        public int SkillLevel { get; init; }
    }
}
