using ChongqingVet.Domain.Codes;

namespace ChongqingVet.Insights.Domain;

/// <summary>How a supply-and-demand report is grouped (chongqingvet.insights.v1.Dimension).</summary>
public enum GroupBy
{
    City = 0,
    District = 1,
    Cluster = 2,
    Occupation = 3,
    Major = 4,
}

/// <summary>Supply against demand of one skill in one group. <paramref name="SupplySuppressed"/>: the supply is withheld
/// (<see cref="Disclosure"/>); it is 0 then, and so is the gap index.</summary>
public sealed record SkillGap(string Key, string SkillCode, long Supply, double Demand, long OpenPostings, bool SupplySuppressed = false)
{
    /// <summary>(demand − supply) / max(demand, 1); 0 when the supply is withheld.</summary>
    public double GapIndex => SupplySuppressed ? 0 : (Demand - Supply) / Math.Max(Demand, 1);
}

/// <summary>The supply-and-demand report.</summary>
public sealed record SupplyDemandReport(string Definition, string Derivation, DataWindow Window, GroupBy Dimension, int MinLevel,
    IReadOnlyList<SkillGap> Gaps, IReadOnlyList<SkillGap> TopShortages);

/// <summary>A count of one group; a <paramref name="Suppressed"/> count is withheld (0, meaningless).</summary>
public sealed record CountRow(string Key, long Count, bool Suppressed = false);

/// <summary>Certificate and competition outcomes.</summary>
public sealed record AchievementOutcomes(string Definition, DataWindow Window, IReadOnlyList<CountRow> CertificatesByTypeLevelYear,
    long CertificatesIssued, long CertificatesRevoked, IReadOnlyList<CountRow> AwardsByTier, Indicator CertificateUptake, Indicator AwardUptake,
    bool CertificatesIssuedSuppressed = false, bool CertificatesRevokedSuppressed = false);

/// <summary>
/// The city's indicators, each a pure function of the read model and a window (docs/INSIGHTS.md has every definition).
/// One home per indicator; the derivations they share are in <see cref="Derivations"/>.
/// </summary>
public static class Indicators
{
    public const string SupplyDemandDefinition =
        "Supply: distinct learners of the group holding the skill at or above the level, from records dated in the window. " +
        "Demand: Σ headcount × requirement weight over the postings of the group that are open and were created in the window and " +
        "require the skill at a minimum level at or above the level. Gap index = (demand − supply) / max(demand, 1); positive is a shortage. " +
        "Top shortages: rows with demand, highest gap index first, then highest demand.";

    public const string SupplyDemandDerivation =
        "District: a learner's district is the district of the employer of their latest placement; a posting's is its own. " +
        "Cluster and occupation: the skill catalog's cluster and occupations of the skill, on both sides. " +
        "Major: a learner's major is the major their enrolments' courses belong to most often (tie: lowest code); demand is " +
        "city-wide demand for the skill, counted under every major whose courses teach it. Learners without a derived district or major " +
        "are counted under the empty key.";

    public const string ProgrammeMatchDefinition =
        "Programme–industry match (专业与产业匹配度): programme points (a school offering a major: distinct owner organisation and major " +
        "code of the courses created in the window) whose major targets at least one key 33618 cluster / all programme points.";

    public const string ProgrammeMatchDerivation =
        "A major targets the clusters that the skill catalog gives the skills its courses teach (course skill outcomes). Courses without " +
        "a recorded owner count as one programme point per major under the empty owner.";

    public const string RelevanceDefinition =
        "Employment relevance (专业相关度): placements starting in the window whose posting's occupation or 33618 cluster is one the " +
        "learner's major targets / placements starting in the window of learners with a derived major. By major (key: major code) and " +
        "by major and school year (key: major code/school year, the year starting on 1 September).";

    public const string RelevanceDerivation =
        "A learner's major: the major their enrolments' courses belong to most often (tie: lowest code); learners without enrolments are " +
        "left out. A major targets the clusters and occupations that the skill catalog gives the skills its courses teach. A placement's " +
        "occupation and cluster are its posting's; a placement without a known posting is not relevant.";

