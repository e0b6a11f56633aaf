using System.Globalization;
using System.Text;
using ChongqingVet.Common.V1;
using ChongqingVet.Profile.V1;

namespace ChongqingVet.Gateway.Profile;

/// <summary>
/// Settings of the merge rule (<c>Profile:</c> section). Source weights say how much one kind of evidence counts:
/// a certificate more than a competition award, an award more than a placement rating, a rating more than a course grade.
/// </summary>
public sealed class ProfileMergeOptions
{
    public double CertificateWeight { get; set; } = 1.0;
    public double CompetitionWeight { get; set; } = 0.9;
    public double PlacementWeight { get; set; } = 0.8;
    public double CourseWeight { get; set; } = 0.7;

    /// <summary>Support (sum of effective weights) a level needs to be credited (default 0.5).</summary>
    public double LevelThreshold { get; set; } = 0.5;

    /// <summary>Half-life of evidence in days; 0 turns time decay off (default 0).</summary>
    public double HalfLifeDays { get; set; }
}

/// <summary>
/// Merges the evidence of all four services into one skill list. For each skill:
/// 1. effective weight of an item = its own weight (0–1) × the source weight × time decay (0.5^(age / half-life));
///    expired items (expire_time before now) count 0;
/// 2. level = the highest level L whose support — the sum of effective weights of items at L or above — reaches the
///    threshold; when no level reaches it, the level of the single strongest item;
/// 3. confidence = 1 − Π(1 − w) over the items at that level or above (several sources corroborate), at most 1.
/// Deterministic: items are ordered by effective weight, then source name; the explanation spells out the numbers.
/// </summary>
public sealed class ProfileMerger(ProfileMergeOptions options)
{
    public IReadOnlyList<ProfileSkill> Merge(IEnumerable<SkillEvidence> evidence, DateTimeOffset now)
    {
        return evidence
            .GroupBy(e => e.SkillCode, StringComparer.Ordinal)
            .Select(group => MergeSkill(group.Key, group, now))
            .Where(skill => skill is not null)
            .Select(skill => skill!)
            .OrderByDescending(s => s.Level).ThenByDescending(s => s.Confidence).ThenBy(s => s.SkillCode, StringComparer.Ordinal)
            .ToArray();
    }

    public double EffectiveWeight(SkillEvidence item, DateTimeOffset now)
    {
        if (item.ExpireTime is not null && item.ExpireTime.ToDateTimeOffset() < now) return 0;
        var weight = Math.Clamp(item.Weight, 0, 1) * SourceWeight(item.SourceKind);
        if (options.HalfLifeDays > 0 && item.AchieveTime is not null)
        {
            var ageDays = Math.Max(0, (now - item.AchieveTime.ToDateTimeOffset()).TotalDays);
            weight *= Math.Pow(0.5, ageDays / options.HalfLifeDays);
        }
        return weight;
    }

    public double SourceWeight(EvidenceSourceKind kind) => kind switch
    {
        EvidenceSourceKind.Certificate => options.CertificateWeight,
        EvidenceSourceKind.Competition => options.CompetitionWeight,
        EvidenceSourceKind.Placement => options.PlacementWeight,
        EvidenceSourceKind.Course => options.CourseWeight,
        _ => 0,
    };

    private ProfileSkill? MergeSkill(string skillCode, IEnumerable<SkillEvidence> items, DateTimeOffset now)
    {
        var weighted = items
            .Select(item => (Item: item, Weight: EffectiveWeight(item, now)))
            .OrderByDescending(x => x.Weight).ThenByDescending(x => x.Item.Level).ThenBy(x => x.Item.SourceName, StringComparer.Ordinal)
            .ToArray();
        var counting = weighted.Where(x => x.Weight > 0 && x.Item.Level != SkillLevel.Unspecified).ToArray();
        if (counting.Length == 0) return null;

        var level = counting.Select(x => x.Item.Level).Distinct().OrderDescending()
            .FirstOrDefault(candidate => counting.Where(x => x.Item.Level >= candidate).Sum(x => x.Weight) >= options.LevelThreshold);
        var reachedThreshold = level != SkillLevel.Unspecified;
        if (!reachedThreshold) level = counting[0].Item.Level;

        var supporting = counting.Where(x => x.Item.Level >= level).ToArray();
        var confidence = Math.Min(1, 1 - supporting.Aggregate(1.0, (product, x) => product * (1 - Math.Min(1, x.Weight))));

        var skill = new ProfileSkill
        {
            SkillCode = skillCode,
            SkillName = skillCode,
            Level = level,
            Confidence = Math.Round(confidence, 4),
            Explanation = Explain(level, reachedThreshold, supporting, weighted, confidence),
        };
        skill.Evidence.AddRange(weighted.Select(x => x.Item));
        return skill;
    }

    private string Explain(SkillLevel level, bool reachedThreshold, (SkillEvidence Item, double Weight)[] supporting,
        (SkillEvidence Item, double Weight)[] all, double confidence)
    {
        var text = new StringBuilder();
        var support = supporting.Sum(x => x.Weight);
        text.Append(CultureInfo.InvariantCulture, $"Level {LevelNames.Chinese(level)}: ");
        text.Append(reachedThreshold
            ? string.Create(CultureInfo.InvariantCulture, $"support {support:0.###} ≥ threshold {options.LevelThreshold:0.###} from ")
            : string.Create(CultureInfo.InvariantCulture, $"no level reaches threshold {options.LevelThreshold:0.###}; strongest item "));
        text.Append(string.Join(", ", supporting.Select(x =>
            string.Create(CultureInfo.InvariantCulture, $"{x.Item.SourceName} ({LevelNames.Chinese(x.Item.Level)}, weight {x.Item.Weight:0.###} × source {SourceWeight(x.Item.SourceKind):0.###} = {x.Weight:0.###})"))));
        text.Append(string.Create(CultureInfo.InvariantCulture, $". Confidence 1 − Π(1 − w) = {confidence:0.####}."));
        var ignored = all.Where(x => x.Weight <= 0).Select(x => x.Item.SourceName).ToArray();
        if (ignored.Length > 0) text.Append(" Not counted (expired or zero weight): ").Append(string.Join(", ", ignored)).Append('.');
        return text.ToString();
    }
}

/// <summary>Display names of skill levels.</summary>
public static class LevelNames
{
    public static string Chinese(SkillLevel level) => level switch
    {
        SkillLevel._5Beginner => "五级/初级工",
        SkillLevel._4Intermediate => "四级/中级工",
        SkillLevel._3Advanced => "三级/高级工",
        SkillLevel._2Technician => "二级/技师",
        SkillLevel._1SeniorTechnician => "一级/高级技师",
        _ => "未定",
    };
}
