using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Insights.Data;
using ChongqingVet.Insights.Feeds;
using ChongqingVet.Insights.Feeds.Grpc;
using ChongqingVet.Insights.Grpc;
using ChongqingVet.Insights.V1;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Dapper;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChongqingVet.Insights.Tests.Feeds;

/// <summary>
/// Re-sync after CURSOR_EXPIRED (docs/INSIGHTS.md), end to end: the real certificates service (sample data, one day of
/// retention, its own fake clock) and the real insights service following its WatchChanges and re-listing it through
/// ListCertificateTypes/ListCertificates over gRPC, each on its own database. The insights service is stopped, the
/// certificates service writes and then sweeps everything older than a day, and the insights service starts again on
/// its database with a cursor the feed no longer keeps. The reference is a full replay: every change the feed ever
/// published, read before the sweep (and after it, from the last deleted change's cursor), applied to a fresh read model.
/// </summary>
[Collection(nameof(ResyncTests))]
public sealed class ResyncTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;


    private static readonly Dictionary<string, string?> CertificatesSettings = new()
    {
        ["SampleData:Enabled"] = "true",
        ["ChangeFeed:PollInterval"] = "00:00:01",
        ["ChangeFeed:HeartbeatInterval"] = "00:00:05",
        ["ChangeFeed:Retention"] = "1.00:00:00",
        ["ChangeFeed:CleanupInterval"] = "1.00:00:00",
    };

    [Theory, MemberData(nameof(Providers))]
    public async Task CursorExpired_ResyncsFromTheListCalls_SameRowsAndFiguresAsAFullReplay_AndARestartResumesFromTheStoredCursor(DatabaseProvider provider)
    {
        await using var certificates = await ServiceHost<ChongqingVet.Certificates.Grpc.CertificateGrpcService>.StartAsync(provider, CertificatesSettings);
        var writer = new CertificateService.CertificateServiceClient(certificates.Factory.CreateChannel());
        await CreateTypeAsync(writer);
        var toRevoke = await writer.IssueCertificateAsync(await IssueAsync(writer, "L9000"));
        await using var insightsDatabase = await TestDatabase.CreateAsync(provider);
        using var measurements = new ResyncMeasurements();

        // 1. The insights service follows the feed from its start (no re-sync source yet) and stops.
        var (history, caughtUp) = await ChangeFeeds.ReadUntilCaughtUpAsync(certificates.Factory.CreateChannel());
        await using (var first = StartInsights(insightsDatabase, FeedOf(certificates), resync: null))
        {
            await first.Services.GetRequiredService<FeedProgress>().WaitForAsync("certificates", caughtUp.HeadSequence, TestTimeout.Token);
            Assert.Null(first.Services.GetRequiredService<FeedProgress>().LastFailure("certificates"));
        }
        var stored = await CursorAsync(insightsDatabase);
        Assert.Equal(caughtUp.HeadSequence, stored.Sequence);

        // 2. While it is down: a certificate is issued and another revoked, then a day passes and retention deletes every
        //    change (those two included: they reach the read model only through the List calls); one more after the sweep.
        var issued = await writer.IssueCertificateAsync(await IssueAsync(writer, "L9001"));
        var revoked = await RevokeAsync(writer, toRevoke);
        history = [.. history, .. (await ChangeFeeds.ReadUntilCaughtUpAsync(certificates.Factory.CreateChannel(), new WatchChangesRequest { Cursor = caughtUp.Cursor })).Changes];
        certificates.Clock.Advance(TimeSpan.FromHours(25));
        await certificates.Factory.Services.GetRequiredService<ChangeRetentionService>().SweepAsync(CancellationToken.None);
        var young = await writer.IssueCertificateAsync(await IssueAsync(writer, "L9002"));
        var expired = await RpcAssert.ThrowsAsync(StatusCode.FailedPrecondition,
            () => ChangeFeeds.ReadUntilCaughtUpAsync(certificates.Factory.CreateChannel(), new WatchChangesRequest { Cursor = stored.CursorToken }));
        Assert.Equal("CURSOR_EXPIRED", RpcAssert.Reason(expired));
        var (afterSweep, head) = await ChangeFeeds.ReadUntilCaughtUpAsync(certificates.Factory.CreateChannel(), new WatchChangesRequest { Cursor = history[^1].Cursor });
        history = [.. history, .. afterSweep];
        Assert.Equal("certificates/" + young.CertificateNumber, Assert.Single(afterSweep).ResourceName);

        // 3. It starts again on its database: the stored cursor has expired, so it re-syncs from the List calls by itself.
        var resync = new RecordingResync(ResyncOf(certificates));
        await using (var second = StartInsights(insightsDatabase, FeedOf(certificates), resync))
        {
            var progress = second.Services.GetRequiredService<FeedProgress>();
            await progress.WaitForAsync("certificates", head.HeadSequence, TestTimeout.Token);
            Assert.Null(progress.LastFailure("certificates"));
            var record = Assert.Single(progress.Resyncs("certificates"));
            Assert.Equal((CursorExpiredException.Expired, true, head.HeadSequence), (record.Reason, record.Complete, record.HeadSequence));
            Assert.Equal(1, resync.Resyncs);

            // The same rows and figures as a full replay of every change the feed ever published.
            await using var replay = await InsightsHarness.StartAsync(provider);
            await replay.ApplyAsync(history.Select(ToEvent));
            Assert.Equal(await RowsAsync(replay.Database), await RowsAsync(insightsDatabase));
            Assert.Equal(await FiguresAsync(replay.Reader), await FiguresAsync(ReaderOf(second)));
            var rows = await RowsAsync(insightsDatabase);
            Assert.Contains(rows, r => r.ResourceName == "certificates/" + issued.CertificateNumber);
            Assert.Contains("CERTIFICATE_STATUS_REVOKED", Assert.Single(rows, r => r.ResourceName == "certificates/" + revoked.CertificateNumber).StateJson, StringComparison.Ordinal);
            Assert.DoesNotContain(rows, r => r.StateJson.Contains("holderName", StringComparison.Ordinal) || r.StateJson.Contains("张", StringComparison.Ordinal));
            Assert.Equal(head.HeadSequence, (await CursorAsync(insightsDatabase)).Sequence);

            // A change after the re-sync arrives through the feed.
            var later = await writer.IssueCertificateAsync(await IssueAsync(writer, "L9003"));
            await progress.WaitForAsync("certificates", head.HeadSequence + 1, TestTimeout.Token);
            Assert.Contains(await RowsAsync(insightsDatabase), r => r.ResourceName == "certificates/" + later.CertificateNumber);
        }
        Assert.Equal([("certificates", CursorExpiredException.Expired, "complete")], measurements.Resyncs);

        // 4. A restart after the re-sync resumes from the stored cursor: no second re-sync, and what was written meanwhile arrives.
        var afterResync = await CursorAsync(insightsDatabase);
        Assert.Equal(head.HeadSequence + 1, afterResync.Sequence);
        var whileDown = await writer.IssueCertificateAsync(await IssueAsync(writer, "L9004"));
        var feed = new RecordingFeed(FeedOf(certificates));
        var again = new RecordingResync(ResyncOf(certificates));
        await using (var third = StartInsights(insightsDatabase, feed, again))
        {
            var progress = third.Services.GetRequiredService<FeedProgress>();
            await progress.WaitForAsync("certificates", afterResync.Sequence + 1, TestTimeout.Token);
            Assert.Null(progress.LastFailure("certificates"));
            Assert.Equal(afterResync.CursorToken, Assert.Single(feed.ResumedFrom));
            Assert.Equal(0, again.Resyncs);
            Assert.Empty(progress.Resyncs("certificates"));
            Assert.Contains(await RowsAsync(insightsDatabase), r => r.ResourceName == "certificates/" + whileDown.CertificateNumber);
        }
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Resync_ChangesCommittedDuringTheListing_AreAppliedAfterIt(DatabaseProvider provider)
    {
        await using var certificates = await ServiceHost<ChongqingVet.Certificates.Grpc.CertificateGrpcService>.StartAsync(provider, CertificatesSettings);
        var writer = new CertificateService.CertificateServiceClient(certificates.Factory.CreateChannel());
        await CreateTypeAsync(writer);
        var listedFirst = await writer.IssueCertificateAsync(await IssueAsync(writer, "L9100"));
        await using var insightsDatabase = await TestDatabase.CreateAsync(provider);

        // Without a stored cursor the service builds the source from the List calls too. While it lists — after the head
        // was read, right after one certificate was listed — that certificate is revoked and a new one is issued: the
        // listing has the old state of the first (and the second or not, by page), the feed after the head has both changes.
        string? revokedNumber = null;
        string? issuedNumber = null;
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resync = new RecordingResync(ResyncOf(certificates), async listed =>
        {
            if (revokedNumber is not null || listed.ResourceName != "certificates/" + listedFirst.CertificateNumber) return;
            revokedNumber = listedFirst.CertificateNumber;
            await RevokeAsync(writer, listedFirst);
            issuedNumber = (await writer.IssueCertificateAsync(await IssueAsync(writer, "L9101"))).CertificateNumber;
            written.TrySetResult();
        });
        await using var insights = StartInsights(insightsDatabase, FeedOf(certificates), resync);
        var progress = insights.Services.GetRequiredService<FeedProgress>();
        await written.Task.WaitAsync(TestTimeout.Token);
        var (history, head) = await ChangeFeeds.ReadUntilCaughtUpAsync(certificates.Factory.CreateChannel());
        await progress.WaitForAsync("certificates", head.HeadSequence, TestTimeout.Token);
        Assert.Null(progress.LastFailure("certificates"));

        var rows = await RowsAsync(insightsDatabase);
        Assert.Contains("CERTIFICATE_STATUS_REVOKED", Assert.Single(rows, r => r.ResourceName == "certificates/" + revokedNumber).StateJson, StringComparison.Ordinal);
        Assert.Contains(rows, r => r.ResourceName == "certificates/" + issuedNumber);
        var record = Assert.Single(progress.Resyncs("certificates"));
        Assert.Equal((FeedFollower.NoCursor, true), (record.Reason, record.Complete));
        Assert.Equal(head.HeadSequence - 2, record.HeadSequence); // the revocation and the issue came after the head it resumed from
        await using var replay = await InsightsHarness.StartAsync(provider);
        await replay.ApplyAsync(history.Select(ToEvent));
        Assert.Equal(await RowsAsync(replay.Database), rows);
        Assert.Equal(await FiguresAsync(replay.Reader), await FiguresAsync(ReaderOf(insights)));
    }

    internal static GrpcServiceFactory<InsightsGrpcService> StartInsights(TestDatabase database, IChangeSource feed, IResyncSource? resync)
    {
        var settings = database.ToConfiguration();
        settings["SampleData:Enabled"] = "false";
        settings["Insights:MinimumCellSize"] = "1"; // as InsightsHarness: figures compared with its replay, not withheld
        var factory = new GrpcServiceFactory<InsightsGrpcService>(settings, services =>
        {
            services.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow));
            services.AddSingleton(feed);
            if (resync is not null) services.AddSingleton(resync);
        });
        _ = factory.Server;
        return factory;
    }

    private static InsightsService.InsightsServiceClient ReaderOf(GrpcServiceFactory<InsightsGrpcService> insights) =>
        new(insights.CreateChannel(insights.Authority.Issue("gov-system", "government", ["insights.read"])));

    /// <summary>The feed as the insights service reads it: a channel with no token of its own, each stream with changes.read only.</summary>
    private static GrpcChangeSource FeedOf(ServiceHost<ChongqingVet.Certificates.Grpc.CertificateGrpcService> certificates)
    {
        var token = certificates.Factory.Authority.Issue("gov-system", "government", ["changes.read"]);
        return new GrpcChangeSource("certificates", new ChangeFeedService.ChangeFeedServiceClient(certificates.Factory.CreateChannel(null)), _ => Task.FromResult<string?>(token));
    }

    /// <summary>The List calls as the insights service makes them: each call with a token of exactly the scopes it asks for.</summary>
    private static GrpcResyncSource ResyncOf(ServiceHost<ChongqingVet.Certificates.Grpc.CertificateGrpcService> certificates) =>
        new("certificates", certificates.Factory.CreateChannel(null),
            (scope, _) => Task.FromResult<string?>(certificates.Factory.Authority.Issue("gov-system", "government", scope.Split(' '))));

    private const string TypeCode = "MOHRSS-IR-RSY";

    /// <summary>A certificate type of the test token's organisation (the sample types belong to others, who alone may issue them).</summary>
    private static async Task CreateTypeAsync(CertificateService.CertificateServiceClient client) =>
        await client.CreateCertificateTypeAsync(new CreateCertificateTypeRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            CertificateType = new CertificateType
            {
                Code = TypeCode,
                Name = "工业机器人系统运维员",
                Kind = CertificateKind.MohrssSkillLevel,
                OrganisationName = "重庆市职业技能鉴定指导中心",
                OrganisationCreditCode = ChongqingVet.TestKit.Security.TestAuthority.TestOrganisation,
                Active = true,
                Levels = { new CertificateTypeLevel { Level = CertificateLevel.National3, AttestedSkills = { new SkillRef { SkillCode = "IR-OPS", Level = SkillLevel._3Advanced } } } },
            },
        });

    private static Task<IssueCertificateRequest> IssueAsync(CertificateService.CertificateServiceClient client, string learnerId) => Task.FromResult(new IssueCertificateRequest
    {
        RequestId = Guid.NewGuid().ToString(),
        TypeCode = TypeCode,
        Level = CertificateLevel.National3,
        LearnerId = learnerId,
        HolderName = "张三",
        HolderIdNumber = IdNumber(learnerId),
        IssuingOrganisation = "重庆工业职业技术学院",
        IssueDate = new DateOnly(2025, 6, 30).ToProtoDate(),
    });

    /// <summary>A valid national ID number per learner (one certificate per holder, type and level).</summary>
    private static string IdNumber(string learnerId)
    {
        var first17 = "50010319900101" + learnerId[^3..];
        return first17 + ChongqingVet.Domain.Codes.NationalIdNumber.ComputeCheckCharacter(first17);
    }

    private static async Task<Certificate> RevokeAsync(CertificateService.CertificateServiceClient client, Certificate certificate) =>
        await client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = certificate.CertificateNumber, Reason = "issued in error", Etag = certificate.Etag,
        });

    private static ChangeEvent ToEvent(Change change) => new("certificates", change.Sequence, change.Cursor, change.ResourceName, change.ResourceType,
        change.Kind, change.ChangeTime.ToDateTimeOffset(), JsonFormatter.Default.Format(change.State));

    internal sealed record Row(string ResourceName, string ResourceType, string StateJson);

    /// <summary>The read model's rows as the figures see them (name, type, state), in name order.</summary>
    internal static async Task<List<Row>> RowsAsync(TestDatabase database)
    {
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        return (await connection.QueryAsync<Row>(
            "SELECT resource_name AS ResourceName, resource_type AS ResourceType, state_json AS StateJson FROM insight_resources ORDER BY resource_name")).ToList();
    }

    internal static async Task<ReadModelStore.CursorRow> CursorAsync(TestDatabase database, string source = "certificates")
    {
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        return await connection.QuerySingleAsync<ReadModelStore.CursorRow>(
            "SELECT source AS Source, cursor_token AS CursorToken, sequence AS Sequence, applied_at AS AppliedAt FROM insight_cursors WHERE source = @Source",
            new { Source = source });
    }

    /// <summary>The figures certificates feed: supply by every dimension and the achievement outcomes, without compute times.</summary>
    private static async Task<string> FiguresAsync(InsightsService.InsightsServiceClient reader)
    {
        var start = HandDataSet.Day(2020, 1, 1);
        var end = HandDataSet.Day(2027, 12, 31);
        var parts = new List<IMessage>();
        foreach (var dimension in Enum.GetValues<Dimension>())
        {
            var report = await reader.GetSkillSupplyDemandAsync(new GetSkillSupplyDemandRequest { Dimension = dimension, StartDate = start, EndDate = end });
            report.ComputeTime = null;
            parts.Add(report);
        }
        var outcomes = await reader.GetAchievementOutcomesAsync(new GetAchievementOutcomesRequest { StartDate = start, EndDate = end });
        outcomes.ComputeTime = null;
        outcomes.CertificateUptake.ComputeTime = null;
        outcomes.AwardUptake.ComputeTime = null;
        Assert.True(outcomes.CertificatesIssued > 0, outcomes.ToString());
        parts.Add(outcomes);
        return string.Join("\n", parts.Select(p => p.ToString()));
    }

    /// <summary>A feed that records the cursors it was asked to resume from.</summary>
    private sealed class RecordingFeed(IChangeSource inner) : IChangeSource
    {
        public List<string> ResumedFrom { get; } = [];

        public string Source => inner.Source;

        public IAsyncEnumerable<ChangeEvent> WatchAsync(string cursor, IReadOnlyCollection<string> resourceTypes, CancellationToken cancellationToken)
        {
            lock (ResumedFrom) ResumedFrom.Add(cursor);
            return inner.WatchAsync(cursor, resourceTypes, cancellationToken);
        }
    }

    /// <summary>A re-sync source that counts re-syncs and can act after each listed resource (a write during the listing).</summary>
    internal sealed class RecordingResync(IResyncSource inner, Func<ListedResource, Task>? afterEach = null) : IResyncSource
    {
        private int _resyncs;

        public int Resyncs => Volatile.Read(ref _resyncs);

        public string Source => inner.Source;

        public IReadOnlyCollection<string> ListedTypes => inner.ListedTypes;

        public Task<FeedHead> ReadHeadAsync(IReadOnlyCollection<string> resourceTypes, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _resyncs);
            return inner.ReadHeadAsync(resourceTypes, cancellationToken);
        }

        public async IAsyncEnumerable<ListedResource> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var resource in inner.ListAsync(cancellationToken))
            {
                yield return resource;
                if (afterEach is not null) await afterEach(resource);
            }
        }
    }

    /// <summary>The re-sync counter's measurements in this process (only the re-sync tests re-sync; they share a collection), as (source, reason, outcome).</summary>
    internal sealed class ResyncMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string, string, string)> _resyncs = [];

        public ResyncMeasurements()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == FeedMetrics.MeterName && instrument.Name == FeedMetrics.ResyncsName) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                var values = new Dictionary<string, string?>();
                foreach (var tag in tags) values[tag.Key] = tag.Value?.ToString();
                lock (_resyncs) _resyncs.Add((values["source"]!, values["reason"]!, values["outcome"]!));
            });
            _listener.Start();
        }

        public IReadOnlyList<(string, string, string)> Resyncs
        {
            get { lock (_resyncs) return [.. _resyncs]; }
        }

        public void Dispose() => _listener.Dispose();
    }
}