    public const string RetentionDefinition =
        "Local retention (留渝就业率): placements starting in the window located in a Chongqing district (GB/T 2260 5001xx/5002xx) or " +
        "functional zone / placements starting in the window. By the learner's major (empty key: no derived major).";

    public const string RetentionDerivation =
        "A placement is located at its employer's district, else its posting's; a placement with neither counts as not local. A learner's " +
        "major: the major their enrolments' courses belong to most often (tie: lowest code).";

    public const string OutcomesDefinition =
        "Certificates issued (issue date in the window) per type code, level and issue year; of those, how many are revoked now. Awards: " +
        "competition results recorded in the window with an award grade other than participation, per competition tier (one per result, " +
        "team results once). 书证融通 uptake: learners of a major holding at least one unrevoked certificate issued in the window / learners " +
        "of the major. 赛教融合 uptake: learners of a major in at least one awarded result recorded in the window / learners of the major.";

    public const string UptakeDerivation =
        "A learner's major: the major their enrolments' courses belong to most often (tie: lowest code); learners of a major are the " +
        "learners whose derived major it is (learners without enrolments are left out).";

    /// <summary>
    /// Skill supply against demand, grouped, with the gap index and the top shortages. Supply counts below
    /// <paramref name="minimumCellSize"/> are withheld, over every group before <paramref name="key"/> filters one
    /// (<see cref="Disclosure.SuppressSupply"/>); withheld rows are left out of the top shortages.
    /// </summary>
    public static SupplyDemandReport SkillSupplyDemand(Derivations derived, DataWindow window, GroupBy groupBy, int minLevel, string key, int top,
        int minimumCellSize = 1)
    {
        minLevel = Math.Clamp(minLevel, 1, 5);
        var supply = new Dictionary<(string Key, string Skill), HashSet<string>>();
        foreach (var (learner, skills) in derived.SkillsHeld(window))
            foreach (var (skill, level) in skills)
            {
                if (level < minLevel) continue;
                foreach (var group in SupplyGroups(derived, groupBy, learner, skill))
                {
                    if (!supply.TryGetValue((group, skill), out var learners)) supply[(group, skill)] = learners = new HashSet<string>(StringComparer.Ordinal);
                    learners.Add(learner);
                }
            }

        var demand = new Dictionary<(string Key, string Skill), (double Weighted, HashSet<string> Postings)>();
        foreach (var posting in derived.Model.Postings)
        {
            if (!posting.Open || !window.Contains(posting.CreateDate)) continue;
            foreach (var requirement in posting.Requirements)
            {
                if (requirement.MinLevel < minLevel) continue;
                foreach (var group in DemandGroups(derived, groupBy, posting, requirement.SkillCode))
                {
                    var cell = demand.GetValueOrDefault((group, requirement.SkillCode), (0, new HashSet<string>(StringComparer.Ordinal)));
                    cell.Postings.Add(posting.Id);
                    demand[(group, requirement.SkillCode)] = (cell.Weighted + posting.Headcount * requirement.Weight, cell.Postings);
                }
            }
        }

        var all = supply.Keys.Union(demand.Keys)
            .Select(cell => new SkillGap(cell.Key, cell.Skill,
                supply.TryGetValue(cell, out var learners) ? learners.Count : 0,
                demand.TryGetValue(cell, out var d) ? Math.Round(d.Weighted, 6) : 0,
                demand.TryGetValue(cell, out var p) ? p.Postings.Count : 0))
            .OrderBy(g => g.Key, StringComparer.Ordinal).ThenBy(g => g.SkillCode, StringComparer.Ordinal)
            .ToList();
        // A learner falls in exactly one district and one major group (the empty key included), so per skill those groups
        // add up to the city's supply: their withheld cells need complementary suppression. A cluster or occupation row
        // repeats the city's count of its skill.
        var gaps = Disclosure.SuppressSupply(all, minimumCellSize, partitioned: groupBy is GroupBy.District or GroupBy.Major)
            .Where(g => key.Length == 0 || g.Key == key)
            .ToList();
        var shortages = gaps.Where(g => g.Demand > 0 && !g.SupplySuppressed)
            .OrderByDescending(g => g.GapIndex).ThenByDescending(g => g.Demand)
            .ThenBy(g => g.Key, StringComparer.Ordinal).ThenBy(g => g.SkillCode, StringComparer.Ordinal)
            .Take(Math.Clamp(top, 0, 100))
            .ToList();
        return new SupplyDemandReport(SupplyDemandDefinition, SupplyDemandDerivation, window, groupBy, minLevel, gaps, shortages);
    }

