using ChongqingVet.ServiceDefaults.Security;
using ChongqingVet.TestKit.Security;
using ChongqingVet.Audit.V1;
using ChongqingVet.Data.Audit;
using ChongqingVet.ServiceDefaults;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Dapper;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using AuditRecord = ChongqingVet.Data.Audit.AuditRecord;

namespace ChongqingVet.Data.Tests;

public class AuditGrpcServiceTests
{
    private const string ListMethod = "/chongqingvet.audit.v1.AuditService/ListAuditRecords";

    /// <summary>A minimal service in memory: service defaults, a migrated database, AddAudit and MapAudit — what each module calls.</summary>
    private sealed class AuditHost : IAsyncDisposable
    {
        private AuditHost(TestDatabase database, WebApplication app)
        {
            Database = database;
            App = app;
            Channel = GrpcChannel.ForAddress(app.GetTestServer().BaseAddress, new GrpcChannelOptions
            {
                HttpHandler = new BearerTokenHandler(TestAuthority.Shared.Issue("auditor-console", "auditor", ["audit.read"]), app.GetTestServer().CreateHandler()),
            });
            Client = new AuditService.AuditServiceClient(Channel);
        }

        public TestDatabase Database { get; }
        public WebApplication App { get; }
        public GrpcChannel Channel { get; }
        public AuditService.AuditServiceClient Client { get; }
        public AuditLog Log => App.Services.GetRequiredService<AuditLog>();

        public static async Task<AuditHost> StartAsync(DatabaseProvider provider)
        {
            var database = await TestDatabase.CreateAsync(provider);
            var app = Build(database);
            app.MapAudit();
            await app.StartAsync();
            return new AuditHost(database, app);
        }

        public static WebApplication Build(TestDatabase database)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
            builder.WebHost.UseTestServer();
            builder.Configuration.AddInMemoryCollection(database.ToConfiguration());
            builder.Configuration[DevelopmentKeys.AllowSetting] = "true"; // no Audit:HmacKey: the keyless SHA-256 chain
            TestAuthority.Shared.TrustedBy(builder);
            builder.AddServiceDefaults("audit-test");
            builder.Services.AddAccessRules(AuditService.Descriptor, AuditAccess.Rules);
            builder.AddDatabase(typeof(AuditGrpcServiceTests).Assembly);
            builder.AddAudit();
            return builder.Build();
        }

        public async Task<int> ExecuteAsync(string sql)
        {
            await using var connection = await Database.Factory.OpenAsync(CancellationToken.None);
            return await connection.ExecuteAsync(sql);
        }

