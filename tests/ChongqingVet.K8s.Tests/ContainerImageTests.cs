using ChongqingVet.K8s.Tests.Manifests;

namespace ChongqingVet.K8s.Tests;

/// <summary>
/// The image's build context. What the image does (its user, entrypoint, environment, read-only /app, ports and probes)
/// is proven by running it: ChongqingVet.Reliability.Tests' ContainerImageTests.
/// </summary>
public class ContainerImageTests
{
    [Fact]
    public void DockerIgnore_BuildContext_LeavesOutBuildOutputTestsAndLocalData()
    {
        var patterns = File.ReadAllLines(Repository.PathOf(".dockerignore")).Select(l => l.Trim()).ToHashSet();

        Assert.Superset(new HashSet<string> { "**/bin/", "**/obj/", "**/node_modules/", ".git/", "tests/", "data/", "**/*.db" }, patterns);
        Assert.DoesNotContain(patterns, p => p is "protos/" or "services/" or "gateway/" or "Directory.Packages.props");
    }
}
