using ChongqingVet.Insights.Domain;

namespace ChongqingVet.Insights.Grpc;

/// <summary>
/// <c>Insights:MinimumCellSize</c> (environment <c>Insights__MinimumCellSize</c>): the k of small-group privacy
/// (<see cref="Disclosure"/>), default 5. A whole number from 1 (1: nothing is withheld) to 1000; anything else stops the
/// service at start.
/// </summary>
public sealed record DisclosureOptions(int MinimumCellSize)
{
    public static DisclosureOptions From(IConfiguration configuration)
    {
        var text = configuration["Insights:MinimumCellSize"];
        if (string.IsNullOrWhiteSpace(text)) return new DisclosureOptions(Disclosure.DefaultMinimumCellSize);
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var k) || k is < 1 or > 1000)
            throw new InvalidOperationException($"Insights:MinimumCellSize must be a whole number from 1 to 1000; it is \"{text}\".");
        return new DisclosureOptions(k);
    }
}
