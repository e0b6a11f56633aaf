namespace ChongqingVet.K8s.Tests.Manifests;

/// <summary>Collects every policy violation of a check, so one failing test lists them all.</summary>
public sealed class Policy(string target)
{
    private readonly List<string> _violations = [];

    public void Require(bool condition, string subject, string rule)
    {
        if (!condition) _violations.Add($"{subject}: {rule}");
    }

    public void AssertNone()
    {
        if (_violations.Count > 0)
        {
            Assert.Fail($"k8s/overlays/{target}: {_violations.Count} violation(s)\n  " + string.Join("\n  ", _violations));
        }
    }
}
