using System.Data.Common;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Errors;
using ChongqingVet.JobPostings.V1;
using Dapper;

namespace ChongqingVet.JobPostings.Data;

/// <summary>The skill catalog and the occupation reference list.</summary>
public sealed class SkillRepository(IDbConnectionFactory database, TimeProvider clock)
{
    private const string Resource = "Skill";

    private const string InsertSkillSql = """
        INSERT INTO skills (code, name_zh, name_en, category, cluster, deprecated, successor_code, created_at)
        VALUES (@Code, @NameZh, @NameEn, @Category, @Cluster, 0, NULL, @Now)
        """;

    private const string InsertOccupationLinkSql = """
        INSERT INTO skill_occupations (skill_code, occupation_code) VALUES (@SkillCode, @OccupationCode)
        """;

    private const string SelectSkillSql = """
        SELECT code AS Code, name_zh AS NameZh, name_en AS NameEn, category AS Category, cluster AS Cluster,
               deprecated AS Deprecated, successor_code AS SuccessorCode, created_at AS CreatedAt
        FROM skills
        WHERE code = @Code
        """;

    private const string SelectSkillOccupationsSql = """
        SELECT skill_code AS SkillCode, occupation_code AS OccupationCode
        FROM skill_occupations
        WHERE skill_code >= @First AND skill_code <= @Last
        ORDER BY skill_code, occupation_code
        """;

    private const string ListSkillsSql = """
        SELECT s.code AS Code, s.name_zh AS NameZh, s.name_en AS NameEn, s.category AS Category, s.cluster AS Cluster,
               s.deprecated AS Deprecated, s.successor_code AS SuccessorCode, s.created_at AS CreatedAt
        FROM skills s
        WHERE s.code > @After
          AND (@Category = '' OR s.category = @Category)
          AND (@Cluster = '' OR s.cluster = @Cluster)
          AND (@IncludeDeprecated = 1 OR s.deprecated = 0)
          AND (@OccupationCode = '' OR EXISTS (SELECT 1 FROM skill_occupations o
                                               WHERE o.skill_code = s.code AND o.occupation_code = @OccupationCode))
        ORDER BY s.code
        """;

    private const string DeprecateSql = """
        UPDATE skills SET deprecated = 1, successor_code = @SuccessorCode WHERE code = @Code AND deprecated = 0
        """;

    private const string SelectOccupationSql = """
        SELECT code AS Code, name AS Name, digital AS Digital, green AS Green, allowed_levels AS AllowedLevels
        FROM occupations
        WHERE code = @Code
        """;

    private const string ListOccupationsSql = """
        SELECT code AS Code, name AS Name, digital AS Digital, green AS Green, allowed_levels AS AllowedLevels
        FROM occupations
        WHERE code > @After
        ORDER BY code
        """;

