using System.Data.Common;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Domain.Security;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;
using Dapper;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Google.Protobuf;

namespace ChongqingVet.Certificates.Tests;

/// <summary>
/// The change feed's behaviour, shown once on the certificates service (the other services map the same
/// ChangeFeedService; their tests prove only that their writes emit changes): the outbox row commits with its write,
/// resume, filter, heartbeats, retention, authorisation, limits, and no personal data in any change.
/// </summary>
public class ChangeFeedTests
{
    private const string HolderIdNumber = "11010519491231002X";
    private const string HolderName = "张三";
    private static readonly TestAuthority Authority = TestAuthority.Shared;
    private static readonly string CertificateType = Certificate.Descriptor.FullName;

    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    private static readonly Dictionary<string, string?> FeedSettings = new()
    {
        ["ChangeFeed:PollInterval"] = "00:00:01",
        ["ChangeFeed:HeartbeatInterval"] = "00:00:05",
        ["ChangeFeed:Retention"] = "1.00:00:00",
        ["ChangeFeed:CleanupInterval"] = "1.00:00:00",
        ["ChangeFeed:MaxStreamsPerClient"] = "2",
    };

    private static Task<CertificateServiceHarness> StartAsync(DatabaseProvider provider, Action<IServiceCollection>? testServices = null) =>
        CertificateServiceHarness.StartAsync(provider, FeedSettings, testServices);

    private static ChangeFeedService.ChangeFeedServiceClient Feed(CertificateServiceHarness harness, string? token = null) =>
        new(token is null ? harness.Factory.CreateChannel() : harness.Factory.CreateChannel(token));

