namespace ChongqingVet.Insights.Feeds;

/// <summary>
/// Where the four change feeds are: <c>Feeds:Certificates:Address</c>, <c>Feeds:Competitions:Address</c>,
/// <c>Feeds:Courses:Address</c>, <c>Feeds:JobPostings:Address</c> (gRPC, h2c or TLS), and the client credentials the
/// insights service uses for them (<c>Feeds:ClientId</c>, <c>Feeds:ClientSecret</c>: a client with changes.read; the
/// secret only from the environment). A source without an address is not followed.
/// </summary>
public sealed record FeedOptions(IReadOnlyDictionary<string, Uri> Addresses, string? ClientId, string? ClientSecret, string? TokenEndpoint)
{
    public static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>
    {
        ["certificates"] = "Feeds:Certificates:Address",
        ["competitions"] = "Feeds:Competitions:Address",
        ["courses"] = "Feeds:Courses:Address",
        ["jobpostings"] = "Feeds:JobPostings:Address",
    };

    public bool Any => Addresses.Count > 0;

    public static FeedOptions From(IConfiguration configuration)
    {
        var addresses = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var (source, key) in Keys)
        {
            var text = configuration[key];
            if (string.IsNullOrWhiteSpace(text)) continue;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
                throw new InvalidOperationException($"{key} (environment {key.Replace(":", "__", StringComparison.Ordinal)}) must be an absolute http(s) address.");
            addresses[source] = address;
        }
        return new FeedOptions(addresses, configuration["Feeds:ClientId"], configuration["Feeds:ClientSecret"], configuration["Feeds:TokenEndpoint"]);
    }
}
