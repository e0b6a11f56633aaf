using ChongqingVet.ServiceDefaults.Security;
using ChongqingVet.TestKit.Security;
using System.Data;
using ChongqingVet.Data;
using ChongqingVet.JobPostings.Grpc;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.ServiceDefaults;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Dapper;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChongqingVet.Reliability.Tests;

/// <summary>
/// Transient database faults reach callers as retryable statuses, never INTERNAL: UNAVAILABLE with reason
/// DATABASE_UNAVAILABLE, or ABORTED with DATABASE_CONFLICT, each with a google.rpc.RetryInfo. Real engines, real
/// errors, the real job postings service (or, for a serialization failure, which no service call provokes on demand,
/// a one-method test service on the same hosting defaults).
/// </summary>
public sealed class TransientFaultTests
{
    [Fact]
    public async Task CreateSkill_SqliteWriteLockHeldBeyondBusyTimeout_UnavailableThenRetrySucceeds()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var settings = database.ToConfiguration();
        // The busy timeout for this test: one second (the connection string's Default Timeout), not 30.
        settings["ConnectionStrings:Database"] = database.ConnectionString + ";Default Timeout=1";
        await using var service = new GrpcServiceFactory<JobPostingGrpcService>(settings);
        var client = new JobPostingService.JobPostingServiceClient(service.CreateChannel());
        var request = NewSkillRequest("IR-OPS");

        await using (var holder = new SqliteConnection(database.ConnectionString))
        {
            await holder.OpenAsync();
            await holder.ExecuteAsync("BEGIN IMMEDIATE");

            var error = await RpcAssert.ThrowsAsync(StatusCode.Unavailable, async () => await client.CreateSkillAsync(request));

            AssertRetryable(error, "DATABASE_UNAVAILABLE");
            await holder.ExecuteAsync("ROLLBACK");
        }

