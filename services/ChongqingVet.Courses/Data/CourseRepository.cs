using System.Data.Common;
using ChongqingVet.Common.V1;
using ChongqingVet.Courses.Domain;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;
using Dapper;

namespace ChongqingVet.Courses.Data;

/// <summary>Majors (reference data) and courses with the majors they serve and their skill outcomes.</summary>
public sealed class CourseRepository(IDbConnectionFactory database, TimeProvider clock)
{
    private const string Resource = "Course";

    private const string CourseColumns = """
        c.code AS Code, c.name AS Name, c.credits AS Credits, c.hours AS Hours, c.category AS Category, c.pass_mark AS PassMark,
        c.version AS Version, c.created_at AS CreatedAt, c.updated_at AS UpdatedAt, c.owner_credit_code AS OwnerCreditCode
        """;

    private const string InsertCourseSql = """
        INSERT INTO courses (code, name, credits, hours, category, pass_mark, owner_credit_code, version, created_at, updated_at)
        VALUES (@Code, @Name, @Credits, @Hours, @Category, @PassMark, @OwnerCreditCode, 1, @Now, @Now)
        """;

    private const string UpdateCourseSql = """
        UPDATE courses SET name = @Name, credits = @Credits, hours = @Hours, category = @Category, pass_mark = @PassMark,
            version = version + 1, updated_at = @Now
        WHERE code = @Code AND version = @Version
        """;

    private const string InsertMajorLinkSql = "INSERT INTO course_majors (course_code, major_code) VALUES (@CourseCode, @MajorCode)";
    private const string InsertOutcomeSql = "INSERT INTO course_outcomes (course_code, skill_code, skill_level) VALUES (@CourseCode, @SkillCode, @SkillLevel)";
    private const string DeleteMajorLinksSql = "DELETE FROM course_majors WHERE course_code = @Code";
    private const string DeleteOutcomesSql = "DELETE FROM course_outcomes WHERE course_code = @Code";
    private const string CourseExistsSql = "SELECT COUNT(*) FROM courses WHERE code = @Code";

    private const string SelectCourseSql = "SELECT " + CourseColumns + " FROM courses c WHERE c.code = @Code";

    private const string ListCoursesSqlHead = "SELECT " + CourseColumns + """
         FROM courses c
        WHERE c.code > @After
          AND (@Category = 0 OR c.category = @Category)
          AND (@MajorCode = '' OR EXISTS (SELECT 1 FROM course_majors m WHERE m.course_code = c.code AND m.major_code = @MajorCode))
          AND (@SkillCode = '' OR EXISTS (SELECT 1 FROM course_outcomes o
                                          WHERE o.course_code = c.code AND o.skill_code = @SkillCode AND o.skill_level >= @MinSkillLevel))
          AND (@AnySkillCodes = 0 OR EXISTS (SELECT 1 FROM course_outcomes o
                                             WHERE o.course_code = c.code AND o.skill_code
        """;

    private const string ListCoursesSqlTail = """
        AND o.skill_level >= @MinSkillLevel))
        ORDER BY c.code
        """;

    // The skill_codes filter: Dapper expands IN @list for SQLite and SQL Server; Npgsql takes the array as one parameter.
    private const string ListCoursesSql = ListCoursesSqlHead + " IN @SkillCodes " + ListCoursesSqlTail;
    private const string ListCoursesSqlPostgres = ListCoursesSqlHead + " = ANY(@SkillCodes) " + ListCoursesSqlTail;

    private const string MajorLinksSql = "SELECT course_code AS CourseCode, major_code AS MajorCode FROM course_majors WHERE course_code >= @First AND course_code <= @Last ORDER BY course_code, major_code";
    private const string OutcomesSql = "SELECT course_code AS CourseCode, skill_code AS SkillCode, skill_level AS SkillLevel FROM course_outcomes WHERE course_code >= @First AND course_code <= @Last ORDER BY course_code, skill_code";

    private const string MajorColumns = """
        code AS Code, name AS Name, level AS Level, valid_from AS ValidFrom, valid_to AS ValidTo, previous_code AS PreviousCode,
        professional_credits AS ProfessionalCredits
        """;

    private const string SelectMajorSql = "SELECT " + MajorColumns + " FROM majors WHERE code = @Code";
    private const string ListMajorsSql = "SELECT " + MajorColumns + " FROM majors WHERE code > @After AND (@Level = 0 OR level = @Level) ORDER BY code";

    private const string InsertMajorSql = """
        INSERT INTO majors (code, name, level, valid_from, valid_to, previous_code, professional_credits)
        VALUES (@Code, @Name, @Level, @ValidFrom, @ValidTo, @PreviousCode, @ProfessionalCredits)
        """;

    private const string CourseFactsSql = "SELECT code AS Code, credits AS Credits, category AS Category FROM courses";