    [Theory, MemberData(nameof(Providers))]
    public async Task WatchChanges_AfterWrites_StreamsEveryChangeInSequenceOrderWithoutPersonalData(DatabaseProvider provider)
    {
        await using var harness = await StartAsync(provider);
        var type = await harness.CreateTypeAsync();
        var first = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001", HolderIdNumber));
        var second = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0002", StreamImportTests.IdNumber(2)));
        var revoked = await harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = first.CertificateNumber, Reason = $"issued in error (holder {HolderIdNumber})", Etag = first.Etag,
        });

        var (changes, heartbeat) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel());

        Assert.Equal([1L, 2, 3, 4], changes.Select(c => c.Sequence));
        Assert.Equal(
            [("certificateTypes/" + type.Code, "CREATED"), ("certificates/" + first.CertificateNumber, "ISSUED"),
                ("certificates/" + second.CertificateNumber, "ISSUED"), ("certificates/" + first.CertificateNumber, "REVOKED")],
            changes.Select(c => (c.ResourceName, c.Kind)));
        Assert.Equal(ChongqingVet.Certificates.V1.CertificateType.Descriptor.FullName, changes[0].ResourceType);
        var state = JsonParser.Default.Parse<Certificate>(JsonFormatter.Default.Format(changes[3].State));
        Assert.Equal(CertificateStatus.Revoked, state.Status);
        Assert.Equal("L0001", state.LearnerId);
        Assert.Equal(revoked.Etag, state.Etag);
        Assert.Empty(state.HolderName);
        Assert.Empty(state.HolderIdNumberMasked);
        Assert.DoesNotContain(HolderIdNumber, state.RevocationReason, StringComparison.Ordinal); // withheld even inside free text
        Assert.Equal(4, heartbeat.HeadSequence);
        Assert.Equal(changes[^1].Cursor, heartbeat.Cursor);

        // Nothing personal in any stored row: no ID number (clear or masked), no name.
        foreach (var row in await StatesAsync(harness))
        {
            Assert.DoesNotContain(HolderIdNumber, row, StringComparison.Ordinal);
            Assert.DoesNotContain(HolderIdNumber[..4] + "*", row, StringComparison.Ordinal);
            Assert.DoesNotContain(StreamImportTests.IdNumber(2), row, StringComparison.Ordinal);
            Assert.DoesNotContain(HolderName, row, StringComparison.Ordinal);
        }
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task WatchChanges_ImportedBatch_EmitsOneIssuedChangePerCreatedItem(DatabaseProvider provider)
    {
        await using var harness = await StartAsync(provider);
        await harness.CreateTypeAsync();
        using (var call = harness.Client.StreamImportCertificates())
        {
            for (var i = 0; i < 5; i++) await call.RequestStream.WriteAsync(new StreamImportCertificatesRequest { Item = StreamImportTests.Item(i) });
            await call.RequestStream.CompleteAsync();
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        }

        var (changes, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(),
            new WatchChangesRequest { ResourceTypes = { CertificateType } });

        Assert.Equal(5, changes.Count);
        Assert.All(changes, c => Assert.Equal("ISSUED", c.Kind));
        Assert.Equal(Enumerable.Range(2, 5).Select(i => (long)i), changes.Select(c => c.Sequence));
        Assert.Equal(5, changes.Select(c => c.ResourceName).Distinct().Count());
        Assert.All(await StatesAsync(harness), row => Assert.DoesNotContain(StreamImportTests.Item(0).HolderName, row, StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Write_ThatFails_LeavesNoChangeRow(DatabaseProvider provider)
    {
        // A refused write (ALREADY_EXISTS), and a write whose transaction fails after the change row was appended (the
        // audit record, the last statement before commit, throws): neither leaves a change.
        var failAudit = false;
        await using var harness = await StartAsync(provider, services =>
            services.AddSingleton<IAuditSink>(provider => new FailingAuditSink(provider.GetRequiredService<ChongqingVet.Data.Audit.AuditLog>(), () => failAudit)));
        await harness.CreateTypeAsync();
        await RpcAssert.ThrowsAsync(StatusCode.AlreadyExists, () => harness.CreateTypeAsync());
        failAudit = true;
        await RpcAssert.ThrowsAsync(StatusCode.Internal, () => harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001")).ResponseAsync);
        failAudit = false;

        Assert.Single(await StatesAsync(harness));
        var (changes, heartbeat) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel());
        Assert.Equal("CREATED", Assert.Single(changes).Kind);
        Assert.Equal(1, heartbeat.HeadSequence); // the failed write returned its sequence: no gap

        // The next write that commits takes the next sequence.
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001"));
        var (after, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(), new WatchChangesRequest { Cursor = changes[0].Cursor });
        Assert.Equal(2, Assert.Single(after).Sequence);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task WatchChanges_ResumedFromACursor_LosesAndRepeatsNothing(DatabaseProvider provider)
    {
        await using var harness = await StartAsync(provider);
        await harness.CreateTypeAsync();
        for (var i = 0; i < 6; i++) await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue($"L{i:D4}", StreamImportTests.IdNumber(i)));

        // Read three changes (batch size 2: the stream goes on past a batch), then drop the stream.
        var seen = new List<Change>();
        using (var cts = new CancellationTokenSource(ChangeFeeds.Patience))
        using (var call = Feed(harness).WatchChanges(new WatchChangesRequest { BatchSize = 2 }, cancellationToken: cts.Token))
        {
            while (seen.Count < 3 && await call.ResponseStream.MoveNext(cts.Token)) seen.Add(call.ResponseStream.Current.Change);
        }
        // More writes while the subscriber is away.
        for (var i = 6; i < 8; i++) await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue($"L{i:D4}", StreamImportTests.IdNumber(i)));

        var (rest, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(), new WatchChangesRequest { Cursor = seen[^1].Cursor, BatchSize = 2 });

        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), seen.Concat(rest).Select(c => c.Sequence));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task WatchChanges_FilteredByResourceType_StreamsOnlyThatTypeAndItsHeartbeatSkipsTheRest(DatabaseProvider provider)
    {
        await using var harness = await StartAsync(provider);
        await harness.CreateTypeAsync();
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001"));
        await harness.CreateTypeAsync(CertificateServiceHarness.RobotOperatorType("MOHRSS-IR-OPS2"));

        var (certificates, heartbeat) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(),
            new WatchChangesRequest { ResourceTypes = { CertificateType } });
        var (types, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(),
            new WatchChangesRequest { ResourceTypes = { ChongqingVet.Certificates.V1.CertificateType.Descriptor.FullName } });

        Assert.Equal(2, Assert.Single(certificates).Sequence);
        Assert.Equal([1L, 3], types.Select(c => c.Sequence));
        // The filtered stream read past the types it skipped: resuming from its heartbeat starts after sequence 3.
        var (none, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(), new WatchChangesRequest { Cursor = heartbeat.Cursor });
        Assert.Empty(none);
        var unknown = await RpcAssert.InvalidArgumentAsync(() => ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(),
            new WatchChangesRequest { ResourceTypes = { "chongqingvet.courses.v1.Course" } }), "resource_types[0]");
        Assert.Contains(CertificateType, unknown[0].Description, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task WatchChanges_Idle_SendsHeartbeatsOnTheClockAndWakesAtOnceOnALocalWrite(DatabaseProvider provider)
    {
        await using var harness = await StartAsync(provider);
        await harness.CreateTypeAsync();
        using var cts = new CancellationTokenSource(ChangeFeeds.Patience);
        using var call = Feed(harness).WatchChanges(new WatchChangesRequest(), cancellationToken: cts.Token);
        Assert.Equal(WatchChangesResponse.EventOneofCase.Change, (await ChangeFeeds.NextAsync(call)).EventCase);
        var caughtUp = await ChangeFeeds.NextAsync(call);
        Assert.Equal(WatchChangesResponse.EventOneofCase.Heartbeat, caughtUp.EventCase);

        // Idle: the next heartbeat comes once the service's clock has moved by the heartbeat interval (5 s), not before.
        var before = harness.Clock.GetUtcNow();
        var idle = await ChangeFeeds.NextAsync(call, harness.Clock);
        Assert.Equal(WatchChangesResponse.EventOneofCase.Heartbeat, idle.EventCase);
        Assert.True(harness.Clock.GetUtcNow() - before >= TimeSpan.FromSeconds(5));
        Assert.Equal(caughtUp.Heartbeat.Cursor, idle.Heartbeat.Cursor);

        // A write in this process wakes the stream without the clock moving.
        var issued = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001"));
        var change = await ChangeFeeds.NextAsync(call);
        Assert.Equal("certificates/" + issued.CertificateNumber, change.Change.ResourceName);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task WatchChanges_CursorOlderThanRetention_FailsWithCursorExpired(DatabaseProvider provider)
    {
        await using var harness = await StartAsync(provider);
        await harness.CreateTypeAsync();
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001"));
        var (old, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel());
        // The retention job runs on the service's clock: its daily sweep deletes what is older than one day.
        var retention = harness.Factory.Services.GetRequiredService<ChangeRetentionService>();
        var swept = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        retention.Swept += deleted => { if (deleted != 0) swept.TrySetResult(deleted); };
        harness.Clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(2, await swept.Task.WaitAsync(ChangeFeeds.Patience));
        var young = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0002", StreamImportTests.IdNumber(2)));
        Assert.Equal(0, await retention.SweepAsync(CancellationToken.None)); // the young change stays

        var expired = await RpcAssert.ThrowsAsync(StatusCode.FailedPrecondition,
            () => ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(), new WatchChangesRequest { Cursor = old[0].Cursor }));
        Assert.Equal("CURSOR_EXPIRED", RpcAssert.Reason(expired));

        // The last deleted change's cursor still resumes; an empty cursor starts at the oldest change kept.
        var (fromLast, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(), new WatchChangesRequest { Cursor = old[^1].Cursor });
        var (fromStart, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel());
        Assert.Equal("certificates/" + young.CertificateNumber, Assert.Single(fromLast).ResourceName);
        Assert.Equal(3, Assert.Single(fromStart).Sequence);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task WatchChanges_StartFromNow_FirstHeartbeatMarksTheHead(DatabaseProvider provider)
    {
        await using var harness = await StartAsync(provider);
        await harness.CreateTypeAsync();
        var (none, now) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(), new WatchChangesRequest { StartFromNow = true });
        var issued = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0001"));
        var (after, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(), new WatchChangesRequest { Cursor = now.Cursor });

        Assert.Empty(none);
        Assert.Equal(1, now.HeadSequence);
        Assert.Equal("certificates/" + issued.CertificateNumber, Assert.Single(after).ResourceName);
    }

    [Fact]
    public async Task WatchChanges_BadCursorOrForeignFeed_InvalidArgument()
    {
        await using var harness = await StartAsync(DatabaseProvider.Sqlite);
        await RpcAssert.InvalidArgumentAsync(() => ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(),
            new WatchChangesRequest { Cursor = "not-a-cursor" }), "cursor");
        await RpcAssert.InvalidArgumentAsync(() => ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(),
            new WatchChangesRequest { Cursor = ChangeCursor.Encode("courses", 1) }), "cursor");
        var ahead = await RpcAssert.ThrowsAsync(StatusCode.FailedPrecondition, () => ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(),
            new WatchChangesRequest { Cursor = ChangeCursor.Encode("certificates", 99) }));
        Assert.Equal("CURSOR_AHEAD", RpcAssert.Reason(ahead));
    }

    [Fact]
    public async Task WatchChanges_WithoutChangesRead_PermissionDenied()
    {
        await using var harness = await StartAsync(DatabaseProvider.Sqlite);
        var government = Authority.Issue("gov-system", "government", ["catalog.read", "profiles.read", "certificates.read", "certificates.holder.read"]);

        var denied = await RpcAssert.ThrowsAsync(StatusCode.PermissionDenied, () => ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(government)));

        Assert.Equal("MISSING_SCOPE", RpcAssert.Reason(denied));
        await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(Authority.Issue("gov-system", "government", ["changes.read"])));
    }

    [Fact]
    public async Task WatchChanges_MoreStreamsThanAllowedPerClient_ResourceExhaustedUntilOneCloses()
    {
        await using var harness = await StartAsync(DatabaseProvider.Sqlite); // MaxStreamsPerClient = 2
        var token = Authority.Issue("gov-system", "government", ["changes.read"]);
        using var cts = new CancellationTokenSource(ChangeFeeds.Patience);
        var open = new List<AsyncServerStreamingCall<WatchChangesResponse>>();
        for (var i = 0; i < 2; i++)
        {
            var call = Feed(harness, token).WatchChanges(new WatchChangesRequest(), cancellationToken: cts.Token);
            await ChangeFeeds.NextAsync(call); // its first heartbeat: the stream holds its lease
            open.Add(call);
        }

        var refused = await RpcAssert.ThrowsAsync(StatusCode.ResourceExhausted, () => ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(token)));
        Assert.Equal("TOO_MANY_STREAMS", RpcAssert.Reason(refused));
        await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(Authority.Issue("other-system", "government", ["changes.read"])));

        open[0].Dispose(); // cancels the stream; the server returns its lease when the call ends
        var limiter = harness.Factory.Services.GetRequiredService<ChangeStreamLimiter>();
        using var wait = new CancellationTokenSource(ChangeFeeds.Patience);
        while (limiter.OpenStreams("gov-system") > 1) await Task.Delay(10, wait.Token);
        await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(token));
        open[1].Dispose();
    }

    private static async Task<IReadOnlyList<string>> StatesAsync(CertificateServiceHarness harness)
    {
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        return (await connection.QueryAsync<string>("SELECT resource_name || ' ' || state FROM changes ORDER BY sequence")).ToList();
    }

    /// <summary>The real audit sink, except that appending a write's record fails while <paramref name="fail"/> says so.</summary>
    private sealed class FailingAuditSink(ChongqingVet.Data.Audit.AuditLog log, Func<bool> fail) : IAuditSink
    {
        private readonly ChongqingVet.Data.Audit.AuditLogSink _inner = new(log);

        public Task AppendInTransactionAsync(DbConnection connection, DbTransaction transaction, AuditedCall call, string outcome, CancellationToken cancellationToken) =>
            fail() ? throw new InvalidOperationException("Simulated failure after the change row was appended.") : _inner.AppendInTransactionAsync(connection, transaction, call, outcome, cancellationToken);

        public Task AppendAsync(AuditedCall call, string outcome, CancellationToken cancellationToken) => _inner.AppendAsync(call, outcome, cancellationToken);
    }
}