        public async ValueTask DisposeAsync()
        {
            Channel.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    private static AuditRecord Record(string resource) =>
        new("cqv-registrar", "u-1001", "/chongqingvet.courses.v1.CourseService/GetLearner", resource, AuditOutcome.Ok, string.Empty);

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ListAuditRecords_FilteredAndPaged_ReturnsChainOrderAndAuditsTheRead(DatabaseProvider provider)
    {
        await using var host = await AuditHost.StartAsync(provider);
        foreach (var resource in (string[])["learners/L0001", "learners/L0002", "learners/L0001", "learners/L0001", "learners/L0002"])
            await host.Log.AppendAsync(Record(resource), CancellationToken.None);

        var first = await host.Client.ListAuditRecordsAsync(new ListAuditRecordsRequest { Resource = "learners/L0001", PageSize = 2 });
        var second = await host.Client.ListAuditRecordsAsync(new ListAuditRecordsRequest { Resource = "learners/L0001", PageSize = 2, PageToken = first.NextPageToken });
        var reads = await host.Client.ListAuditRecordsAsync(new ListAuditRecordsRequest { Resource = AuditGrpcService.ListResource });

        Assert.Equal([1L, 3], first.AuditRecords.Select(r => r.Sequence));
        Assert.NotEmpty(first.NextPageToken);
        Assert.Equal([4L], second.AuditRecords.Select(r => r.Sequence));
        Assert.Empty(second.NextPageToken);
        var secondRecord = (await host.Log.ListAsync(1, null, null, 1, CancellationToken.None)).Items[0];
        Assert.Equal(first.AuditRecords[0].Hash.ToByteArray(), secondRecord.PreviousHash);
        // The first two list calls were recorded before their records left the service (the third one after this page).
        Assert.Equal([6L, 7L], reads.AuditRecords.Select(r => r.Sequence));
        Assert.All(reads.AuditRecords, r => Assert.Equal((ListMethod, "OK"), (r.Method, r.Outcome)));
    }

    [Fact]
    public async Task ListAuditRecords_TokenOfAnotherFilter_IsInvalidArgumentAndAudited()
    {
        await using var host = await AuditHost.StartAsync(DatabaseProvider.Sqlite);
        for (var i = 0; i < 3; i++) await host.Log.AppendAsync(Record("learners/L0001"), CancellationToken.None);
        var page = await host.Client.ListAuditRecordsAsync(new ListAuditRecordsRequest { Resource = "learners/L0001", PageSize = 1 });

        await RpcAssert.InvalidArgumentAsync(async () => await host.Client.ListAuditRecordsAsync(
            new ListAuditRecordsRequest { Resource = "learners/L0002", PageSize = 1, PageToken = page.NextPageToken }), "page_token");

        var last = (await host.Log.ListAsync(0, AuditGrpcService.ListResource, null, 10, CancellationToken.None)).Items;
        Assert.Equal(["OK", "INVALID_ARGUMENT"], last.Select(r => r.Outcome));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task VerifyAuditChain_IntactThenEdited_ReportsTheFirstBrokenSequence(DatabaseProvider provider)
    {
        await using var host = await AuditHost.StartAsync(provider);
        for (var i = 1; i <= 4; i++) await host.Log.AppendAsync(Record($"learners/L000{i}"), CancellationToken.None);

        var intact = await host.Client.VerifyAuditChainAsync(new VerifyAuditChainRequest());
        await host.ExecuteAsync("UPDATE audit_log SET resource = 'learners/L0009' WHERE sequence = 2");
        var broken = await host.Client.VerifyAuditChainAsync(new VerifyAuditChainRequest());

        Assert.Equal((true, 4L, 0L, AuditChainBreak.Unspecified, 4L), (intact.Ok, intact.RecordsChecked, intact.FirstBrokenSequence, intact.Reason, intact.LastSequence));
        Assert.Equal("SHA-256", intact.Algorithm);
        Assert.Equal((false, 1L, 2L, AuditChainBreak.Edited), (broken.Ok, broken.RecordsChecked, broken.FirstBrokenSequence, broken.Reason));
        Assert.NotEmpty(broken.Detail);
    }

    [Fact]
    public async Task RunOrMigrateAsync_VerifyAudit_ExitsZeroWhenIntactAndOneWhenBroken()
    {
        await using var host = await AuditHost.StartAsync(DatabaseProvider.Sqlite);
        for (var i = 1; i <= 3; i++) await host.Log.AppendAsync(Record($"learners/L000{i}"), CancellationToken.None);
        // The command runs in a process of its own that does not serve: a second, unstarted application on the same database.
        await using var command = AuditHost.Build(host.Database);

        var intact = await command.RunOrMigrateAsync([AuditCommand.VerifyAuditCommand]);
        await host.ExecuteAsync("DELETE FROM audit_log WHERE sequence = 2");
        var broken = await command.RunOrMigrateAsync([AuditCommand.VerifyAuditCommand]);
        var output = new StringWriter();
        var again = await AuditCommand.RunAsync(command.Services, output, CancellationToken.None);

        Assert.Equal((0, 1, 1), (intact, broken, again));
        Assert.Contains("sequence 2", output.ToString(), StringComparison.Ordinal);
        Assert.Contains(nameof(AuditBreak.Deleted), output.ToString(), StringComparison.Ordinal);
    }
}
