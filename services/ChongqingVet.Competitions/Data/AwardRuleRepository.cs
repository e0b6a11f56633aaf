using System.Data.Common;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Errors;
using Dapper;

namespace ChongqingVet.Competitions.Data;

/// <summary>
/// The award rules table: one row for every (tier, award grade), seeded by migration 0001 with the defaults of
/// <see cref="Domain.CompetitionRules.DefaultCreditedLevel"/>; credited_level 0 means the award credits no skill.
/// </summary>
public sealed class AwardRuleRepository(IDbConnectionFactory database, TimeProvider clock)
{
    private const string ListRulesSql = """
        SELECT tier AS Tier, award_grade AS AwardGrade, credited_level AS CreditedLevel
        FROM award_rules
        WHERE (tier > @AfterTier OR (tier = @AfterTier AND award_grade > @AfterGrade))
          AND (@Tier = 0 OR tier = @Tier)
        ORDER BY tier, award_grade
        """;

    private const string UpdateRuleSql = """
        UPDATE award_rules SET credited_level = @CreditedLevel, version = version + 1
        WHERE tier = @Tier AND award_grade = @AwardGrade
        """;

    public async Task<Page<AwardRule>> ListAsync((int Tier, int Grade) after, CompetitionTier tier, int pageSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<RuleRow>(new CommandDefinition(ListRulesSql + database.Dialect.Limit(), new
        {
            AfterTier = after.Tier,
            AfterGrade = after.Grade,
            Tier = (int)tier,
            Limit = pageSize + 1,
        }, cancellationToken: cancellationToken))).ToList();
        var page = Page<RuleRow>.FromRows(rows, pageSize);
        return new Page<AwardRule>(page.Items.Select(r => new AwardRule
        {
            Tier = (CompetitionTier)r.Tier,
            AwardGrade = (AwardGrade)r.AwardGrade,
            CreditedLevel = (SkillLevel)r.CreditedLevel,
        }).ToArray(), page.HasMore);
    }

    /// <summary>Sets the level a (tier, award) credits; Unspecified makes the award credit nothing.</summary>
    public async Task<AwardRule> UpdateAsync(DbConnection connection, DbTransaction transaction, AwardRule rule, CancellationToken cancellationToken)
    {
        var rows = await connection.ExecuteAsync(new CommandDefinition(UpdateRuleSql, new
        {
            Tier = (int)rule.Tier,
            AwardGrade = (int)rule.AwardGrade,
            CreditedLevel = (int)rule.CreditedLevel,
        }, transaction, cancellationToken: cancellationToken));
        if (rows == 0) throw new NotFoundException("AwardRule", $"{rule.Tier}/{rule.AwardGrade}");
        return await ChangeOutbox.PublishAsync(connection, transaction, $"awardRules/{rule.Tier}/{rule.AwardGrade}", ChangeKind.Updated, rule.Clone(),
            clock, cancellationToken);
    }

    private sealed class RuleRow
    {
        public int Tier { get; init; }
        public int AwardGrade { get; init; }
        public int CreditedLevel { get; init; }
    }
}
