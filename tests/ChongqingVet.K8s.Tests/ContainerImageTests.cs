using ChongqingVet.K8s.Tests.Manifests;

namespace ChongqingVet.K8s.Tests;

/// <summary>The image build (deploy/docker/Dockerfile) agrees with what the manifests expect of it.</summary>
public class ContainerImageTests
{
    /// <summary>APP_UID of the mcr.microsoft.com/dotnet runtime images: the non-root "app" user.</summary>
    private const long DotnetAppUid = 1654;

    private static string[] DockerfileLines() =>
        File.ReadAllLines(Repository.PathOf("deploy/docker/Dockerfile")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

    private static string[] RuntimeStage()
    {
        var lines = DockerfileLines();
        return lines[Array.FindLastIndex(lines, l => l.StartsWith("FROM ", StringComparison.Ordinal))..];
    }

    [Fact]
    public void Dockerfile_BuildStage_PublishesWithTheSdkImage()
    {
        var lines = DockerfileLines();

        Assert.Equal(2, lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("FROM ", StringComparison.Ordinal) && l.Contains("mcr.microsoft.com/dotnet/sdk:10.0", StringComparison.Ordinal) && l.EndsWith(" AS build", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("dotnet publish \"$PROJECT\" -c Release", StringComparison.Ordinal));
    }

    [Fact]
    public void Dockerfile_RuntimeStage_RunsChiseledAsTheNonRootAppUser()
    {
        var stage = RuntimeStage();

        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled", stage[0], StringComparison.Ordinal);
        Assert.Contains("USER $APP_UID", stage);
        Assert.Contains("ENTRYPOINT [\"/app/server\"]", stage);
        Assert.DoesNotContain(stage, l => l.StartsWith("RUN ", StringComparison.Ordinal));
    }

    [Fact]
    public void Dockerfile_UserAndPorts_MatchTheServerPods()
    {
        var stage = RuntimeStage();
        var exposed = stage.Single(l => l.StartsWith("EXPOSE ", StringComparison.Ordinal))["EXPOSE ".Length..].Split(' ').Select(int.Parse).Order();
        var policy = new Policy(Rendered.Prod);
        foreach (var server in Rendered.Of(Rendered.Prod).Workloads.Where(w => w.Kind == "Deployment"))
        {
            policy.Require(server.Pod.SecurityContext?.RunAsUser == DotnetAppUid, server.Id, $"runAsUser {DotnetAppUid}, the image's APP_UID");
            policy.Require(server.Ports.Select(p => p.ContainerPort).Order().SequenceEqual(exposed), server.Id, "container ports are the image's EXPOSEd ports");
        }
        policy.AssertNone();
        Assert.Contains(stage, l => l.Contains("Kestrel__Endpoints__Grpc__Url=http://+:8080", StringComparison.Ordinal));
        Assert.Contains(stage, l => l.Contains("Kestrel__Endpoints__Http__Url=http://+:8081", StringComparison.Ordinal));
        Assert.Contains(stage, l => l.Contains("Kestrel__Endpoints__Management__Url=http://+:9090", StringComparison.Ordinal));
        Assert.Contains(stage, l => l.Contains("Management__Port=9090", StringComparison.Ordinal));
    }

    [Fact]
    public void DockerIgnore_BuildContext_LeavesOutBuildOutputTestsAndLocalData()
    {
        var patterns = File.ReadAllLines(Repository.PathOf(".dockerignore")).Select(l => l.Trim()).ToHashSet();

        Assert.Superset(new HashSet<string> { "**/bin/", "**/obj/", "**/node_modules/", ".git/", "tests/", "data/", "**/*.db" }, patterns);
        Assert.DoesNotContain(patterns, p => p is "protos/" or "services/" or "gateway/" or "Directory.Packages.props");
    }
}
