using System.Data.Common;
using ChongqingVet.Common.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using Dapper;

namespace ChongqingVet.Courses.Data;

/// <summary>Credit-bank recognition rules: a source (certificate or award) and a target (exemptions or elective credits).</summary>
public sealed class CreditRuleRepository(IDbConnectionFactory database, TimeProvider clock)
{
    private const string Columns = """
        id AS Id, major_code AS MajorCode, source_kind AS SourceKind, cert_type_code AS CertTypeCode, cert_level AS CertLevel,
        comp_tier AS CompTier, comp_award AS CompAward, comp_team AS CompTeam, target_kind AS TargetKind, exempt_grade AS ExemptGrade,
        elective_credits AS ElectiveCredits, max_credits AS MaxCredits, description AS Description, created_at AS CreatedAt
        """;

    private const string InsertSql = """
        INSERT INTO credit_rules (id, major_code, source_kind, cert_type_code, cert_level, comp_tier, comp_award, comp_team,
            target_kind, exempt_grade, elective_credits, max_credits, description, created_at)
        VALUES (@Id, @MajorCode, @SourceKind, @CertTypeCode, @CertLevel, @CompTier, @CompAward, @CompTeam,
            @TargetKind, @ExemptGrade, @ElectiveCredits, @MaxCredits, @Description, @CreatedAt)
        """;

    private const string InsertCourseSql = "INSERT INTO credit_rule_courses (rule_id, course_code) VALUES (@RuleId, @CourseCode)";

    private const string ListSql = "SELECT " + Columns + """
         FROM credit_rules
        WHERE id > @After AND (@MajorCode = '' OR major_code = @MajorCode OR major_code = '')
        ORDER BY id
        """;

    private const string CoursesSql = "SELECT rule_id AS RuleId, course_code AS CourseCode FROM credit_rule_courses WHERE rule_id >= @First AND rule_id <= @Last ORDER BY rule_id, course_code";

    public async Task<CreditRule> CreateAsync(DbConnection connection, DbTransaction transaction, CreditRule rule, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7().ToString("D");
        var certificate = rule.SourceCase == CreditRule.SourceOneofCase.Certificate ? rule.Certificate : null;
        var competition = rule.SourceCase == CreditRule.SourceOneofCase.Competition ? rule.Competition : null;
        var exemption = rule.TargetCase == CreditRule.TargetOneofCase.Exemption ? rule.Exemption : null;
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            Id = id,
            rule.MajorCode,
            SourceKind = (int)rule.SourceCase,
            CertTypeCode = certificate?.TypeCode,
            CertLevel = certificate is null ? (int?)null : (int)certificate.Level,
            CompTier = competition is null ? (int?)null : (int)competition.Tier,
            CompAward = competition is null ? (int?)null : (int)competition.AwardGrade,
            CompTeam = competition is null ? (int?)null : competition.Team ? 1 : 0,
            TargetKind = (int)rule.TargetCase,
            ExemptGrade = exemption?.ExemptGrade,
            ElectiveCredits = exemption is null ? rule.ElectiveCredits : (double?)null,
            rule.MaxCredits,
            rule.Description,
            CreatedAt = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        }, transaction, cancellationToken: cancellationToken));
        if (exemption is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(InsertCourseSql,
                exemption.CourseCodes.Distinct().Select(c => new { RuleId = id, CourseCode = c }).ToArray(), transaction, cancellationToken: cancellationToken));
        }
        var created = rule.Clone();
        created.Id = id;
        created.CreateTime = ProtoConversions.ToTimestamp(clock.GetUtcNow().ToUnixTimeMilliseconds());
        return await ChangeOutbox.PublishAsync(connection, transaction, "creditRules/" + id, ChangeKind.Created, created, clock, cancellationToken);
    }

    public async Task<Page<CreditRule>> ListAsync(string after, string majorCode, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<RuleRow>(new CommandDefinition(ListSql + database.Dialect.Limit(),
            new { After = after, MajorCode = majorCode, Limit = pageSize + 1 }, cancellationToken: cancellationToken))).ToList();
        var page = Page<RuleRow>.FromRows(rows, pageSize);
        if (page.Items.Count == 0) return new Page<CreditRule>([], false);
        var courses = (await connection.QueryAsync<(string RuleId, string CourseCode)>(new CommandDefinition(CoursesSql,
            new { First = page.Items[0].Id, Last = page.Items[^1].Id }, cancellationToken: cancellationToken))).ToLookup(c => c.RuleId);
        return new Page<CreditRule>(page.Items.Select(row => ToMessage(row, courses[row.Id].Select(c => c.CourseCode))).ToArray(), page.HasMore);
    }

    /// <summary>Every rule that applies to a major (its own and those for all majors).</summary>
    public async Task<IReadOnlyList<CreditRule>> ForMajorAsync(string majorCode, CancellationToken cancellationToken)
    {
        var all = new List<CreditRule>();
        var after = string.Empty;
        while (true)
        {
            var page = await ListAsync(after, majorCode, PageSize.Maximum, cancellationToken);
            all.AddRange(page.Items);
            if (!page.HasMore) return all;
            after = page.Items[^1].Id;
        }
    }

    private static CreditRule ToMessage(RuleRow row, IEnumerable<string> courses)
    {
        var rule = new CreditRule
        {
            Id = row.Id,
            MajorCode = row.MajorCode,
            MaxCredits = row.MaxCredits,
            Description = row.Description,
            CreateTime = ProtoConversions.ToTimestamp(row.CreatedAt),
        };
        if (row.SourceKind == (int)CreditRule.SourceOneofCase.Certificate)
            rule.Certificate = new CertificateSource { TypeCode = row.CertTypeCode ?? "", Level = (CertificateLevel)(row.CertLevel ?? 0) };
        else
            rule.Competition = new CompetitionSource { Tier = (CompetitionTier)(row.CompTier ?? 0), AwardGrade = (AwardGrade)(row.CompAward ?? 0), Team = row.CompTeam == 1 };
        if (row.TargetKind == (int)CreditRule.TargetOneofCase.Exemption)
            rule.Exemption = new CourseExemption { CourseCodes = { courses }, ExemptGrade = row.ExemptGrade ?? 0 };
        else
            rule.ElectiveCredits = row.ElectiveCredits ?? 0;
        return rule;
    }

    private sealed class RuleRow
    {
        public string Id { get; init; } = "";
        public string MajorCode { get; init; } = "";
        public int SourceKind { get; init; }
        public string? CertTypeCode { get; init; }
        public int? CertLevel { get; init; }
        public int? CompTier { get; init; }
        public int? CompAward { get; init; }
        public int? CompTeam { get; init; }
        public int TargetKind { get; init; }
        public double? ExemptGrade { get; init; }
        public double? ElectiveCredits { get; init; }
        public double MaxCredits { get; init; }
        public string Description { get; init; } = "";
        public long CreatedAt { get; init; }
    }
}