        // The lock is gone: the same request (same request_id) now succeeds.
        var created = await client.CreateSkillAsync(request);
        Assert.Equal("IR-OPS", created.Code);
    }

    [Fact]
    public async Task CreateSkill_PostgresPooledConnectionsTerminated_UnavailableThenRetrySucceeds()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await using var service = new GrpcServiceFactory<JobPostingGrpcService>(database.ToConfiguration());
        var client = new JobPostingService.JobPostingServiceClient(service.CreateChannel());
        await client.ListSkillsAsync(new ListSkillsRequest()); // a pooled connection now exists
        await TerminateBackendsAsync(database, waitingForLockOnly: false);

        var request = NewSkillRequest("IR-OPS");
        var error = await RpcAssert.ThrowsAsync(StatusCode.Unavailable, async () => await client.CreateSkillAsync(request));

        AssertRetryable(error, "DATABASE_UNAVAILABLE");
        Assert.Equal("IR-OPS", (await client.CreateSkillAsync(request)).Code);
    }

    [Fact]
    public async Task CreateSkill_PostgresConnectionTerminatedMidCall_Unavailable()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await using var service = new GrpcServiceFactory<JobPostingGrpcService>(database.ToConfiguration());
        var client = new JobPostingService.JobPostingServiceClient(service.CreateChannel());

        // Another session locks the tables the call writes, so the call is provably in the middle of its transaction
        // (waiting on the lock) when its connection is cut.
        await using var locker = new NpgsqlConnection(database.ConnectionString);
        await locker.OpenAsync();
        await using var transaction = await locker.BeginTransactionAsync();
        await locker.ExecuteAsync("LOCK TABLE skills, idempotency_keys IN ACCESS EXCLUSIVE MODE", transaction: transaction);

        var call = client.CreateSkillAsync(NewSkillRequest("IR-OPS")).ResponseAsync;
        await WaitUntilAsync(async () => await CountBackendsWaitingForLockAsync(database) > 0);
        await TerminateBackendsAsync(database, waitingForLockOnly: true);

        var error = await RpcAssert.ThrowsAsync(StatusCode.Unavailable, () => call);
        AssertRetryable(error, "DATABASE_UNAVAILABLE");
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task Call_PostgresSerializationFailure_AbortedWithRetryInfo()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(database.ToConfiguration());
        builder.Configuration[DevelopmentKeys.AllowSetting] = "true";
        TestAuthority.Shared.TrustedBy(builder);
        builder.AddServiceDefaults("faults");
        builder.Services.AddAccessRules(JobPostingService.Descriptor, ChongqingVet.JobPostings.Grpc.JobPostingAccess.Rules);
        builder.AddDatabase(typeof(TransientFaultTests).Assembly); // no scripts of its own: the shared ones only
        await using var app = builder.Build();
        app.MapServiceDefaults();
        app.MapGrpcService<SerializationConflictService>();
        await app.StartAsync();
        var client = new JobPostingService.JobPostingServiceClient(
            GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = new BearerTokenHandler(TestAuthority.Shared.SuperUserToken(), app.GetTestServer().CreateHandler()) }));

        var error = await RpcAssert.ThrowsAsync(StatusCode.Aborted, async () => await client.CreateSkillAsync(NewSkillRequest("IR-OPS")));

        AssertRetryable(error, "DATABASE_CONFLICT");
        await app.StopAsync();
    }

    /// <summary>Reads a row in a REPEATABLE READ transaction, lets another session commit a change to it, then updates it.</summary>
    private sealed class SerializationConflictService(IDbConnectionFactory database) : JobPostingService.JobPostingServiceBase
    {
        public override async Task<Skill> CreateSkill(CreateSkillRequest request, ServerCallContext context)
        {
            await using var connection = await database.OpenAsync(context.CancellationToken);
            await connection.ExecuteAsync("CREATE TABLE counters (id INT PRIMARY KEY, n INT NOT NULL); INSERT INTO counters (id, n) VALUES (1, 0)");
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, context.CancellationToken);
            await connection.ExecuteScalarAsync<int>("SELECT n FROM counters WHERE id = 1", transaction: transaction);
            await using (var other = await database.OpenAsync(context.CancellationToken))
                await other.ExecuteAsync("UPDATE counters SET n = n + 1 WHERE id = 1");
            await connection.ExecuteAsync("UPDATE counters SET n = n + 1 WHERE id = 1", transaction: transaction); // 40001
            await transaction.CommitAsync(context.CancellationToken);
            return request.Skill;
        }
    }

    private static void AssertRetryable(RpcException error, string reason)
    {
        var status = error.GetRpcStatus()!;
        var info = status.GetDetail<ErrorInfo>();
        Assert.Equal(reason, info.Reason);
        Assert.Equal("chongqingvet." + (reason == "DATABASE_CONFLICT" ? "faults" : "jobpostings"), info.Domain);
        Assert.Equal(TimeSpan.FromSeconds(1), status.GetDetail<RetryInfo>()?.RetryDelay.ToTimeSpan());
        // No driver text reaches the caller.
        Assert.DoesNotContain("Npgsql", error.Status.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SQLite", error.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    private static CreateSkillRequest NewSkillRequest(string code) => new()
    {
        RequestId = Guid.NewGuid().ToString(),
        Skill = new Skill
        {
            Code = code,
            NameZh = "技能" + code,
            NameEn = "Skill " + code,
            Category = "工业机器人",
            Cluster = "智能装备及智能制造",
            OccupationCodes = { "6-30-99-00" },
        },
    };

    private static string AdminConnectionString =>
        Environment.GetEnvironmentVariable(TestDatabase.PostgresVariable) ?? throw new InvalidOperationException(TestDatabase.PostgresVariable + " is not set");

    private static string DatabaseName(TestDatabase database) => new NpgsqlConnectionStringBuilder(database.ConnectionString).Database!;

    private static async Task<long> CountBackendsWaitingForLockAsync(TestDatabase database)
    {
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        return await admin.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = @name AND wait_event_type = 'Lock'", new { name = DatabaseName(database) });
    }

    /// <summary>pg_terminate_backend of the database's sessions (all, or only those waiting for a lock), except the admin's own.</summary>
    private static async Task TerminateBackendsAsync(TestDatabase database, bool waitingForLockOnly)
    {
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        var terminated = await admin.ExecuteScalarAsync<long>(
            """
            SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE datname = @name AND pid <> pg_backend_pid() AND (NOT @waitingForLockOnly OR wait_event_type = 'Lock')
            """,
            new { name = DatabaseName(database), waitingForLockOnly });
        Assert.True(terminated > 0, "no session of the service was there to terminate");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 30 s");
            await Task.Delay(50);
        }
    }
}
