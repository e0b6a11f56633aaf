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
    /// <summary>One item with its effective weight; <c>Order</c> is its input position, the last tie-breaker (a stable order).</summary>
    private readonly record struct Weighted(SkillEvidence Item, double Weight, int Order);

    // Runs for every profile: plain loops and one reused StringBuilder instead of LINQ chains keep the gateway's
    // allocations (and so its GC time under load) down; levels are compared as numbers because Enum.CompareTo takes
    // an object and boxes both sides of every comparison. The rule itself is the one in the summary above.
    public IReadOnlyList<ProfileSkill> Merge(IEnumerable<SkillEvidence> evidence, DateTimeOffset now)
    {
        var groups = new Dictionary<string, List<SkillEvidence>>(StringComparer.Ordinal);
        foreach (var item in evidence)
        {
            if (!groups.TryGetValue(item.SkillCode, out var items)) groups[item.SkillCode] = items = [];
            items.Add(item);
        }
        var skills = new List<ProfileSkill>(groups.Count);
        var text = new StringBuilder();
        foreach (var (skillCode, items) in groups)
        {
            if (MergeSkill(skillCode, items, now, text) is { } skill) skills.Add(skill);
        }
        skills.Sort(static (a, b) =>
        {
            var byLevel = (int)b.Level - (int)a.Level;
            if (byLevel != 0) return byLevel;
            var byConfidence = b.Confidence.CompareTo(a.Confidence);
            return byConfidence != 0 ? byConfidence : string.CompareOrdinal(a.SkillCode, b.SkillCode);
        });
        return skills;
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

    private ProfileSkill? MergeSkill(string skillCode, List<SkillEvidence> items, DateTimeOffset now, StringBuilder text)
    {
        // All items, strongest first: effective weight, then level, then source name; ties keep their input order.
        var weighted = new Weighted[items.Count];
        for (var i = 0; i < weighted.Length; i++) weighted[i] = new Weighted(items[i], EffectiveWeight(items[i], now), i);
        Array.Sort(weighted, static (a, b) =>
        {
            var byWeight = b.Weight.CompareTo(a.Weight);
            if (byWeight != 0) return byWeight;
            var byLevel = (int)b.Item.Level - (int)a.Item.Level;
            if (byLevel != 0) return byLevel;
            var bySource = string.CompareOrdinal(a.Item.SourceName, b.Item.SourceName);
            return bySource != 0 ? bySource : a.Order.CompareTo(b.Order);
        });

        // The items that count: a positive weight and a known level, in the order above.
        var counting = new List<Weighted>(weighted.Length);
        foreach (var x in weighted)
        {
            if (x.Weight > 0 && x.Item.Level != SkillLevel.Unspecified) counting.Add(x);
        }
        if (counting.Count == 0) return null;

        // The highest level whose support (items at it or above) reaches the threshold; else the strongest item's level.
        var candidates = new List<SkillLevel>(4);
        foreach (var x in counting)
        {
            if (!candidates.Contains(x.Item.Level)) candidates.Add(x.Item.Level);
        }
        candidates.Sort(static (a, b) => (int)b - (int)a);
        var level = SkillLevel.Unspecified;
        foreach (var candidate in candidates)
        {
            if (Support(counting, candidate) >= options.LevelThreshold)
            {
                level = candidate;
                break;
            }
        }
        var reachedThreshold = level != SkillLevel.Unspecified;
        if (!reachedThreshold) level = counting[0].Item.Level;

        var supporting = new List<Weighted>(counting.Count);
        foreach (var x in counting)
        {
            if (x.Item.Level >= level) supporting.Add(x);
        }
        var product = 1.0;
        foreach (var x in supporting) product *= 1 - Math.Min(1, x.Weight);
        var confidence = Math.Min(1, 1 - product);

        var skill = new ProfileSkill
        {
            SkillCode = skillCode,
            SkillName = skillCode,
            Level = level,
            Confidence = Math.Round(confidence, 4),
            Explanation = Explain(text, level, reachedThreshold, supporting, weighted, confidence),
        };
        foreach (var x in weighted) skill.Evidence.Add(x.Item);
        return skill;
    }

    /// <summary>Sum of the weights of the items at <paramref name="level"/> or above, added in the items' order.</summary>
    private static double Support(List<Weighted> counting, SkillLevel level)
    {
        var support = 0.0;
        foreach (var x in counting)
        {
            if (x.Item.Level >= level) support += x.Weight;
        }
        return support;
    }

    private string Explain(StringBuilder text, SkillLevel level, bool reachedThreshold, List<Weighted> supporting, Weighted[] all, double confidence)
    {
        var invariant = CultureInfo.InvariantCulture;
        text.Clear();
        var support = Support(supporting, level);
        text.Append(invariant, $"Level {LevelNames.Chinese(level)}: ");
        if (reachedThreshold) text.Append(invariant, $"support {support:0.###} ≥ threshold {options.LevelThreshold:0.###} from ");
        else text.Append(invariant, $"no level reaches threshold {options.LevelThreshold:0.###}; strongest item ");
        for (var i = 0; i < supporting.Count; i++)
        {
            var x = supporting[i];
            if (i > 0) text.Append(", ");
            text.Append(invariant, $"{x.Item.SourceName} ({LevelNames.Chinese(x.Item.Level)}, weight {x.Item.Weight:0.###} × source {SourceWeight(x.Item.SourceKind):0.###} = {x.Weight:0.###})");
        }
        text.Append(invariant, $". Confidence 1 − Π(1 − w) = {confidence:0.####}.");
        var ignored = 0;
        foreach (var x in all)
        {
            if (x.Weight > 0) continue;
            text.Append(ignored++ == 0 ? " Not counted (expired or zero weight): " : ", ").Append(x.Item.SourceName);
        }
        if (ignored > 0) text.Append('.');
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
