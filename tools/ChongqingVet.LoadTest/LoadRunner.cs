using System.Diagnostics;
using Grpc.Core;

namespace ChongqingVet.LoadTest;

/// <summary>One measured step: a scenario at a number of calls in flight, every response counted by its status.</summary>
public sealed record StepResult(string Scenario, int InFlight, double Seconds, long Ok, IReadOnlyDictionary<string, long> Statuses,
    double Rps, double P50Ms, double P99Ms, string Note = "")
{
    public long Errors => Statuses.Where(s => s.Key != "OK").Sum(s => s.Value);
}

/// <summary>
/// Closed-loop load: <c>inFlight</c> workers, each issuing its next call as soon as the last one answered, for a fixed
/// time. A call is OK only when it returned without an exception (gRPC status OK, HTTP 2xx); anything else is counted
/// under its status code and is never a success. Latency percentiles are over every completed call.
/// </summary>
public static class LoadRunner
{
    /// <summary>A call: returns normally on success, throws <see cref="RpcException"/> (or <see cref="HttpStatusException"/>) otherwise.</summary>
    public delegate Task Call(int worker, long sequence, CancellationToken cancellationToken);

    public static async Task<StepResult> RunAsync(string scenario, int inFlight, TimeSpan duration, Call call)
    {
        var latencies = new List<long>[inFlight];
        var statuses = new Dictionary<string, long>[inFlight];
        var sequence = 0L;
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var end = duration.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        var workers = Enumerable.Range(0, inFlight).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = new List<long>(4096);
            var counts = statuses[worker] = [];
            while (clock.ElapsedTicks < end)
            {
                var started = clock.ElapsedTicks;
                string status;
                try
                {
                    await call(worker, Interlocked.Increment(ref sequence), CancellationToken.None);
                    status = "OK";
                }
                catch (RpcException e)
                {
                    status = e.StatusCode == StatusCode.OK ? "OK_WITH_EXCEPTION" : e.StatusCode.ToString();
                }
                catch (PartialResponseException)
                {
                    status = "OK_BUT_PARTIAL";
                }
                catch (HttpStatusException e)
                {
                    status = "HTTP_" + (int)e.Status;
                }
                catch (HttpRequestException e)
                {
                    status = "HTTP_" + (e.HttpRequestError.ToString());
                }
                mine.Add(clock.ElapsedTicks - started);
                counts[status] = counts.GetValueOrDefault(status) + 1;
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        var merged = new Dictionary<string, long>();
        foreach (var counts in statuses)
            foreach (var (key, value) in counts) merged[key] = merged.GetValueOrDefault(key) + value;
        var ok = merged.GetValueOrDefault("OK");
        return new StepResult(scenario, inFlight, seconds, ok, merged, ok / seconds, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(long[] sorted, double p)
    {
        if (sorted.Length == 0) return double.NaN;
        var index = Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1);
        return sorted[Math.Max(0, index)] * 1000.0 / Stopwatch.Frequency;
    }
}

/// <summary>An HTTP response that was not 2xx.</summary>
public sealed class HttpStatusException(System.Net.HttpStatusCode status) : Exception($"HTTP {(int)status}")
{
    public System.Net.HttpStatusCode Status { get; } = status;
}

/// <summary>
/// A response with status OK that says some backends were unreachable (its <c>unreachable</c> field is not empty): a
/// degraded answer, counted apart from OK and never as a success.
/// </summary>
public sealed class PartialResponseException(IEnumerable<string> unreachable) : Exception("unreachable: " + string.Join(", ", unreachable));