    private static IEnumerable<string> SupplyGroups(Derivations derived, GroupBy groupBy, string learner, string skill) => groupBy switch
    {
        GroupBy.District => [derived.DistrictOf(learner)],
        GroupBy.Cluster => [derived.Skill(skill)?.Cluster ?? string.Empty],
        GroupBy.Occupation => derived.Skill(skill)?.Occupations ?? [],
        GroupBy.Major => [derived.MajorOf(learner)],
        _ => [string.Empty],
    };

    private static IEnumerable<string> DemandGroups(Derivations derived, GroupBy groupBy, PostingInfo posting, string skill) => groupBy switch
    {
        GroupBy.District => [posting.DistrictCode],
        GroupBy.Cluster => [derived.Skill(skill)?.Cluster ?? string.Empty],
        GroupBy.Occupation => derived.Skill(skill)?.Occupations ?? [],
        GroupBy.Major => derived.MajorsTeaching(skill),
        _ => [string.Empty],
    };

    /// <summary>Programme–industry match: programme points whose major targets a key 33618 cluster.</summary>
    public static Indicator ProgrammeIndustryMatch(Derivations derived, DataWindow window)
    {
        var points = derived.Model.Courses
            .Where(c => window.Contains(c.CreateDate))
            .SelectMany(c => c.MajorCodes.Select(m => (School: c.OwnerCreditCode, Major: m)))
            .Distinct()
            .ToList();
        bool Matches(string major) => derived.ClustersOf(major).Any(KeyClusters.Contains);
        var figures = points.GroupBy(p => p.Major, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Figure(g.Key, MajorLabel(derived, g.Key), g.Count(p => Matches(p.Major)), g.Count()))
            .ToList();
        var total = new Figure(string.Empty, "重庆市", points.Count(p => Matches(p.Major)), points.Count);
        return new Indicator(ProgrammeMatchDefinition, ProgrammeMatchDerivation, window, total, figures);
    }

    /// <summary>Employment relevance: a major's placements whose occupation or cluster the major targets; by major and school year.</summary>
    public static Indicator EmploymentRelevance(Derivations derived, DataWindow window)
    {
        var placements = derived.Model.Placements
            .Where(p => window.Contains(p.StartDate))
            .Select(p => (Placement: p, Major: derived.MajorOf(p.LearnerId)))
            .Where(x => x.Major.Length > 0)
            .Select(x => (x.Major, Year: Derivations.SchoolYear(x.Placement.StartDate), Relevant: IsRelevant(derived, x.Placement, x.Major)))
            .ToList();
        var byMajor = placements.GroupBy(p => p.Major, StringComparer.Ordinal)
            .Select(g => new Figure(g.Key, MajorLabel(derived, g.Key), g.Count(p => p.Relevant), g.Count()));
        var byMajorYear = placements.GroupBy(p => p.Major + "/" + p.Year, StringComparer.Ordinal)
            .Select(g => new Figure(g.Key, MajorLabel(derived, g.First().Major) + " " + g.First().Year, g.Count(p => p.Relevant), g.Count()));
        var figures = byMajor.Concat(byMajorYear).OrderBy(f => f.Key, StringComparer.Ordinal).ToList();
        var total = new Figure(string.Empty, "重庆市", placements.Count(p => p.Relevant), placements.Count);
        return new Indicator(RelevanceDefinition, RelevanceDerivation, window, total, figures);
    }

    private static bool IsRelevant(Derivations derived, PlacementInfo placement, string major)
    {
        if (derived.Posting(placement.PostingId) is not { } posting) return false;
        return derived.OccupationsOf(major).Contains(posting.OccupationCode) || derived.ClustersOf(major).Contains(posting.Cluster);
    }

