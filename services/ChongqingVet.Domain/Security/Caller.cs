namespace ChongqingVet.Domain.Security;

/// <summary>
/// Who is asking, as the use cases see it (no gRPC or ASP.NET types): the OAuth client, the subject the token speaks
/// for, the granted scopes, the role and, for institutions, the organisation's unified social credit code.
/// A call that came through the gateway carries the original caller, not the gateway.
/// </summary>
public sealed record Caller(string ClientId, string Subject, IReadOnlySet<string> Scopes, string Role, string? Organisation)
{
    /// <summary>An unauthenticated caller of a public method (e.g. certificate verification).</summary>
    public static Caller Anonymous { get; } = new("anonymous", "anonymous", new HashSet<string>(), Roles.Anonymous, null);

    public bool IsAuthenticated => Role != Roles.Anonymous;

    public bool Has(string scope) => Scopes.Contains(scope);

    /// <summary>The caller acts for the organisation with this unified social credit code (its <c>org</c> claim).</summary>
    public bool BelongsTo(string creditCode) =>
        creditCode.Length > 0 && Organisation is { Length: > 0 } organisation
        && string.Equals(organisation, creditCode, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// May act on a resource an organisation owns (a competition it organises, a course it teaches): the owning
    /// organisation; a resource recorded without an owner (before owners were recorded) only the catalogue
    /// administrator (<c>catalog.write</c>).
    /// </summary>
    public bool MayActForOwner(string ownerCreditCode) =>
        ownerCreditCode.Length == 0 ? Has(Scope.CatalogWrite) : BelongsTo(ownerCreditCode);

    /// <summary>A learner acting for themself: their token's subject is their learner id.</summary>
    public bool IsLearner(string learnerId) => Role == Roles.Learner && Has(Scope.LearnerSelf) && Subject == learnerId;
}

/// <summary>The roles of the security model. Security administration and audit are separate roles (三权分立).</summary>
public static class Roles
{
    public const string Learner = "learner";
    public const string Institution = "institution";
    public const string Government = "government";
    public const string Auditor = "auditor";
    public const string Administrator = "administrator";
    public const string Gateway = "gateway";
    public const string Anonymous = "anonymous";
}

/// <summary>The OAuth scopes the services understand; docs/SECURITY.md has the method × scope table.</summary>
public static class Scope
{
    public const string CatalogRead = "catalog.read";
    public const string CatalogWrite = "catalog.write";
    public const string ProfilesRead = "profiles.read";
    /// <summary>Read the city's indicators (insights service): aggregates only, no personal data.</summary>
    public const string InsightsRead = "insights.read";
    public const string LearnerSelf = "learner.self";
    public const string CertificatesRead = "certificates.read";
    public const string CertificatesHolderRead = "certificates.holder.read";
    public const string CertificatesIssue = "certificates.issue";
    public const string CertificatesRevoke = "certificates.revoke";
    public const string ResultsWrite = "results.write";
    public const string EnrolmentsWrite = "enrolments.write";
    public const string JobsWrite = "jobs.write";
    public const string PlacementsWrite = "placements.write";
    public const string AuditRead = "audit.read";

    /// <summary>Follow a service's change feed (WatchChanges); the feed carries no names or ID numbers.</summary>
    public const string ChangesRead = "changes.read";

    /// <summary>Scopes that allow changing data (every call under them is an audited write).</summary>
    public static bool IsWrite(string scope) => scope is CatalogWrite or CertificatesIssue or CertificatesRevoke
        or ResultsWrite or EnrolmentsWrite or JobsWrite or PlacementsWrite;
}
