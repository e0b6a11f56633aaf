namespace ChongqingVet.AppHost;

/// <summary>
/// The local suite: which processes run, on which ports, with which settings. The AppHost starts exactly this,
/// and the smoke test starts the same processes with the same settings (it compiles this file too).
/// </summary>
public static class SuiteLayout
{
    /// <summary>One process of the suite. <paramref name="Project"/> is relative to the repository root.</summary>
    public sealed record Member(string Name, string Project, string Assembly, int GrpcPort, int HttpPort, bool HasDatabase);

    public static IReadOnlyList<Member> Services { get; } =
    [
        new("certificates", "services/ChongqingVet.Certificates", "ChongqingVet.Certificates", 5011, 5012, true),
        new("competitions", "services/ChongqingVet.Competitions", "ChongqingVet.Competitions", 5021, 5022, true),
        new("courses", "services/ChongqingVet.Courses", "ChongqingVet.Courses", 5031, 5032, true),
        new("jobpostings", "services/ChongqingVet.JobPostings", "ChongqingVet.JobPostings", 5041, 5042, true),
    ];

    public static Member Gateway { get; } = new("gateway", "gateway/ChongqingVet.Gateway", "ChongqingVet.Gateway", 5000, 5080, false);

    /// <summary>
    /// The insights service (read model over the four change feeds, its own database). Started by the AppHost after the
    /// four services; a Kubernetes deployable like them (k8s/base/insights).
    /// </summary>
    public static Member Insights { get; } = new("insights", "services/ChongqingVet.Insights", "ChongqingVet.Insights", 5051, 5052, true);

    /// <summary>The insights service's configuration key for each change feed's address.</summary>
    private static readonly Dictionary<string, string> FeedKeys = new()
    {
        ["certificates"] = "Feeds__Certificates__Address",
        ["competitions"] = "Feeds__Competitions__Address",
        ["courses"] = "Feeds__Courses__Address",
        ["jobpostings"] = "Feeds__JobPostings__Address",
    };

    /// <summary>Every deployable (the Kubernetes Deployments of k8s/): the four services, the insights service and the gateway.</summary>
    public static IEnumerable<Member> All => Services.Append(Insights).Append(Gateway);

    /// <summary>The development identity provider (OpenIddict): the authority every member trusts. HTTP only, no gRPC.</summary>
    public static Member Identity { get; } = new("identity", "tools/ChongqingVet.Identity", "ChongqingVet.Identity", 0, 5090, false);

    public static string Authority(int portOffset = 0) => $"http://127.0.0.1:{Identity.HttpPort + portOffset}/";

    /// <summary>Environment of the identity provider; run it with its project folder as content root (its settings live there).</summary>
    public static Dictionary<string, string> IdentityEnvironment(string dataDirectory, int portOffset = 0) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{Identity.HttpPort + portOffset}",
        ["Identity__Issuer"] = Authority(portOffset),
        ["Identity__SigningKeyPath"] = Path.Combine(dataDirectory, "identity-signing-key.json"),
    };

    /// <summary>The gateway's configuration key for each backend's address.</summary>
    private static readonly Dictionary<string, string> GatewayKeys = new()
    {
        ["certificates"] = "Services__Certificates__Address",
        ["competitions"] = "Services__Competitions__Address",
        ["courses"] = "Services__Courses__Address",
        ["jobpostings"] = "Services__JobPostings__Address",
    };

    /// <summary>
    /// The gen0 budget every server process runs with (DOTNET_GCgen0size, hexadecimal bytes; the same as deploy/docker/Dockerfile):
    /// 16 MiB instead of workstation GC's ~6 MiB cap, so the objects of calls waiting on other processes die in gen0
    /// (docs/PERFORMANCE.md, "Garbage collection").
    /// </summary>
    public const string GcGen0Size = "0x1000000";

    /// <summary>
    /// The number of glibc malloc arenas every server process may use (MALLOC_ARENA_MAX; the same as deploy/docker/Dockerfile):
    /// 4 instead of glibc's 8 per core, so native memory (SQLite's caches, the runtime's own) stops spreading over a new
    /// arena per busy thread (docs/PERFORMANCE.md, "Native memory").
    /// </summary>
    public const string MallocArenaMax = "4";

    /// <summary>
    /// How many arrays of each size the shared ArrayPool keeps per core (DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION,
    /// decimal; the same as deploy/docker/Dockerfile): 256 instead of 32, so the buffers of the gateway's HTTP/2 calls in
    /// flight are reused instead of becoming garbage that survives to gen 2 (docs/PERFORMANCE.md, "Shared buffers kept").
    /// </summary>
    public const string SharedArrayPoolArraysPerCore = "256";

    /// <summary>Environment for one member. <paramref name="dataDirectory"/> holds the SQLite files; <paramref name="portOffset"/>
    /// moves every port (the smoke test uses it so it never collides with a running suite).</summary>
    public static Dictionary<string, string> Environment(Member member, string dataDirectory, int portOffset = 0)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{member.GrpcPort + portOffset}",
            ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{member.HttpPort + portOffset}",
            ["Auth__Authority"] = Authority(portOffset),
            ["Auth__RequireHttpsMetadata"] = "false",
        };
        // The container image's runtime settings (deploy/docker/Dockerfile), so local runs and measurements match it.
        environment["DOTNET_GCgen0size"] = GcGen0Size;
        environment["MALLOC_ARENA_MAX"] = MallocArenaMax;
        environment["DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION"] = SharedArrayPoolArraysPerCore;
        // On this machine only: missing secret keys (page tokens, idempotency, audit, holder identity, credential
        // signing) are replaced by development keys. Only Development (or Testing) honours this; every other environment
        // needs real keys.
        environment["DevelopmentKeys__Allow"] = "true";
        if (member.HasDatabase)
        {
            environment["Database__Provider"] = "Sqlite";
            environment["ConnectionStrings__Database"] = $"Data Source={Path.Combine(dataDirectory, member.Name + ".db")}";
            environment["Database__MigrateOnStartup"] = "true";
            environment["SampleData__Enabled"] = "true";
        }
        if (member == Insights)
        {
            // The insights service follows the four feeds with the development gov-system client (changes.read; also
            // catalog.read, certificates.read and profiles.read for a re-sync's List calls). A build without the
            // change-feed client ignores the addresses and seeds its own sample data instead.
            foreach (var service in Services)
                environment[FeedKeys[service.Name]] = $"http://127.0.0.1:{service.GrpcPort + portOffset}";
            environment["Feeds__ClientId"] = "gov-system";
            environment["Feeds__ClientSecret"] = "gov-system-dev-secret";
        }
        else
        {
            foreach (var service in Services)
                environment[GatewayKeys[service.Name]] = $"http://127.0.0.1:{service.GrpcPort + portOffset}";
            // Insights calls pass through the gateway (REST /v1/insights/…); an insights service that is not running only
            // makes those calls UNAVAILABLE.
            environment["Services__Insights__Address"] = $"http://127.0.0.1:{Insights.GrpcPort + portOffset}";
        }
        return environment;
    }
}
