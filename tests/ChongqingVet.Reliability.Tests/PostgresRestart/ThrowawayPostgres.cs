using System.Diagnostics;
using ChongqingVet.K8s.Tests.Manifests;
using Npgsql;

namespace ChongqingVet.Reliability.Tests.PostgresRestart;

/// <summary>
/// A PostgreSQL cluster of this test alone, started by tools/start-test-postgres.sh (a fresh data directory on a free
/// port): the test restarts it, and the other test projects — which dotnet test runs in parallel — share the server of
/// CHONGQINGVET_TEST_POSTGRES, which must never go down under them. Stopped (immediate) and deleted on dispose.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private ThrowawayPostgres(string connectionString, string dataDirectory, string binaries)
    {
        ConnectionString = connectionString;
        DataDirectory = dataDirectory;
        Binaries = binaries;
    }

    /// <summary>The superuser connection string (database postgres).</summary>
    public string ConnectionString { get; }

    public string DataDirectory { get; }

    public string Binaries { get; }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database }.ConnectionString;

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var (exitCode, output) = await RunAsync("bash", Repository.PathOf("tools/start-test-postgres.sh"));
        if (exitCode != 0) throw new InvalidOperationException("tools/start-test-postgres.sh failed:\n" + output);
        var exports = output.Split('\n')
            .Where(line => line.StartsWith("export ", StringComparison.Ordinal))
            .Select(line => line["export ".Length..].Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1].Trim().Trim('\''));
        return new ThrowawayPostgres(exports["CHONGQINGVET_TEST_POSTGRES"], exports["CHONGQINGVET_PG_DIR"], exports["CHONGQINGVET_PG_BIN"]);
    }

    /// <summary>
    /// <c>pg_ctl restart -m fast</c>: every session is terminated (57P01 admin_shutdown), the server is down until the
    /// new postmaster accepts connections; returns when it does (-w).
    /// </summary>
    public async Task RestartFastAsync()
    {
        var (exitCode, output) = await PgCtlAsync($"-D '{DataDirectory}' -l '{LogFile}' -m fast -w restart");
        if (exitCode != 0) throw new InvalidOperationException("pg_ctl restart failed:\n" + output + "\n" + ServerLog);
    }

    private string LogFile => Path.Combine(Path.GetDirectoryName(DataDirectory)!, "server.log");

    public string ServerLog => File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(30)) : "";

    private Task<(int ExitCode, string Output)> PgCtlAsync(string arguments)
    {
        var command = $"'{Binaries}/pg_ctl' {arguments}";
        // initdb refuses root: as root the cluster belongs to postgres (the script chowns it), so is driven as postgres.
        return IsRoot()
            ? RunAsync("su", "postgres", "-s", "/bin/bash", "-c", command)
            : RunAsync("bash", "-c", command);
    }

    private static bool IsRoot() => OperatingSystem.IsLinux() && File.ReadLines("/proc/self/status")
        .FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, "0", ..];

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + program);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await PgCtlAsync($"-D '{DataDirectory}' -m immediate stop");
        try { Directory.Delete(Path.GetDirectoryName(DataDirectory)!, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
