using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ChongqingVet.K8s.Tests.Manifests;
using ChongqingVet.Reliability.Tests.DeadBackend;
using Xunit.Abstractions;

namespace ChongqingVet.Reliability.Tests.LoadTest;

/// <summary>
/// The load harness's smoke mode (<c>ChongqingVet.LoadTest suite --smoke</c>) run as a real process, as CI runs it: it
/// starts the whole suite, seeds a tiny data set, runs every scenario for about 2 s at 1 and 4 in flight and the import.
/// Asserted: exit code 0, and in its JSON every scenario has figures at every step with zero errors (every response
/// counted by status, none but OK). Never speed.
/// </summary>
[Collection(DeadBackendCollection.Name)]
public sealed class LoadHarnessSmokeTests(ITestOutputHelper output)
{
    private static readonly string[] Scenarios =
    [
        "gateway health Check", "bare fan-out baseline", "certificates ListLearnerRecords", "competitions ListLearnerRecords",
        "courses ListLearnerRecords", "jobpostings ListLearnerRecords", "GetLearnerProfile gRPC", "GET /v1/learners/{id}/profile",
        "MatchJobs", "GetSkillGap", "VerifyCertificate", "IssueCertificate",
    ];

    [Fact]
    public async Task SuiteSmoke_RunsEveryScenario_ExitsZeroWithFiguresAndNoErrors()
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var tool = Repository.PathOf($"tools/ChongqingVet.LoadTest/bin/{configuration}/net10.0/ChongqingVet.LoadTest.dll");
        Assert.True(File.Exists(tool), tool + " is not built: build the solution first.");
        var json = Path.Combine(Directory.CreateTempSubdirectory("cqv-loadsmoke-").FullName, "smoke.json");

        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { tool, "suite", "--smoke", "--json", json }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(10)))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("the smoke run did not end within 10 minutes:\n" + log);
            }
        }
        process.WaitForExit(); // flush the output handlers
        output.WriteLine(log.ToString());

        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:\n{log}");
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var steps = report.RootElement.GetProperty("Steps").EnumerateArray().ToList();
        foreach (var scenario in Scenarios)
        {
            foreach (var inFlight in new[] { 1, 4 })
            {
                var step = steps.SingleOrDefault(s => s.GetProperty("Scenario").GetString() == scenario && s.GetProperty("InFlight").GetInt32() == inFlight);
                Assert.True(step.ValueKind == JsonValueKind.Object, $"no figures for {scenario} at {inFlight} in flight");
                AssertOnlyOk(step, $"{scenario} at {inFlight} in flight");
                Assert.True(step.GetProperty("P50Ms").GetDouble() > 0, $"{scenario} at {inFlight}: no latency");
            }
        }
        var import = steps.Single(s => s.GetProperty("Scenario").GetString()!.StartsWith("import ", StringComparison.Ordinal));
        AssertOnlyOk(import, "import");
        Assert.Equal(2_000, import.GetProperty("Ok").GetInt64());
        var processes = report.RootElement.GetProperty("Processes").EnumerateArray().ToList();
        foreach (var name in new[] { "identity", "certificates", "competitions", "courses", "jobpostings", "gateway", "fanout-echo", "fanout-aggregator" })
        {
            var memory = processes.Single(p => p.GetProperty("Name").GetString() == name);
            Assert.True(memory.GetProperty("PeakRssMiB").GetDouble() > 0, name + ": no peak RSS");
        }
    }

    private static void AssertOnlyOk(JsonElement step, string what)
    {
        Assert.True(step.GetProperty("Ok").GetInt64() > 0, what + ": no successful response");
        var statuses = step.GetProperty("Statuses").EnumerateObject().Select(s => $"{s.Name} {s.Value.GetInt64()}").ToList();
        Assert.True(step.GetProperty("Errors").GetInt64() == 0 && statuses.Count == 1, $"{what}: {string.Join(", ", statuses)}");
    }
}
