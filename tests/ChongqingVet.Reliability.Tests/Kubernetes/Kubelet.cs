using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using k8s.Models;

namespace ChongqingVet.Reliability.Tests.Kubernetes;

/// <summary>One probe attempt's outcome: success as the kubelet judges it, and what was seen.</summary>
public sealed record ProbeResult(bool Success, string Observed);

/// <summary>
/// Runs a container's probe the way the kubelet does: a gRPC probe calls grpc.health.v1.Health/Check over cleartext
/// HTTP/2 with the probe's service name and succeeds only on SERVING; an httpGet probe succeeds on a status from 200 to
/// 399; a tcpSocket probe on a connection. Each attempt is bounded by timeoutSeconds (default 1).
/// </summary>
public static class Kubelet
{
    public static async Task<ProbeResult> ProbeAsync(V1Probe probe, PodSpecification pod)
    {
        var timeout = TimeSpan.FromSeconds(probe.TimeoutSeconds ?? 1);
        if (probe.Grpc is { } grpc)
        {
            var status = await GrpcHealthAsync(pod.LocalPort(grpc.Port), grpc.Service ?? "", timeout);
            return new ProbeResult(status == HealthCheckResponse.Types.ServingStatus.Serving, $"grpc {grpc.Service}: {status}");
        }
        if (probe.HttpGet is { } http)
        {
            Assert.True(http.Scheme is null or "HTTP", "only cleartext httpGet probes can be reproduced");
            var code = await HttpGetAsync(pod.LocalPort(http.Port), http.Path ?? "/", timeout);
            return new ProbeResult(code is >= 200 and < 400, $"GET {http.Path}: {code}");
        }
        if (probe.TcpSocket is { } tcp)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", pod.LocalPort(tcp.Port)).WaitAsync(timeout);
                return new ProbeResult(true, "tcp: connected");
            }
            catch (Exception exception) when (exception is SocketException or TimeoutException)
            {
                return new ProbeResult(false, "tcp: " + exception.GetType().Name);
            }
        }
        throw new InvalidOperationException("exec probes cannot be reproduced outside the container");
    }

    /// <summary>grpc.health.v1.Health/Check; a failed call (refused, timed out, NOT_FOUND) reports <c>null</c>.</summary>
    public static async Task<HealthCheckResponse.Types.ServingStatus?> GrpcHealthAsync(int port, string service, TimeSpan timeout)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var client = new Health.HealthClient(channel);
        try
        {
            var response = await client.CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.Add(timeout));
            return response.Status;
        }
        catch (RpcException)
        {
            return null;
        }
    }

    /// <summary>HTTP GET with the kubelet's headers; a failed request (refused, timed out) reports 0.</summary>
    public static async Task<int> HttpGetAsync(int port, string path, TimeSpan timeout)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}{path}");
        request.Headers.UserAgent.ParseAdd("kube-probe/1.32");
        request.Headers.Accept.ParseAdd("*/*");
        try
        {
            using var response = await http.SendAsync(request);
            return (int)response.StatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Probes until it succeeds or the kubelet would give up: initialDelaySeconds + failureThreshold × periodSeconds
    /// (the defaults are 0, 3 and 10). Polls faster than the period (the budget is what the manifest promises).
    /// </summary>
    public static async Task<ProbeResult> WaitForSuccessAsync(V1Probe probe, LocalPod pod)
    {
        var budget = TimeSpan.FromSeconds((probe.InitialDelaySeconds ?? 0) + (probe.FailureThreshold ?? 3) * (probe.PeriodSeconds ?? 10));
        var deadline = DateTime.UtcNow + budget;
        var last = new ProbeResult(false, "not probed");
        while (DateTime.UtcNow < deadline)
        {
            if (pod.HasExited) return new ProbeResult(false, $"the process exited with {pod.ExitCode}:\n{pod.Output}");
            last = await ProbeAsync(probe, pod.Specification);
            if (last.Success) return last;
            await Task.Delay(250);
        }
        return last with { Observed = $"{last.Observed} after {budget.TotalSeconds} s:\n{pod.Output}" };
    }

    /// <summary>Waits (up to <paramref name="within"/>) until a probe call observes what <paramref name="condition"/> wants.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> observe, Func<T, bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var value = await observe();
            if (condition(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(200);
        }
    }
}
