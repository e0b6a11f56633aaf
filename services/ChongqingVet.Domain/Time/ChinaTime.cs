namespace ChongqingVet.Domain.Time;

/// <summary>Calendar dates are China Standard Time (UTC+8, no daylight saving): "today" for issue dates, expiry, terms.</summary>
public static class ChinaTime
{
    private static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(Offset).DateTime);

    /// <summary>The instant the calendar date begins in China (00:00 UTC+8).</summary>
    public static DateTimeOffset StartOfDay(DateOnly date) => new(date.ToDateTime(TimeOnly.MinValue), Offset);

    /// <summary>The instant a stored date (yyyy-MM-dd) begins in China.</summary>
    public static DateTimeOffset StartOfDay(string storedDate) =>
        StartOfDay(DateOnly.ParseExact(storedDate, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
}