    /// <summary>Local retention: placements located in a Chongqing district or functional zone; by the learner's major.</summary>
    public static Indicator LocalRetention(Derivations derived, DataWindow window)
    {
        var placements = derived.Model.Placements
            .Where(p => window.Contains(p.StartDate))
            .Select(p => (Major: derived.MajorOf(p.LearnerId), Local: Derivations.IsChongqing(derived.PlacementDistrict(p))))
            .ToList();
        var figures = placements.GroupBy(p => p.Major, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Figure(g.Key, g.Key.Length == 0 ? "专业未知" : MajorLabel(derived, g.Key), g.Count(p => p.Local), g.Count()))
            .ToList();
        var total = new Figure(string.Empty, "重庆市", placements.Count(p => p.Local), placements.Count);
        return new Indicator(RetentionDefinition, RetentionDerivation, window, total, figures);
    }

    /// <summary>Certificate and competition outcomes, with 书证融通 and 赛教融合 uptake per major.</summary>
    public static AchievementOutcomes Outcomes(Derivations derived, DataWindow window)
    {
        var model = derived.Model;
        var certificates = model.Certificates.Where(c => window.Contains(c.IssueDate)).ToList();
        var byTypeLevelYear = certificates
            .GroupBy(c => $"{c.TypeCode}/{c.Level}/{c.IssueDate.Year}", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CountRow(g.Key, g.Count()))
            .ToList();
        var tiers = model.Competitions.ToDictionary(c => c.Id, c => c.Tier, StringComparer.Ordinal);
        var awards = model.Results.Where(r => r.IsAward && window.Contains(r.RecordDate)).ToList();
        var byTier = awards
            .GroupBy(r => tiers.GetValueOrDefault(r.CompetitionId, "COMPETITION_TIER_UNSPECIFIED"), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CountRow(g.Key, g.Count()))
            .ToList();

        var certified = certificates.Where(c => !c.Revoked).Select(c => c.LearnerId).ToHashSet(StringComparer.Ordinal);
        var awarded = awards.SelectMany(r => r.LearnerIds).ToHashSet(StringComparer.Ordinal);
        var learners = derived.Learners().Select(l => (Learner: l, Major: derived.MajorOf(l))).Where(x => x.Major.Length > 0).ToList();
        Indicator Uptake(string definition, HashSet<string> holders) => new(definition, UptakeDerivation, window,
            new Figure(string.Empty, "重庆市", learners.Count(x => holders.Contains(x.Learner)), learners.Count),
            learners.GroupBy(x => x.Major, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new Figure(g.Key, MajorLabel(derived, g.Key), g.Count(x => holders.Contains(x.Learner)), g.Count()))
                .ToList());

        return new AchievementOutcomes(OutcomesDefinition, window, byTypeLevelYear, certificates.Count, certificates.Count(c => c.Revoked), byTier,
            Uptake("书证融通 uptake: learners of the major holding at least one unrevoked certificate issued in the window / learners of the major.", certified),
            Uptake("赛教融合 uptake: learners of the major in at least one awarded result recorded in the window / learners of the major.", awarded));
    }

    private static string MajorLabel(Derivations derived, string code) =>
        derived.Model.Majors.FirstOrDefault(m => m.Code == code)?.Name ?? code;

    /// <summary>A readable name for a group key of a report: the district's or major's name when known.</summary>
    public static string Label(Derivations derived, GroupBy groupBy, string key) => groupBy switch
    {
        GroupBy.District => ChongqingDistricts.Find(key)?.Name ?? (AreaCodes.ProvinceOutsideChongqing(key) is { } province ? $"{province} {key}" : key),
        GroupBy.Major => MajorLabel(derived, key),
        _ => key,
    };
}

/// <summary>
/// The city's key clusters of the "33618" system named in its reporting (DOMAIN.md §6): 3 trillion-yuan, 3
/// five-hundred-billion and 6 hundred-billion clusters. The 18 emerging clusters are not listed (unverified).
/// Reference data: a new edition changes this list.
/// </summary>
public static class KeyClusters
{
    public static IReadOnlySet<string> Names { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "智能网联新能源汽车", "新一代电子信息制造业", "先进材料",
        "智能装备及智能制造", "食品及农产品加工", "软件信息服务",
        "新型显示", "高端摩托车", "轻合金材料", "轻纺", "生物医药", "新能源及新型储能",
    };

    public static bool Contains(string cluster) => Names.Contains(cluster);
}
