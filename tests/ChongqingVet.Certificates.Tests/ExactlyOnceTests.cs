using ChongqingVet.Certificates.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Microsoft.Extensions.DependencyInjection;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ChongqingVet.Certificates.Tests;

/// <summary>Exactly-once writes over gRPC: concurrent twins, replay before validation, request_id on updates.</summary>
public class ExactlyOnceTests
{
    private const int Twins = 64;

    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task IssueCertificate_SixtyFourConcurrentTwins_OneCertificateAndByteIdenticalResponses(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var request = CertificateServiceHarness.Issue();

        var responses = await TwinsAsync(harness, () => harness.Client.IssueCertificateAsync(request).ResponseAsync);

        Assert.Single(responses.Select(r => r.ToByteString().ToBase64()).Distinct());
        Assert.Equal(1L, await CountAsync(harness, "SELECT COUNT(*) FROM certificates"));
        Assert.Equal(1L, await CountAsync(harness, "SELECT COUNT(*) FROM idempotency_keys WHERE operation = 'IssueCertificate'"));
    }

    /// <summary>Before: most twins got ABORTED or FAILED_PRECONDITION (no unique index collides; they saw the revoked state).</summary>
    [Theory, MemberData(nameof(Providers))]
    public async Task RevokeCertificate_SixtyFourConcurrentTwins_OneRevocationAndByteIdenticalResponses(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var issued = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());
        var request = new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = issued.CertificateNumber, Reason = "考核舞弊", Etag = issued.Etag,
        };

        var responses = await TwinsAsync(harness, () => harness.Client.RevokeCertificateAsync(request).ResponseAsync);

        Assert.Single(responses.Select(r => r.ToByteString().ToBase64()).Distinct());
        Assert.Equal(CertificateStatus.Revoked, responses[0].Status);
        Assert.NotEqual(issued.Etag, responses[0].Etag);
        // One revocation: the version moved exactly one step.
        var current = await harness.Client.GetCertificateAsync(new GetCertificateRequest { CertificateNumber = issued.CertificateNumber });
        Assert.Equal(responses[0].Etag, current.Etag);
        Assert.Equal(1L, await CountAsync(harness, "SELECT COUNT(*) FROM idempotency_keys WHERE operation = 'RevokeCertificate'"));
    }

    /// <summary>A retry after a rule changed (here: the type was deactivated) gets the stored certificate, not INVALID_ARGUMENT.</summary>
    [Theory, MemberData(nameof(Providers))]
    public async Task IssueCertificate_RetryAfterTheTypeWasDeactivated_ReplaysBeforeValidation(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        var type = await harness.CreateTypeAsync();
        var request = CertificateServiceHarness.Issue();
        var first = await harness.Client.IssueCertificateAsync(request);
        type.Active = false;
        await harness.Client.UpdateCertificateTypeAsync(new UpdateCertificateTypeRequest
        {
            CertificateType = type, UpdateMask = new FieldMask { Paths = { "active" } }, RequestId = Guid.NewGuid().ToString(),
        });

        var retried = await harness.Client.IssueCertificateAsync(request);
        Assert.Equal(first.ToByteArray(), retried.ToByteArray());

        // The same content under a new request_id is a new request, and the rule applies to it.
        var fresh = request.Clone();
        fresh.RequestId = Guid.NewGuid().ToString();
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.IssueCertificateAsync(fresh).ResponseAsync, "type_code");
        // The same request_id with other content stays INVALID_ARGUMENT on request_id.
        var other = request.Clone();
        other.LearnerId = "L0002";
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.IssueCertificateAsync(other).ResponseAsync, "request_id");
        Assert.Equal(1L, await CountAsync(harness, "SELECT COUNT(*) FROM certificates"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task UpdateCertificateType_RetryWithRequestId_ReplaysInsteadOfAborting(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        var type = await harness.CreateTypeAsync();
        type.Name = "工业机器人系统操作员（2026版）";
        var update = new UpdateCertificateTypeRequest
        {
            CertificateType = type, UpdateMask = new FieldMask { Paths = { "name" } }, RequestId = Guid.NewGuid().ToString(),
        };

        var first = await harness.Client.UpdateCertificateTypeAsync(update);
        var retried = await harness.Client.UpdateCertificateTypeAsync(update);

        Assert.Equal(first.ToByteArray(), retried.ToByteArray());
        var current = await harness.Client.GetCertificateTypeAsync(new GetCertificateTypeRequest { Code = type.Code });
        Assert.Equal(first.Etag, current.Etag); // updated once
        // With a new request_id the same change is a new write, and its etag is stale now.
        update.RequestId = Guid.NewGuid().ToString();
        await RpcAssert.ThrowsAsync(StatusCode.Aborted, () => harness.Client.UpdateCertificateTypeAsync(update).ResponseAsync);
    }

    private static async Task<T[]> TwinsAsync<T>(CertificateServiceHarness harness, Func<Task<T>> call)
    {
        // Idle pooled connections in the service, so the twins' transactions really overlap.
        await ConnectionPool.WarmAsync(harness.Factory.Services.GetRequiredService<IDbConnectionFactory>());
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, Twins).Select(async _ =>
        {
            await start.Task;
            return await call();
        }).ToArray();
        start.SetResult(); // all twins leave the gate together
        return await Task.WhenAll(calls);
    }

    private static async Task<long> CountAsync(CertificateServiceHarness harness, string sql)
    {
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
