namespace ChongqingVet.Domain.Time;

/// <summary>Calendar dates are China Standard Time (UTC+8, no daylight saving): "today" for issue dates, expiry, terms.</summary>
public static class ChinaTime
{
    private static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(Offset).DateTime);
}
