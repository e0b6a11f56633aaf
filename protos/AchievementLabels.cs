namespace ChongqingVet.Common.V1;

/// <summary>The names people read for the achievement enums (the services' titles, the signed learner record).</summary>
public static class AchievementLabels
{
    public static string AwardLabel(AwardGrade grade) => grade switch
    {
        AwardGrade.FirstPrize => "一等奖",
        AwardGrade.SecondPrize => "二等奖",
        AwardGrade.ThirdPrize => "三等奖",
        AwardGrade.Gold => "金奖",
        AwardGrade.Silver => "银奖",
        AwardGrade.Bronze => "铜奖",
        AwardGrade.WorldskillsGold => "WorldSkills Gold",
        AwardGrade.WorldskillsSilver => "WorldSkills Silver",
        AwardGrade.WorldskillsBronze => "WorldSkills Bronze",
        AwardGrade.MedallionForExcellence => "Medallion for Excellence",
        AwardGrade.Participation => "参赛",
        _ => "",
    };

    public static (string Zh, string En) TierLabels(CompetitionTier tier) => tier switch
    {
        CompetitionTier.World => ("世界/国际级", "World or international"),
        CompetitionTier.National => ("国家级", "National"),
        CompetitionTier.Provincial => ("省级", "Provincial"),
        CompetitionTier.CrossRegional => ("跨区域", "Cross-regional"),
        CompetitionTier.District => ("区县级", "District or county"),
        _ => ("", ""),
    };
}
