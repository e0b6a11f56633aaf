namespace ChongqingVet.Domain.Matching;

/// <summary>
/// How strongly one piece of skill evidence speaks for its skill (SkillEvidence.weight, 0–1), the one rule all four
/// services use: an attested, awarded or supervisor-rated achievement (certificate, credited award, completed
/// placement) counts in full; a passed course counts by its grade (85 of 100 gives 0.85).
/// </summary>
public static class EvidenceWeights
{
    /// <summary>A certificate, a credited competition award or a rated placement.</summary>
    public const double Attested = 1.0;

    /// <summary>A passed course, by its grade of 0–100 (clamped to 0–1; no grade gives 0).</summary>
    public static double FromGrade(double? score) => Math.Clamp((score ?? 0) / 100.0, 0, 1);
}
