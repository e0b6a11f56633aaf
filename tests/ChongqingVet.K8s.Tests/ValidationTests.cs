using ChongqingVet.K8s.Tests.Manifests;
using k8s;
using k8s.Models;
using YamlDotNet.Core;

namespace ChongqingVet.K8s.Tests;

/// <summary>Every target renders, and every object is valid for the Kubernetes API by two independent checks.</summary>
public class ValidationTests
{
    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void LoadAllFromString_EachTarget_LoadsEveryDocumentStrictly(string target)
    {
        var rendered = Rendered.Of(target);

        Assert.NotEmpty(rendered.Objects);
        Assert.Equal(rendered.DocumentCount, rendered.Objects.Count);
    }

    [Fact]
    public void LoadAllFromString_UnknownField_IsRejected()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: typo
            spec:
              replica: 2
            """;

        Assert.ThrowsAny<YamlException>(() => KubernetesYaml.LoadAllFromString(yaml, strict: true));
    }

    [Theory]
    [MemberData(nameof(Rendered.All), MemberType = typeof(Rendered))]
    public void KubernetesModels_EachTarget_AcceptsEveryObject(string target)
    {
        var problems = KubernetesModels.Problems(Rendered.Of(target).Objects);

        Assert.True(problems.Count == 0, $"k8s/overlays/{target}:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void KubernetesModels_EnumValueThatDoesNotExist_IsRejected()
    {
        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = "bad-enum" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "x" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "x" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "x:1", ImagePullPolicy = "Sometimes" }] },
                },
            },
        };

        var problems = KubernetesModels.Problems([deployment]);

        Assert.Contains(problems, p => p.StartsWith("Deployment/bad-enum:", StringComparison.Ordinal) && p.Contains("imagePullPolicy", StringComparison.Ordinal));
    }
}
