using System.Diagnostics;
using System.Net;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ChongqingVet.LoadTest;

/// <summary>
/// The bare fan-out baseline: what a 4-way gRPC fan-out costs on this machine before any real work. Two processes
/// (this tool started again with a hidden subcommand): an <b>echo backend</b> that answers ListLearnerRecords with
/// the 2 KB page token it was sent, and an <b>aggregator</b> that answers each ListLearnerRecords by making four
/// parallel calls of 2 KB to the echo backend over one channel built with the gateway's backend client settings
/// (gateway/ChongqingVet.Gateway/Clients/BackendClients.cs: its SocketsHttpHandler and channel options), no database,
/// no merge. It reuses the learner-record contract's messages only so that no new proto is needed.
/// </summary>
public static class FanOutBaseline
{
    public const string EchoCommand = "_fanout-echo";
    public const string AggregatorCommand = "_fanout-aggregator";

    /// <summary>The 2 KB each downstream call carries (request and response).</summary>
    public static readonly string Payload = new('x', 2048);

    /// <summary>Runs a hidden subcommand: <c>_fanout-echo port</c> or <c>_fanout-aggregator port echoAddress</c>.</summary>
    public static async Task<int> RunSubcommandAsync(string[] args)
    {
        var port = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        // No settings from wherever it was started (an appsettings.json there may name Kestrel endpoints): only the port below.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        if (args[0] == AggregatorCommand)
        {
            builder.Services.AddSingleton(new CertificateService.CertificateServiceClient(CreateGatewayStyleChannel(args[2])));
            await using var app = builder.Build();
            app.MapGrpcService<Aggregator>();
            await ServeAsync(app);
        }
        else
        {
            await using var app = builder.Build();
            app.MapGrpcService<Echo>();
            await ServeAsync(app);
        }
        return 0;
    }

    /// <summary>Starts, tells the parent the port it got (port 0 = any free one: no race with other sockets), serves until killed.</summary>
    private static async Task ServeAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine(ListeningPrefix + new Uri(address).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // The parent holds this process's standard input open and never writes: when the parent ends — even killed —
        // the pipe closes and this process stops, so no orphan outlives a run (or keeps a file lock it inherited).
        _ = Task.Run(async () =>
        {
            await Console.In.ReadToEndAsync();
            await app.StopAsync();
        });
        await app.WaitForShutdownAsync();
    }

    private const string ListeningPrefix = "LISTENING ";

    /// <summary>A channel with the gateway's backend settings (defaults of Resilience:Defaults in the gateway's appsettings.json).</summary>
    public static GrpcChannel CreateGatewayStyleChannel(string address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(1),
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        },
        InitialReconnectBackoff = TimeSpan.FromMilliseconds(250),
        MaxReconnectBackoff = TimeSpan.FromSeconds(1),
        ThrowOperationCanceledOnCancellation = true,
        MaxReceiveMessageSize = 16 * 1024 * 1024,
    });

    private sealed class Echo : CertificateService.CertificateServiceBase
    {
        public override Task<ListLearnerRecordsResponse> ListLearnerRecords(ListLearnerRecordsRequest request, ServerCallContext context) =>
            Task.FromResult(new ListLearnerRecordsResponse { NextPageToken = request.PageToken });
    }

    private sealed class Aggregator(CertificateService.CertificateServiceClient echo) : CertificateService.CertificateServiceBase
    {
        public override async Task<ListLearnerRecordsResponse> ListLearnerRecords(ListLearnerRecordsRequest request, ServerCallContext context)
        {
            var downstream = new ListLearnerRecordsRequest { LearnerId = request.LearnerId, PageToken = Payload };
            var calls = new Task<ListLearnerRecordsResponse>[4];
            for (var i = 0; i < calls.Length; i++) calls[i] = echo.ListLearnerRecordsAsync(downstream, cancellationToken: context.CancellationToken).ResponseAsync;
            var responses = await Task.WhenAll(calls);
            return new ListLearnerRecordsResponse { NextPageToken = responses[0].NextPageToken.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }
    }

    /// <summary>Starts this tool again as <paramref name="args"/> (port 0) and waits for the port it listens on; the caller kills it.</summary>
    public static async Task<(Process Process, int Port)> StartSelfAsync(params string[] args)
    {
        var self = typeof(FanOutBaseline).Assembly.Location;
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host)
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(self);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + args[0]);
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith(ListeningPrefix, StringComparison.Ordinal))
                listening.TrySetResult(int.Parse(line[ListeningPrefix.Length..], System.Globalization.CultureInfo.InvariantCulture));
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[{args[0]}] {e.Data}"); };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"{args[0]} exited before it listened"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return (process, port);
    }
}
