using k8s.Models;

namespace ChongqingVet.K8s.Tests.Manifests;

/// <summary>Kubernetes label-selector semantics, enough for the objects these manifests use.</summary>
public static class Selectors
{
    /// <summary>A Service selector: every pair present.</summary>
    public static bool Matches(IDictionary<string, string>? selector, IDictionary<string, string> labels) =>
        selector is { Count: > 0 } && selector.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);

    /// <summary>A LabelSelector: matchLabels and matchExpressions; an empty selector matches everything.</summary>
    public static bool Matches(V1LabelSelector selector, IDictionary<string, string> labels)
    {
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value) return false;
        }
        foreach (var expression in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(expression.Key, out var actual);
            var values = expression.Values ?? [];
            var ok = expression.OperatorProperty switch
            {
                "In" => has && values.Contains(actual!),
                "NotIn" => !has || !values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => throw new InvalidOperationException($"Unknown selector operator '{expression.OperatorProperty}'."),
            };
            if (!ok) return false;
        }
        return true;
    }

    public static bool IsEmpty(V1LabelSelector selector) =>
        (selector.MatchLabels is null || selector.MatchLabels.Count == 0)
        && (selector.MatchExpressions is null || selector.MatchExpressions.Count == 0);
}
