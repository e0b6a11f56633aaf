using System.Collections.Concurrent;
using System.Diagnostics;
using ChongqingVet.K8s.Tests.Manifests;

namespace ChongqingVet.Reliability.Tests.Kubernetes;

/// <summary>
/// A <see cref="PodSpecification"/> running as a local process: the built assembly of its image from
/// <c>&lt;project&gt;/bin/&lt;Configuration&gt;/net10.0/</c>, started in that directory (the image's /app) with only the
/// pod's environment plus what the runtime needs to start.
/// </summary>
public sealed class LocalPod : IAsyncDisposable
{
    /// <summary>Inherited from the test process: what the dotnet host itself needs, nothing the application reads as settings.</summary>
    private static readonly string[] Inherited = ["PATH", "HOME", "TMPDIR", "LANG", "DOTNET_ROOT", "DOTNET_CLI_HOME", "DOTNET_NOLOGO"];

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private LocalPod(PodSpecification specification, Process process)
    {
        Specification = specification;
        _process = process;
    }

    public PodSpecification Specification { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The server process (for /proc/&lt;pid&gt;).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Its working directory, which is its content root: the image's /app.</summary>
    public string WorkingDirectory => _process.StartInfo.WorkingDirectory;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the process printed, for failure messages.</summary>
    public string Output => string.Join('\n', _output.TakeLast(40));

    public static LocalPod Start(PodSpecification specification)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<Configuration>/net10.0
        var directory = Repository.PathOf($"{specification.Member.Project}/bin/{configuration}/net10.0");
        var assembly = Path.Combine(directory, specification.Member.Assembly + ".dll");
        if (!File.Exists(assembly)) throw new InvalidOperationException($"{assembly} is not built: build the solution first.");

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var argument in specification.Arguments) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        foreach (var name in Inherited)
        {
            var value = System.Environment.GetEnvironmentVariable(name);
            if (value is not null) start.Environment[name] = value;
        }
        // Only what the manifests set: the authority too (token validation fetches its keys lazily, so the probes,
        // which are anonymous, never need it to answer).
        foreach (var (key, value) in specification.Environment) start.Environment[key] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + specification.Workload.Id);
        var pod = new LocalPod(specification, process);
        process.OutputDataReceived += (_, e) => pod.Record(e.Data);
        process.ErrorDataReceived += (_, e) => pod.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return pod;
    }

    /// <summary>Runs a Job's container to completion within its activeDeadlineSeconds; returns the exit code.</summary>
    public static async Task<(int ExitCode, string Output)> RunToCompletionAsync(PodSpecification job, TimeSpan deadline)
    {
        await using var pod = Start(job);
        using var timeout = new CancellationTokenSource(deadline);
        await pod._process.WaitForExitAsync(timeout.Token);
        return (pod._process.ExitCode, pod.Output);
    }

    private void Record(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 200) _output.TryDequeue(out _);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
