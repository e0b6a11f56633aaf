using ChongqingVet.K8s.Tests.Manifests;
using k8s.Models;

namespace ChongqingVet.K8s.Tests;

/// <summary>Namespace, labels, image pinning and replica counts per environment.</summary>
public class EnvironmentTests
{
    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void Namespace_EachTarget_EnforcesRestrictedPodSecurityAndHoldsEveryObject(string target)
    {
        var rendered = Rendered.Of(target);
        var ns = Assert.Single(rendered.Of<V1Namespace>());
        var policy = new Policy(target);
        policy.Require(ns.Metadata.Labels.Get("pod-security.kubernetes.io/enforce") == "restricted", $"Namespace/{ns.Metadata.Name}", "label pod-security.kubernetes.io/enforce: restricted");
        foreach (var item in rendered.Objects.Where(o => o is not V1Namespace))
        {
            policy.Require(item.Metadata.NamespaceProperty == ns.Metadata.Name, $"{item.Kind}/{item.Metadata.Name}", $"in namespace {ns.Metadata.Name}");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void Objects_EachTarget_AreLabelledPartOfTheSuite(string target)
    {
        var policy = new Policy(target);
        foreach (var item in Rendered.Of(target).Objects)
        {
            policy.Require(item.Metadata.Labels.Get("app.kubernetes.io/part-of") == "chongqingvet", $"{item.Kind}/{item.Metadata.Name}", "label app.kubernetes.io/part-of: chongqingvet");
        }
        foreach (var workload in Rendered.Of(target).Workloads)
        {
            policy.Require(workload.Labels.Get("app.kubernetes.io/name") is not null && workload.Labels.Get("app.kubernetes.io/component") is not null,
                workload.Id, "pods labelled app.kubernetes.io/name and app.kubernetes.io/component");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void Images_EachTarget_NameAnExplicitTagOtherThanLatest(string target)
    {
        var policy = new Policy(target);
        foreach (var workload in Rendered.Of(target).Workloads)
        {
            foreach (var container in workload.AllContainers)
            {
                var (tag, digest) = TagAndDigest(container.Image);
                policy.Require(digest is not null || (tag is not null && tag != "latest"), $"{workload.Id} container {container.Name}", $"image '{container.Image}' has a tag other than latest, or a digest");
            }
        }
        policy.AssertNone();
    }

    [Theory]
    [InlineData(Rendered.Prod)]
    [InlineData(Rendered.ProdMigrations)]
    public void Images_Prod_ArePinnedReleasesFromARegistry(string target)
    {
        var policy = new Policy(target);
        foreach (var workload in Rendered.Of(target).Workloads)
        {
            var image = workload.Pod.Containers.Single().Image;
            var (tag, digest) = TagAndDigest(image);
            var registry = image.Split('/')[0];
            policy.Require(digest is not null || (tag is not null && tag is not ("latest" or "dev")), workload.Id, $"image '{image}' is pinned to a release tag or digest");
            policy.Require(image.Contains('/', StringComparison.Ordinal) && (registry.Contains('.', StringComparison.Ordinal) || registry.Contains(':', StringComparison.Ordinal)),
                workload.Id, $"image '{image}' names its registry (no implicit Docker Hub)");
            policy.Require(workload.Pod.Containers.Single().ImagePullPolicy is null or "IfNotPresent", workload.Id, "pulls a pinned image once per node");
        }
        policy.AssertNone();
    }

    [Fact]
    public void Replicas_Prod_AtLeastTwoPerServerAndOwnedByTheAutoscaler()
    {
        var rendered = Rendered.Of(Rendered.Prod);
        var policy = new Policy(Rendered.Prod);
        foreach (var deployment in rendered.Of<V1Deployment>())
        {
            var autoscaler = rendered.Of<V2HorizontalPodAutoscaler>().SingleOrDefault(h => h.Spec.ScaleTargetRef.Name == deployment.Metadata.Name);
            var subject = $"Deployment/{deployment.Metadata.Name}";
            // With an autoscaler, spec.replicas stays unset: every apply would otherwise reset the scaled count.
            policy.Require(autoscaler is null ? deployment.Spec.Replicas >= 2 : deployment.Spec.Replicas is null, subject,
                "replicas are left to the HorizontalPodAutoscaler (or at least 2 without one)");
            policy.Require(autoscaler is null || (autoscaler.Spec.MinReplicas >= 2 && autoscaler.Spec.MaxReplicas >= autoscaler.Spec.MinReplicas), subject,
                $"autoscaler minReplicas >= 2 (found {autoscaler?.Spec.MinReplicas}) and maxReplicas >= minReplicas");
        }
        policy.AssertNone();
    }

    [Fact]
    public void Replicas_Dev_OnePerServer()
    {
        var rendered = Rendered.Of(Rendered.Dev);
        var policy = new Policy(Rendered.Dev);
        foreach (var deployment in rendered.Of<V1Deployment>())
        {
            var autoscaler = rendered.Of<V2HorizontalPodAutoscaler>().Single(h => h.Spec.ScaleTargetRef.Name == deployment.Metadata.Name);
            policy.Require(deployment.Spec.Replicas is null && autoscaler.Spec.MinReplicas == 1 && autoscaler.Spec.MaxReplicas == 1,
                $"Deployment/{deployment.Metadata.Name}", "exactly one replica");
        }
        policy.AssertNone();
    }

    private static (string? Tag, string? Digest) TagAndDigest(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var digest = at >= 0 ? image[(at + 1)..] : null;
        var name = at >= 0 ? image[..at] : image;
        var lastSegment = name[(name.LastIndexOf('/') + 1)..];
        var colon = lastSegment.IndexOf(':', StringComparison.Ordinal);
        return (colon >= 0 ? lastSegment[(colon + 1)..] : null, digest);
    }
}
