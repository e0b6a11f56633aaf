using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.Common.V1;

/// <summary>Conversions between the contracts' time types and the storage conventions (unix ms, DateOnly).</summary>
public static class ProtoConversions
{
    public static Google.Type.Date ToProtoDate(this DateOnly date) => new() { Year = date.Year, Month = date.Month, Day = date.Day };

    public static Google.Type.Date? ToProtoDate(this DateOnly? date) => date?.ToProtoDate();

    /// <summary>Null when the date is unset or not a real calendar date.</summary>
    public static DateOnly? ToDateOnly(this Google.Type.Date? date)
    {
        if (date is null || date.Year is < 1 or > 9999 || date.Month is < 1 or > 12 || date.Day < 1) return null;
        return date.Day <= DateTime.DaysInMonth(date.Year, date.Month) ? new DateOnly(date.Year, date.Month, date.Day) : null;
    }

    public static Timestamp ToTimestamp(long unixMilliseconds) => Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds));

    public static Timestamp? ToTimestamp(long? unixMilliseconds) => unixMilliseconds is { } ms ? ToTimestamp(ms) : null;

    public static long ToUnixMilliseconds(this Timestamp timestamp) => timestamp.ToDateTimeOffset().ToUnixTimeMilliseconds();

    /// <summary>Stored date text ('YYYY-MM-DD') to a proto date; null stays null.</summary>
    public static Google.Type.Date? ParseStoredDate(string? text) =>
        string.IsNullOrEmpty(text) ? null : DateOnly.ParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).ToProtoDate();

    public static string ToStoredDate(this DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