    public async Task<Skill> CreateAsync(DbConnection connection, DbTransaction transaction, Skill skill, CancellationToken cancellationToken)
    {
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertSkillSql, new
            {
                skill.Code,
                NameZh = skill.NameZh.Trim(),
                NameEn = skill.NameEn.Trim(),
                Category = skill.Category.Trim(),
                Cluster = skill.Cluster.Trim(),
                Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            }, transaction, cancellationToken: cancellationToken));
        }
        catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception))
        {
            throw new AlreadyExistsException(Resource, skill.Code);
        }
        var links = skill.OccupationCodes.Select(code => new { SkillCode = skill.Code, OccupationCode = code }).ToArray();
        await connection.ExecuteAsync(new CommandDefinition(InsertOccupationLinkSql, links, transaction, cancellationToken: cancellationToken));
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(skill.Code), ChangeKind.Created,
            (await GetAsync(connection, transaction, skill.Code, cancellationToken))!, clock, cancellationToken);
    }

    public async Task<Skill?> GetAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, code, cancellationToken);
    }

    public async Task<Skill?> GetAsync(DbConnection connection, DbTransaction? transaction, string code, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<SkillRow>(new CommandDefinition(SelectSkillSql, new { Code = code }, transaction, cancellationToken: cancellationToken));
        return row is null ? null : (await WithOccupationsAsync(connection, transaction, [row], cancellationToken))[0];
    }

    /// <summary>Several skills over one connection, in the order asked; codes not found are left out.</summary>
    public async Task<IReadOnlyList<Skill>> GetManyAsync(IEnumerable<string> codes, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetManyAsync(connection, null, codes, cancellationToken);
    }

    public async Task<IReadOnlyList<Skill>> GetManyAsync(DbConnection connection, DbTransaction? transaction, IEnumerable<string> codes, CancellationToken cancellationToken)
    {
        var skills = new List<Skill>();
        foreach (var code in codes)
        {
            var skill = await GetAsync(connection, transaction, code, cancellationToken);
            if (skill is not null) skills.Add(skill);
        }
        return skills;
    }

    public async Task<Page<Skill>> ListAsync(string after, string category, string cluster, string occupationCode, bool includeDeprecated, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<SkillRow>(new CommandDefinition(ListSkillsSql + database.Dialect.Limit(), new
        {
            After = after,
            Category = category,
            Cluster = cluster,
            OccupationCode = occupationCode,
            IncludeDeprecated = includeDeprecated ? 1 : 0,
            Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<SkillRow>.FromRows(rows, pageSize);
        return new Page<Skill>(await WithOccupationsAsync(connection, null, page.Items, cancellationToken), page.HasMore);
    }

    /// <summary>Marks the skill deprecated; the use case (DeprecateSkill) checked both skills.</summary>
    public async Task<Skill> DeprecateAsync(DbConnection connection, DbTransaction transaction, string code, string successorCode, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(DeprecateSql, new { Code = code, SuccessorCode = successorCode }, transaction, cancellationToken: cancellationToken));
        return await ChangeOutbox.PublishAsync(connection, transaction, NameOf(code), ChangeKind.Deprecated,
            (await GetAsync(connection, transaction, code, cancellationToken))!, clock, cancellationToken);
    }

    /// <summary>The resource name of a skill (its changes in the feed).</summary>
    public static string NameOf(string skillCode) => "skills/" + skillCode;

    public async Task<Occupation?> GetOccupationAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<OccupationRow>(new CommandDefinition(SelectOccupationSql, new { Code = code }, cancellationToken: cancellationToken));
        return row is null ? null : ToOccupation(row);
    }

    public async Task<Page<Occupation>> ListOccupationsAsync(string after, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<OccupationRow>(new CommandDefinition(ListOccupationsSql + database.Dialect.Limit(),
            new { After = after, Limit = pageSize + 1 }, cancellationToken: cancellationToken))).ToList();
        var page = Page<OccupationRow>.FromRows(rows, pageSize);
        return new Page<Occupation>(page.Items.Select(ToOccupation).ToArray(), page.HasMore);
    }

    private static Occupation ToOccupation(OccupationRow row)
    {
        var occupation = new Occupation { Code = row.Code, Name = row.Name, Digital = row.Digital != 0, Green = row.Green != 0 };
        occupation.AllowedLevels.AddRange(row.AllowedLevels.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(level => (SkillLevel)int.Parse(level, System.Globalization.CultureInfo.InvariantCulture)));
        return occupation;
    }

    private static async Task<IReadOnlyList<Skill>> WithOccupationsAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<SkillRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return [];
        var links = (await connection.QueryAsync<LinkRow>(new CommandDefinition(SelectSkillOccupationsSql,
            new { First = rows[0].Code, Last = rows[^1].Code }, transaction, cancellationToken: cancellationToken))).ToLookup(l => l.SkillCode);
        return rows.Select(row => new Skill
        {
            Code = row.Code,
            NameZh = row.NameZh,
            NameEn = row.NameEn,
            Category = row.Category,
            Cluster = row.Cluster,
            Deprecated = row.Deprecated != 0,
            SuccessorCode = row.SuccessorCode ?? string.Empty,
            CreateTime = ProtoConversions.ToTimestamp(row.CreatedAt),
            OccupationCodes = { links[row.Code].Select(l => l.OccupationCode) },
        }).ToArray();
    }

    private sealed class SkillRow
    {
        public string Code { get; init; } = "";
        public string NameZh { get; init; } = "";
        public string NameEn { get; init; } = "";
        public string Category { get; init; } = "";
        public string Cluster { get; init; } = "";
        public int Deprecated { get; init; }
        public string? SuccessorCode { get; init; }
        public long CreatedAt { get; init; }
    }

    private sealed class LinkRow
    {
        public string SkillCode { get; init; } = "";
        public string OccupationCode { get; init; } = "";
    }

    private sealed class OccupationRow
    {
        public string Code { get; init; } = "";
        public string Name { get; init; } = "";
        public int Digital { get; init; }
        public int Green { get; init; }
        public string AllowedLevels { get; init; } = "";
    }
}
