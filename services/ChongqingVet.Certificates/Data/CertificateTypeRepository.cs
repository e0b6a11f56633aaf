using System.Data.Common;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Errors;
using Dapper;

namespace ChongqingVet.Certificates.Data;

/// <summary>Certificate types and the skills each level attests.</summary>
public sealed class CertificateTypeRepository(IDbConnectionFactory database, TimeProvider clock)
{
    private const string Resource = "CertificateType";

    private const string InsertTypeSql = """
        INSERT INTO certificate_types (code, name, kind, organisation_name, organisation_credit_code, validity_months, active, version, created_at, updated_at)
        VALUES (@Code, @Name, @Kind, @OrganisationName, @OrganisationCreditCode, @ValidityMonths, @Active, 1, @Now, @Now)
        """;

    private const string InsertSkillSql = """
        INSERT INTO certificate_type_skills (type_code, level, skill_code, skill_level)
        VALUES (@TypeCode, @Level, @SkillCode, @SkillLevel)
        """;

    private const string DeleteSkillsSql = "DELETE FROM certificate_type_skills WHERE type_code = @Code";

    private const string SelectTypeSql = """
        SELECT code AS Code, name AS Name, kind AS Kind, organisation_name AS OrganisationName,
               organisation_credit_code AS OrganisationCreditCode, validity_months AS ValidityMonths, active AS Active,
               version AS Version, created_at AS CreatedAt, updated_at AS UpdatedAt
        FROM certificate_types
        WHERE code = @Code
        """;

    private const string SelectSkillsSql = """
        SELECT type_code AS TypeCode, level AS Level, skill_code AS SkillCode, skill_level AS SkillLevel
        FROM certificate_type_skills
        WHERE type_code >= @First AND type_code <= @Last
        ORDER BY type_code, level, skill_code
        """;

    private const string ListTypesSqlHead = """
        SELECT t.code AS Code, t.name AS Name, t.kind AS Kind, t.organisation_name AS OrganisationName,
               t.organisation_credit_code AS OrganisationCreditCode, t.validity_months AS ValidityMonths, t.active AS Active,
               t.version AS Version, t.created_at AS CreatedAt, t.updated_at AS UpdatedAt
        FROM certificate_types t
        WHERE t.code > @After
          AND (@Kind = 0 OR t.kind = @Kind)
          AND (@ActiveOnly = 0 OR t.active = 1)
          AND (@SkillCode = '' OR EXISTS (SELECT 1 FROM certificate_type_skills s
                                          WHERE s.type_code = t.code AND s.skill_code = @SkillCode AND s.skill_level >= @MinSkillLevel))
          AND (@AnySkillCodes = 0 OR EXISTS (SELECT 1 FROM certificate_type_skills s
                                             WHERE s.type_code = t.code AND s.skill_code
        """;

    private const string ListTypesSqlTail = """
        AND s.skill_level >= @MinSkillLevel))
        ORDER BY t.code
        """;

    // The skill_codes filter: Dapper expands IN @list for SQLite and SQL Server; Npgsql takes the array as one parameter.
    private const string ListTypesSql = ListTypesSqlHead + " IN @SkillCodes " + ListTypesSqlTail;
    private const string ListTypesSqlPostgres = ListTypesSqlHead + " = ANY(@SkillCodes) " + ListTypesSqlTail;

    private const string UpdateTypeSql = """
        UPDATE certificate_types
        SET name = @Name, kind = @Kind, organisation_name = @OrganisationName, organisation_credit_code = @OrganisationCreditCode,
            validity_months = @ValidityMonths, active = @Active, version = version + 1, updated_at = @Now
        WHERE code = @Code AND version = @Version
        """;

    private const string ExistsSql = "SELECT COUNT(*) FROM certificate_types WHERE code = @Code";

