namespace ChongqingVet.Reliability.Tests;

/// <summary>
/// Free ports on 127.0.0.1 for servers a test (or the load tool, which compiles this file too) starts itself.
/// </summary>
/// <remarks>
/// Below the kernel's ephemeral range: a port from that range, once released, can become the local port of any
/// outgoing connection (the tests' own database connections) before the server binds it. Each port is handed out
/// once per process; the random start keeps two processes apart.
/// </remarks>
public static class LocalPorts
{
    private const int Bottom = 10_000;
    private static int _lastPort = -1;

    /// <summary>A port nobody listens on at the moment, below the ephemeral range, not handed out before by this process.</summary>
    public static int Free()
    {
        var top = EphemeralRangeStart();
        Interlocked.CompareExchange(ref _lastPort, Bottom + Random.Shared.Next(top - Bottom), -1);
        for (var attempt = 0; attempt < top - Bottom; attempt++)
        {
            var port = Bottom + (Interlocked.Increment(ref _lastPort) - Bottom) % (top - Bottom);
            try
            {
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // in use: the next one
            }
        }
        throw new InvalidOperationException($"no free port between {Bottom} and {top} on 127.0.0.1");
    }

    private static int EphemeralRangeStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var start) && start > 20_000
            ? start
            : 32_768;
    }
}
