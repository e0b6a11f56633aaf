using ChongqingVet.K8s.Tests.Manifests;
using k8s;
using k8s.Models;
using Environment = ChongqingVet.K8s.Tests.Manifests.Environment;

namespace ChongqingVet.K8s.Tests;

/// <summary>
/// Migrations are their own target, applied and waited for before the application, so no server starts
/// against a schema its build does not know; the Job runs exactly the server's build and settings.
/// </summary>
public class MigrationTests
{
    private static readonly string[] DatabaseServices = ["certificates", "competitions", "courses", "insights", "jobpostings"];

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void Targets_EachEnvironment_SeparateMigrationJobsFromServers(string name)
    {
        var environment = Environment.Of(name);

        Assert.DoesNotContain(environment.Application.Workloads, w => w.Kind == "Job");
        Assert.DoesNotContain(environment.Migrations.Workloads, w => w.Labels.Get("app.kubernetes.io/component") == "server");
        Assert.Equal(
            DatabaseServices.Select(s => $"{s}-migrate"),
            environment.Migrations.Of<V1Job>().Select(j => j.Metadata.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void MigrationJobs_EachEnvironment_RunTheirServersImageAndSettings(string name)
    {
        var environment = Environment.Of(name);
        var policy = new Policy(name);
        foreach (var service in DatabaseServices)
        {
            var job = environment.Migrations.Single<V1Job>($"{service}-migrate").Spec.Template.Spec.Containers.Single();
            var server = environment.Application.Single<V1Deployment>($"{service}-server").Spec.Template.Spec.Containers.Single();
            var subject = $"Job/{service}-migrate";
            policy.Require(job.Image == server.Image, subject, $"image {job.Image} is the server's ({server.Image})");
            policy.Require(
                KubernetesJson.Serialize(job.EnvFrom ?? []) == KubernetesJson.Serialize(server.EnvFrom ?? []),
                subject, "reads the same ConfigMaps as the server (same names, so the same content hash)");
            policy.Require(
                KubernetesJson.Serialize((job.Env ?? []).Where(e => e.ValueFrom is not null)) == KubernetesJson.Serialize((server.Env ?? []).Where(e => e.ValueFrom is not null)),
                subject, "reads the same Secret keys as the server");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void MigrationJobs_EachEnvironment_MigrateOnceWithBoundedRetries(string name)
    {
        var policy = new Policy(name);
        foreach (var job in Environment.Of(name).Migrations.Of<V1Job>())
        {
            var subject = $"Job/{job.Metadata.Name}";
            var container = job.Spec.Template.Spec.Containers.Single();
            policy.Require(container.Command is null && (container.Args ?? []).SequenceEqual(["--migrate"]), subject, "runs the image's entrypoint with --migrate");
            policy.Require(job.Spec.Template.Spec.RestartPolicy == "Never", subject, "restartPolicy Never (each retry is a new pod with its own log)");
            policy.Require(job.Spec.BackoffLimit is >= 1 and <= 6, subject, "a few retries (backoffLimit 1..6): scripts are journaled, a retry resumes");
            policy.Require(job.Spec.ActiveDeadlineSeconds is > 0, subject, "activeDeadlineSeconds bounds a hung migration");
            policy.Require((job.Spec.Parallelism ?? 1) == 1 && (job.Spec.Completions ?? 1) == 1, subject, "one pod at a time");
        }
        policy.AssertNone();
    }

    [Theory]
    [MemberData(nameof(Rendered.Applications), MemberType = typeof(Rendered))]
    public void SharedObjects_EachEnvironment_AreIdenticalInBothTargets(string name)
    {
        var environment = Environment.Of(name);
        var application = environment.Application.Objects.ToDictionary(Key);
        var shared = environment.Migrations.Objects.Where(o => application.ContainsKey(Key(o))).ToList();
        var policy = new Policy(name);
        Assert.Contains(shared, o => o is V1Namespace);
        foreach (var item in shared)
        {
            policy.Require(KubernetesJson.Serialize(item) == KubernetesJson.Serialize(application[Key(item)]), Key(item),
                "the same object in both targets (applying one after the other never changes it back and forth)");
        }
        policy.AssertNone();
    }

    private static string Key(IKubernetesObject<V1ObjectMeta> item) => $"{item.ApiVersion}/{item.Kind}/{item.Metadata.Name}";
}