    public async Task<CertificateType> CreateAsync(DbConnection connection, DbTransaction transaction, CertificateType type, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertTypeSql, Parameters(type, now), transaction, cancellationToken: cancellationToken));
        }
        catch (Exception exception) when (database.Dialect.IsUniqueViolation(exception))
        {
            throw new AlreadyExistsException(Resource, type.Code);
        }
        await InsertSkillsAsync(connection, transaction, type, cancellationToken);
        return await CertificateChanges.AppendAsync(connection, transaction, ChangeKind.Created,
            (await GetAsync(connection, transaction, type.Code, cancellationToken))!, clock, cancellationToken);
    }

    public async Task<CertificateType?> GetAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, code, cancellationToken);
    }

    public async Task<CertificateType?> GetAsync(DbConnection connection, DbTransaction? transaction, string code, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<TypeRow>(new CommandDefinition(SelectTypeSql, new { Code = code }, transaction, cancellationToken: cancellationToken));
        if (row is null) return null;
        return (await WithLevelsAsync(connection, transaction, [row], cancellationToken))[0];
    }

    /// <param name="skillCodes">Only types attesting one of these (empty: no such filter).</param>
    public async Task<Page<CertificateType>> ListAsync(string after, CertificateKind kind, bool activeOnly, string skillCode, SkillLevel minSkillLevel, int pageSize, CancellationToken cancellationToken,
        IReadOnlyCollection<string>? skillCodes = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var anySkillCodes = skillCodes is { Count: > 0 };
        var rows = (await connection.QueryAsync<TypeRow>(new CommandDefinition((database.Dialect.Provider == DatabaseProvider.Postgres ? ListTypesSqlPostgres : ListTypesSql) + database.Dialect.Limit(), new
        {
            After = after,
            Kind = (int)kind,
            ActiveOnly = activeOnly ? 1 : 0,
            SkillCode = skillCode,
            MinSkillLevel = (int)minSkillLevel,
            Limit = pageSize + 1,
            // IN needs a non-empty list; no skill code is empty, so [""] matches nothing (and the filter is off then).
            AnySkillCodes = anySkillCodes ? 1 : 0,
            SkillCodes = anySkillCodes ? skillCodes!.ToArray() : [""],
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<TypeRow>.FromRows(rows, pageSize);
        return new Page<CertificateType>(await WithLevelsAsync(connection, null, page.Items, cancellationToken), page.HasMore);
    }

    public async Task<CertificateType> UpdateAsync(DbConnection connection, DbTransaction transaction, CertificateType type, long expectedVersion, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var parameters = new DynamicParameters(Parameters(type, now));
        parameters.Add("Version", expectedVersion);
        var rows = await connection.ExecuteAsync(new CommandDefinition(UpdateTypeSql, parameters, transaction, cancellationToken: cancellationToken));
        var exists = rows > 0 || await connection.ExecuteScalarAsync<long>(new CommandDefinition(ExistsSql, new { type.Code }, transaction, cancellationToken: cancellationToken)) > 0;
        Etags.EnsureUpdated(rows, exists, Resource, type.Code);
        await connection.ExecuteAsync(new CommandDefinition(DeleteSkillsSql, new { type.Code }, transaction, cancellationToken: cancellationToken));
        await InsertSkillsAsync(connection, transaction, type, cancellationToken);
        return await CertificateChanges.AppendAsync(connection, transaction, ChangeKind.Updated,
            (await GetAsync(connection, transaction, type.Code, cancellationToken))!, clock, cancellationToken);
    }

    private static object Parameters(CertificateType type, long now) => new
    {
        type.Code,
        type.Name,
        Kind = (int)type.Kind,
        type.OrganisationName,
        OrganisationCreditCode = type.OrganisationCreditCode.ToUpperInvariant(),
        type.ValidityMonths,
        Active = type.Active ? 1 : 0,
        Now = now,
    };

    private static async Task InsertSkillsAsync(DbConnection connection, DbTransaction transaction, CertificateType type, CancellationToken cancellationToken)
    {
        var skills = type.Levels.SelectMany(level => level.AttestedSkills.Select(skill => new
        {
            TypeCode = type.Code,
            Level = (int)level.Level,
            skill.SkillCode,
            SkillLevel = (int)skill.Level,
        })).ToArray();
        await connection.ExecuteAsync(new CommandDefinition(InsertSkillSql, skills, transaction, cancellationToken: cancellationToken));
    }

    private static async Task<IReadOnlyList<CertificateType>> WithLevelsAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<TypeRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return [];
        // Rows come ordered by code, so one range query covers the page (types in the range but not in the page are ignored).
        var skills = (await connection.QueryAsync<SkillRow>(new CommandDefinition(SelectSkillsSql,
            new { First = rows[0].Code, Last = rows[^1].Code }, transaction, cancellationToken: cancellationToken))).ToLookup(s => s.TypeCode);
        return rows.Select(row =>
        {
            var type = new CertificateType
            {
                Code = row.Code,
                Name = row.Name,
                Kind = (CertificateKind)row.Kind,
                OrganisationName = row.OrganisationName,
                OrganisationCreditCode = row.OrganisationCreditCode,
                ValidityMonths = row.ValidityMonths,
                Active = row.Active != 0,
                Etag = Etags.From(row.Version),
                CreateTime = ProtoConversions.ToTimestamp(row.CreatedAt),
                UpdateTime = ProtoConversions.ToTimestamp(row.UpdatedAt),
            };
            foreach (var level in skills[row.Code].GroupBy(s => s.Level).OrderBy(g => g.Key))
            {
                var typeLevel = new CertificateTypeLevel { Level = (CertificateLevel)level.Key };
                typeLevel.AttestedSkills.AddRange(level.Select(s => new SkillRef { SkillCode = s.SkillCode, Level = (SkillLevel)s.SkillLevel }));
                type.Levels.Add(typeLevel);
            }
            return type;
        }).ToArray();
    }

    private sealed class TypeRow
    {
        public string Code { get; init; } = "";
        public string Name { get; init; } = "";
        public int Kind { get; init; }
        public string OrganisationName { get; init; } = "";
        public string OrganisationCreditCode { get; init; } = "";
        public int ValidityMonths { get; init; }
        public int Active { get; init; }
        public long Version { get; init; }
        public long CreatedAt { get; init; }
        public long UpdatedAt { get; init; }
    }

    private sealed class SkillRow
    {
        public string TypeCode { get; init; } = "";
        public int Level { get; init; }
        public string SkillCode { get; init; } = "";
        public int SkillLevel { get; init; }
    }
}
