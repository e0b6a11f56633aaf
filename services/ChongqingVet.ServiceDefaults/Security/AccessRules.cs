using Google.Protobuf.Reflection;

namespace ChongqingVet.ServiceDefaults.Security;

/// <summary>
/// What one gRPC method requires: a scope (<see cref="Scope"/>), optionally also open to a learner acting for
/// themself (<see cref="LearnerSelf"/>: the request's <c>learner_id</c> must be the token's subject), or nothing
/// (<see cref="Public"/>, rate-limited per client address).
/// </summary>
public sealed record AccessRule(string? Scope, bool LearnerSelf, bool Public)
{
    /// <summary>A write: audited inside its own transaction.</summary>
    public bool IsWrite => Scope is not null && ChongqingVet.Domain.Security.Scope.IsWrite(Scope);

    /// <summary>A read of personal data: audited. Every learner-scoped read is one; others say so.</summary>
    public bool PersonalData { get; init; } = LearnerSelf;

    public static AccessRule Requires(string scope) => new(scope, false, false);

    /// <summary>The scope, or a learner token (<c>learner.self</c>) whose subject is the request's learner_id.</summary>
    public static AccessRule RequiresOrSelf(string scope) => new(scope, true, false);

    public static AccessRule Anonymous { get; } = new(null, false, true);
}

/// <summary>
/// The method → rule table of one process, filled by each service module from its protobuf service descriptor.
/// A method of a registered service without a rule fails start-up, so no method is ever left open by omission;
/// any other <c>chongqingvet.*</c> method is refused.
/// </summary>
public sealed class AccessTable
{
    private readonly Dictionary<string, AccessRule> _rules = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, AccessRule> Rules => _rules;

    public AccessTable Add(ServiceDescriptor service, IReadOnlyDictionary<string, AccessRule> rules)
    {
        var missing = service.Methods.Select(m => m.Name).Where(name => !rules.ContainsKey(name)).ToList();
        var unknown = rules.Keys.Where(name => service.FindMethodByName(name) is null).ToList();
        if (missing.Count > 0 || unknown.Count > 0)
            throw new InvalidOperationException(
                $"Access rules of {service.FullName} do not match its methods (missing: {string.Join(", ", missing)}; unknown: {string.Join(", ", unknown)}).");
        foreach (var (name, rule) in rules) _rules[$"/{service.FullName}/{name}"] = rule;
        return this;
    }

    public static AccessTable Merge(IEnumerable<AccessRuleSet> sets)
    {
        var merged = new AccessTable();
        foreach (var set in sets)
            foreach (var (method, rule) in set.Table._rules) merged._rules[method] = rule;
        return merged;
    }

    /// <summary>The rule for a gRPC method path (<c>/package.Service/Method</c>), or null when none is registered.</summary>
    public AccessRule? Find(string method) => _rules.GetValueOrDefault(method);
}