    public async Task<Course> CreateAsync(DbConnection connection, DbTransaction transaction, Course course, CancellationToken cancellationToken)
    {
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertCourseSql, Parameters(course), transaction, cancellationToken: cancellationToken));
        }
        catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception))
        {
            throw new AlreadyExistsException(Resource, course.Code);
        }
        await InsertChildrenAsync(connection, transaction, course, cancellationToken);
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(course.Code), ChangeKind.Created,
            (await GetAsync(connection, transaction, course.Code, cancellationToken))!, clock, cancellationToken);
    }

    public async Task<Course> UpdateAsync(DbConnection connection, DbTransaction transaction, Course course, long expectedVersion, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(Parameters(course));
        parameters.Add("Version", expectedVersion);
        var rows = await connection.ExecuteAsync(new CommandDefinition(UpdateCourseSql, parameters, transaction, cancellationToken: cancellationToken));
        var exists = rows > 0 || await connection.ExecuteScalarAsync<long>(new CommandDefinition(CourseExistsSql, new { course.Code }, transaction, cancellationToken: cancellationToken)) > 0;
        Etags.EnsureUpdated(rows, exists, Resource, course.Code);
        await connection.ExecuteAsync(new CommandDefinition(DeleteMajorLinksSql, new { course.Code }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(DeleteOutcomesSql, new { course.Code }, transaction, cancellationToken: cancellationToken));
        await InsertChildrenAsync(connection, transaction, course, cancellationToken);
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(course.Code), ChangeKind.Updated,
            (await GetAsync(connection, transaction, course.Code, cancellationToken))!, clock, cancellationToken);
    }

    public async Task<Course?> GetAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, code, cancellationToken);
    }

    public static async Task<Course?> GetAsync(DbConnection connection, DbTransaction? transaction, string code, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<CourseRow>(new CommandDefinition(SelectCourseSql, new { Code = code }, transaction, cancellationToken: cancellationToken));
        return row is null ? null : (await WithChildrenAsync(connection, transaction, [row], cancellationToken))[0];
    }

    /// <summary>Several courses over one connection, in the order asked (each once); codes not found are left out.</summary>
    public async Task<IReadOnlyList<Course>> GetManyAsync(IEnumerable<string> codes, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var found = new List<Course>();
        foreach (var code in codes.Distinct(StringComparer.Ordinal))
        {
            var course = await GetAsync(connection, null, code, cancellationToken);
            if (course is not null) found.Add(course);
        }
        return found;
    }

    /// <param name="skillCodes">Only courses teaching one of these (empty: no such filter).</param>
    public async Task<Page<Course>> ListAsync(string after, string majorCode, CourseCategory category, string skillCode, SkillLevel minSkillLevel, int pageSize, CancellationToken cancellationToken,
        IReadOnlyCollection<string>? skillCodes = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var anySkillCodes = skillCodes is { Count: > 0 };
        var rows = (await connection.QueryAsync<CourseRow>(new CommandDefinition((database.Dialect.Provider == DatabaseProvider.Postgres ? ListCoursesSqlPostgres : ListCoursesSql) + database.Dialect.Limit(), new
        {
            After = after, MajorCode = majorCode, Category = (int)category, SkillCode = skillCode, MinSkillLevel = (int)minSkillLevel, Limit = pageSize + 1,
            // IN needs a non-empty list; no skill code is empty, so [""] matches nothing (and the filter is off then).
            AnySkillCodes = anySkillCodes ? 1 : 0, SkillCodes = anySkillCodes ? skillCodes!.ToArray() : [""],
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<CourseRow>.FromRows(rows, pageSize);
        return new Page<Course>(await WithChildrenAsync(connection, null, page.Items, cancellationToken), page.HasMore);
    }

    /// <summary>Credits and category of every course, for the recognition engine.</summary>
    public async Task<IReadOnlyDictionary<string, CourseFacts>> FactsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<FactsRow>(new CommandDefinition(CourseFactsSql, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Code, r => new CourseFacts(r.Code, r.Credits, (CourseCategory)r.Category), StringComparer.Ordinal);
    }

    public async Task<Major?> GetMajorAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetMajorAsync(connection, null, code, cancellationToken);
    }

    private static async Task<Major?> GetMajorAsync(DbConnection connection, DbTransaction? transaction, string code, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<MajorRow>(new CommandDefinition(SelectMajorSql, new { Code = code }, transaction, cancellationToken: cancellationToken));
        return row is null ? null : ToMajor(row);
    }

    public async Task<Page<Major>> ListMajorsAsync(string after, MajorLevel level, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<MajorRow>(new CommandDefinition(ListMajorsSql + database.Dialect.Limit(),
            new { After = after, Level = (int)level, Limit = pageSize + 1 }, cancellationToken: cancellationToken))).ToList();
        var page = Page<MajorRow>.FromRows(rows, pageSize);
        return new Page<Major>(page.Items.Select(ToMajor).ToArray(), page.HasMore);
    }

    /// <summary>The resource name of a course (its changes in the feed).</summary>
    public static string NameOf(string courseCode) => "courses/" + courseCode;

    /// <summary>The resource name of a major (its changes in the feed).</summary>
    public static string MajorNameOf(string majorCode) => "majors/" + majorCode;

    /// <summary>Stores a major of the 专业目录 (sample data) and publishes it to the change feed.</summary>
    public async Task InsertMajorAsync(DbConnection connection, DbTransaction transaction, Major major, CancellationToken cancellationToken)
    {
        await InsertMajorRowAsync(connection, transaction, major, cancellationToken);
        await ChangeOutbox.AppendAsync(connection, transaction, MajorNameOf(major.Code), ChangeKind.Created,
            (await GetMajorAsync(connection, transaction, major.Code, cancellationToken))!, clock, cancellationToken);
    }

    private static async Task InsertMajorRowAsync(DbConnection connection, DbTransaction transaction, Major major, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(InsertMajorSql, new
        {
            major.Code,
            major.Name,
            Level = (int)CourseRules.LevelOf(major.Code),
            ValidFrom = major.ValidFrom.ToDateOnly()!.Value.ToStoredDate(),
            ValidTo = major.ValidTo.ToDateOnly()?.ToStoredDate(),
            PreviousCode = major.PreviousCode.Length == 0 ? null : major.PreviousCode,
            major.ProfessionalCredits,
        }, transaction, cancellationToken: cancellationToken));

    private object Parameters(Course course) => new
    {
        course.Code,
        course.Name,
        course.Credits,
        course.Hours,
        Category = (int)course.Category,
        PassMark = CourseRules.EffectivePassMark(course.PassMark),
        // The owner is set at creation; the UPDATE statement does not change it.
        OwnerCreditCode = course.OwnerCreditCode.Length == 0 ? null : UnifiedSocialCreditCode.Normalize(course.OwnerCreditCode),
        Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
    };

    private static async Task InsertChildrenAsync(DbConnection connection, DbTransaction transaction, Course course, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(InsertMajorLinkSql,
            course.MajorCodes.Distinct().Select(m => new { CourseCode = course.Code, MajorCode = m }).ToArray(), transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(InsertOutcomeSql,
            course.SkillOutcomes.Select(o => new { CourseCode = course.Code, o.SkillCode, SkillLevel = (int)o.Level }).ToArray(), transaction, cancellationToken: cancellationToken));
    }

    private static async Task<IReadOnlyList<Course>> WithChildrenAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<CourseRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return [];
        // Rows are ordered by code: one range query per child table covers the page.
        var range = new { First = rows[0].Code, Last = rows[^1].Code };
        var majors = (await connection.QueryAsync<(string CourseCode, string MajorCode)>(new CommandDefinition(MajorLinksSql, range, transaction, cancellationToken: cancellationToken))).ToLookup(m => m.CourseCode);
        var outcomes = (await connection.QueryAsync<OutcomeRow>(new CommandDefinition(OutcomesSql, range, transaction, cancellationToken: cancellationToken))).ToLookup(o => o.CourseCode);
        return rows.Select(row => new Course
        {
            Code = row.Code,
            Name = row.Name,
            Credits = row.Credits,
            Hours = row.Hours,
            Category = (CourseCategory)row.Category,
            PassMark = row.PassMark,
            MajorCodes = { majors[row.Code].Select(m => m.MajorCode) },
            SkillOutcomes = { outcomes[row.Code].Select(o => new SkillRef { SkillCode = o.SkillCode, Level = (SkillLevel)o.SkillLevel }) },
            Etag = Etags.From(row.Version),
            CreateTime = ProtoConversions.ToTimestamp(row.CreatedAt),
            UpdateTime = ProtoConversions.ToTimestamp(row.UpdatedAt),
            OwnerCreditCode = row.OwnerCreditCode ?? string.Empty,
        }).ToArray();
    }

    private static Major ToMajor(MajorRow row) => new()
    {
        Code = row.Code,
        Name = row.Name,
        Level = (MajorLevel)row.Level,
        ValidFrom = ProtoConversions.ParseStoredDate(row.ValidFrom),
        ValidTo = ProtoConversions.ParseStoredDate(row.ValidTo),
        PreviousCode = row.PreviousCode ?? string.Empty,
        ProfessionalCredits = row.ProfessionalCredits,
    };

    private sealed class CourseRow
    {
        public string Code { get; init; } = "";
        public string Name { get; init; } = "";
        public double Credits { get; init; }
        public int Hours { get; init; }
        public int Category { get; init; }
        public double PassMark { get; init; }
        public long Version { get; init; }
        public long CreatedAt { get; init; }
        public long UpdatedAt { get; init; }
        public string? OwnerCreditCode { get; init; }
    }

    private sealed class OutcomeRow
    {
        public string CourseCode { get; init; } = "";
        public string SkillCode { get; init; } = "";
        public int SkillLevel { get; init; }
    }

    private sealed class FactsRow
    {
        public string Code { get; init; } = "";
        public double Credits { get; init; }
        public int Category { get; init; }
    }

    private sealed class MajorRow
    {
        public string Code { get; init; } = "";
        public string Name { get; init; } = "";
        public int Level { get; init; }
        public string ValidFrom { get; init; } = "";
        public string? ValidTo { get; init; }
        public string? PreviousCode { get; init; }
        public double ProfessionalCredits { get; init; }
    }
}
