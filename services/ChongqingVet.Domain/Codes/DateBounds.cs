namespace ChongqingVet.Domain.Codes;

/// <summary>
/// Sensible bounds of the calendar dates the services record (issue, grade, competition, placement dates): not
/// before 1949-10-01 — the founding of the People's Republic, before any certificate, competition or placement of
/// this system's national framework existed, and early enough for every legacy record a school migrates — and, where a
/// date records something that happened, not after today (China Standard Time, from the injected TimeProvider).
/// Years (a competition's year) lie between 1949 and next year (competitions are announced a year ahead).
/// </summary>
public static class DateBounds
{
    public static readonly DateOnly Earliest = new(1949, 10, 1);

    public const int EarliestYear = 1949;

    /// <summary>The latest acceptable year: next year.</summary>
    public static int LatestYear(DateOnly today) => today.Year + 1;

    public static bool IsYear(int year, DateOnly today) => year >= EarliestYear && year <= LatestYear(today);
}
