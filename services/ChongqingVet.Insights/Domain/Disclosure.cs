namespace ChongqingVet.Insights.Domain;

/// <summary>
/// Small-group privacy (docs/INSIGHTS.md, "Small groups"): a figure about fewer than k individuals — the learners or
/// placements behind a share (its denominator), the learners behind a supply count, the certificates or awards behind a
/// count — is withheld, with k = <c>Insights:MinimumCellSize</c> (default <see cref="DefaultMinimumCellSize"/>).
/// <para>
/// <b>Primary suppression</b>: a group of 1 … k − 1 is withheld (an empty group, 0, is shown: it describes nobody).
/// <b>Complementary suppression</b>: wherever the groups of a breakdown add up to a published figure (the city total of
/// an indicator, a major over its school years, the city's supply of a skill over districts or majors, the certificates
/// issued over type·level·year), the withheld groups of that breakdown must together hold at least k individuals; while
/// they do not, the smallest shown group (fewest individuals, then first by key) is withheld too. So the published total
/// minus the shown groups always covers k or more individuals. A breakdown of a withheld figure is withheld whole.
/// </para>
/// Pure functions of the computed figures; nothing here reads the model.
/// </summary>
public static class Disclosure
{
    public const int DefaultMinimumCellSize = 5;

    /// <summary>Whether a group of <paramref name="individuals"/> is too small to show on its own.</summary>
    public static bool TooSmall(double individuals, int k) => individuals > 0 && individuals < k;

    /// <summary>
    /// Which members of one breakdown to withhold: those too small, then complements until the withheld ones together
    /// hold at least <paramref name="k"/>; all when <paramref name="parentWithheld"/>.
    /// </summary>
    public static bool[] Breakdown(IReadOnlyList<double> sizes, int k, bool parentWithheld)
    {
        var withheld = sizes.Select(size => parentWithheld || TooSmall(size, k)).ToArray();
        if (parentWithheld) return withheld;
        while (withheld.Any(w => w) && sizes.Where((_, i) => withheld[i]).Sum() < k)
        {
            var next = Enumerable.Range(0, sizes.Count).Where(i => !withheld[i] && sizes[i] > 0)
                .OrderBy(i => sizes[i]).ThenBy(i => i).Select(i => (int?)i).FirstOrDefault();
            if (next is not { } index) break; // nothing left to withhold: the withheld ones are the whole breakdown
            withheld[index] = true;
        }
        return withheld;
    }

    /// <summary>The figure without its counts, marked withheld.</summary>
    public static Figure Withhold(Figure figure) => figure with { Numerator = 0, Denominator = 0, Suppressed = true };

    /// <summary>
    /// A share-type indicator with small groups withheld. The group size of a figure is its denominator. The figures
    /// whose key has no '/' break down the total; the figures keyed "parent/…" break down the figure keyed "parent".
    /// </summary>
    public static Indicator Protect(Indicator indicator, int k)
    {
        if (k <= 1) return indicator;
        var figures = indicator.Figures;
        var totalWithheld = TooSmall(indicator.Total.Denominator, k);
        var withheld = new bool[figures.Count];

        var top = Enumerable.Range(0, figures.Count).Where(i => !figures[i].Key.Contains('/')).ToList();
        var topWithheld = Breakdown(top.Select(i => figures[i].Denominator).ToList(), k, totalWithheld);
        for (var j = 0; j < top.Count; j++) withheld[top[j]] = topWithheld[j];

        foreach (var children in Enumerable.Range(0, figures.Count).Where(i => figures[i].Key.Contains('/'))
                     .GroupBy(i => figures[i].Key[..figures[i].Key.IndexOf('/')], StringComparer.Ordinal))
        {
            var parent = top.FirstOrDefault(i => figures[i].Key == children.Key, -1);
            // A breakdown without its parent figure is protected as if the parent were withheld.
            var members = children.ToList();
            var childWithheld = Breakdown(members.Select(i => figures[i].Denominator).ToList(), k, parent < 0 || withheld[parent]);
            for (var j = 0; j < members.Count; j++) withheld[members[j]] = childWithheld[j];
        }

        return indicator with
        {
            Total = totalWithheld ? Withhold(indicator.Total) : indicator.Total,
            Figures = figures.Select((f, i) => withheld[i] ? Withhold(f) : f).ToList(),
        };
    }

    /// <summary>
    /// Supply cells with small counts withheld. <paramref name="partitioned"/>: for each skill the groups add up to the
    /// city's supply of it (district, major), so complementary suppression applies per skill; otherwise each cell stands alone.
    /// </summary>
    public static IReadOnlyList<SkillGap> SuppressSupply(IReadOnlyList<SkillGap> gaps, int k, bool partitioned)
    {
        if (k <= 1) return gaps;
        var withheld = new bool[gaps.Count];
        if (partitioned)
        {
            foreach (var skill in Enumerable.Range(0, gaps.Count).GroupBy(i => gaps[i].SkillCode, StringComparer.Ordinal))
            {
                var members = skill.ToList();
                var sizes = members.Select(i => (double)gaps[i].Supply).ToList();
                var cells = Breakdown(sizes, k, TooSmall(sizes.Sum(), k));
                for (var j = 0; j < members.Count; j++) withheld[members[j]] = cells[j];
            }
        }
        else
        {
            for (var i = 0; i < gaps.Count; i++) withheld[i] = TooSmall(gaps[i].Supply, k);
        }
        return gaps.Select((g, i) => withheld[i] ? g with { Supply = 0, SupplySuppressed = true } : g).ToList();
    }

    /// <summary>
    /// Outcomes with small counts withheld: certificates per type·level·year break down the certificates issued; awards per
    /// tier stand alone (no total is published); the revoked count stands alone; the two uptake indicators as <see cref="Protect(Indicator, int)"/>.
    /// </summary>
    public static AchievementOutcomes Protect(AchievementOutcomes outcomes, int k)
    {
        if (k <= 1) return outcomes;
        var issuedWithheld = TooSmall(outcomes.CertificatesIssued, k);
        var rows = outcomes.CertificatesByTypeLevelYear;
        var rowWithheld = Breakdown(rows.Select(r => (double)r.Count).ToList(), k, issuedWithheld);
        var revokedWithheld = TooSmall(outcomes.CertificatesRevoked, k);
        return outcomes with
        {
            CertificatesByTypeLevelYear = rows.Select((r, i) => rowWithheld[i] ? r with { Count = 0, Suppressed = true } : r).ToList(),
            CertificatesIssued = issuedWithheld ? 0 : outcomes.CertificatesIssued,
            CertificatesIssuedSuppressed = issuedWithheld,
            CertificatesRevoked = revokedWithheld ? 0 : outcomes.CertificatesRevoked,
            CertificatesRevokedSuppressed = revokedWithheld,
            AwardsByTier = outcomes.AwardsByTier.Select(r => TooSmall(r.Count, k) ? r with { Count = 0, Suppressed = true } : r).ToList(),
            CertificateUptake = Protect(outcomes.CertificateUptake, k),
            AwardUptake = Protect(outcomes.AwardUptake, k),
        };
    }
}
