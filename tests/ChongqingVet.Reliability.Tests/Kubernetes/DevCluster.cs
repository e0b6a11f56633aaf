using System.Collections.Concurrent;
using ChongqingVet.Data;
using ChongqingVet.K8s.Tests.Manifests;
using ChongqingVet.TestKit.Databases;

namespace ChongqingVet.Reliability.Tests.Kubernetes;

/// <summary>
/// The dev overlay (k8s/overlays/dev and its migrations) run locally: each service gets a fresh PostgreSQL database
/// (the overlay's provider) as its Secret's connection string, every other Secret key a generated value; the
/// migration Job runs to completion before its server starts, as the operator applies them.
/// </summary>
public sealed class DevCluster
{
    public const string Overlay = Rendered.Dev;
    public const string MigrationsOverlay = Rendered.DevMigrations;

    private readonly ConcurrentDictionary<(string Secret, string Key), string> _generated = new();

    public static DevCluster Instance { get; } = new();

    public IReadOnlyList<PodSpecification> Servers(Func<string, TestDatabase?> database) =>
        PodSpecification.From(Rendered.Of(Overlay), "Deployment", (deployable, secret, key) => SecretValue(database(deployable), secret, key));

    public PodSpecification Server(string deployable, TestDatabase? database) =>
        Servers(_ => database).Single(s => s.Deployable == deployable);

    public PodSpecification MigrationJob(string deployable, TestDatabase database) =>
        PodSpecification.From(Rendered.Of(MigrationsOverlay), "Job", (_, secret, key) => SecretValue(database, secret, key))
            .Single(s => s.Deployable == deployable);

    /// <summary>A fresh database for a service, migrated by running its migration Job as a process.</summary>
    public async Task<TestDatabase> MigratedDatabaseAsync(string deployable)
    {
        var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var job = MigrationJob(deployable, database);
        Assert.Equal("Postgres", job.Environment["Database__Provider"]);
        var (exitCode, output) = await LocalPod.RunToCompletionAsync(job, TimeSpan.FromMinutes(2));
        Assert.True(exitCode == 0, $"migration Job of {deployable} exited with {exitCode}:\n{output}");
        return database;
    }

    /// <summary>Starts a server and waits for its startup probe as the kubelet would (within the manifest's budget).</summary>
    public static async Task<LocalPod> StartAsync(PodSpecification server)
    {
        var pod = LocalPod.Start(server);
        var startup = server.Container.StartupProbe ?? server.Container.LivenessProbe;
        Assert.NotNull(startup);
        var result = await Kubelet.WaitForSuccessAsync(startup!, pod);
        if (!result.Success)
        {
            await pod.DisposeAsync();
            Assert.Fail($"{server.Workload.Id} did not pass its startup probe: {result.Observed}");
        }
        return pod;
    }

    private string SecretValue(TestDatabase? database, string secret, string key)
    {
        if (key == "connection-string")
            return database?.ConnectionString ?? throw new InvalidOperationException($"Secret {secret} wants a database.");
        // Stable per Secret key, so a service's Job and server see the same keys. The credential signing key is a PEM
        // P-256 private key and its id a name, as the operator creates them (README, operator section).
        return _generated.GetOrAdd((secret, key), _ => key switch
        {
            "credential-signing-key" => System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem(),
            "credential-signing-key-id" => "probe-test-1",
            _ => PodSpecification.RandomKey(),
        });
    }
}
