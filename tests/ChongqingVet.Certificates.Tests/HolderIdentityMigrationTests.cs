using System.Security.Cryptography;
using System.Text;
using ChongqingVet.Certificates.Data;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.Grpc;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Dapper;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace ChongqingVet.Certificates.Tests;

/// <summary>
/// Switching a deployment from AES-256-GCM/HMAC-SHA256 to SM4-GCM/HMAC-SM3: holders are found by ID number before the
/// switch, during the migration (rows of both schemes) and after it (the AES keys gone), the active-holder rule holds
/// across schemes, and the migration is batched, resumable and idempotent.
/// </summary>
public class HolderIdentityMigrationTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    private static readonly byte[] AesKey = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] AesIndexKey = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] Sm4Key = RandomNumberGenerator.GetBytes(16);
    private static readonly byte[] Sm3IndexKey = RandomNumberGenerator.GetBytes(32);

    private static Dictionary<string, string?> Settings(TestDatabase database, bool aes, bool sm4, string? algorithm)
    {
        var settings = database.ToConfiguration();
        if (aes)
        {
            settings["HolderIdentity:EncryptionKey"] = Convert.ToBase64String(AesKey);
            settings["HolderIdentity:BlindIndexKey"] = Convert.ToBase64String(AesIndexKey);
        }
        if (sm4)
        {
            settings["HolderIdentity:Sm4EncryptionKey"] = Convert.ToBase64String(Sm4Key);
            settings["HolderIdentity:Sm3BlindIndexKey"] = Convert.ToBase64String(Sm3IndexKey);
        }
        if (algorithm is not null) settings["HolderIdentity:Algorithm"] = algorithm;
        return settings;
    }

    private static CertificateService.CertificateServiceClient Client(GrpcServiceFactory<CertificateGrpcService> factory) => new(factory.CreateChannel());

    private static async Task AssertFoundAsync(CertificateService.CertificateServiceClient client, IReadOnlyDictionary<string, string> numbers)
    {
        foreach (var (number, idNumber) in numbers)
        {
            var byId = await client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = number, HolderIdNumber = idNumber });
            Assert.Equal(VerificationResult.Valid, byId.Result);
            var byName = await client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = number, HolderName = "张三" });
            Assert.Equal(VerificationResult.Valid, byName.Result);
            var wrong = await client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = number, HolderIdNumber = "11010519491231002X" });
            Assert.Equal(VerificationResult.NotFound, wrong.Result);
            Assert.Equal("张三", (await client.GetCertificateAsync(new GetCertificateRequest { CertificateNumber = number })).HolderName);
        }
    }

    private sealed record StoredRow(string CertificateNumber, byte[] HolderIdEnc, byte[] HolderIdIndex, byte[] HolderNameEnc);

    private static async Task<List<StoredRow>> RowsAsync(TestDatabase database)
    {
        await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<StoredRow>(
            "SELECT certificate_number AS CertificateNumber, holder_id_enc AS HolderIdEnc, holder_id_index AS HolderIdIndex, holder_name_enc AS HolderNameEnc FROM certificates ORDER BY certificate_number")];
    }

    private static byte[] Sm3Index(string idNumber) => HmacSm3.Compute(Sm3IndexKey, Encoding.UTF8.GetBytes("id:" + idNumber));

    [Theory, MemberData(nameof(Providers))]
    public async Task Migration_FromAesToSm4_HoldersAreFoundBeforeDuringAndAfter(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var numbers = new Dictionary<string, string>(); // certificate number → holder ID number

        // Before: the default scheme.
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(Settings(database, aes: true, sm4: false, algorithm: null)))
        {
            var client = Client(factory);
            await client.CreateCertificateTypeAsync(new CreateCertificateTypeRequest { RequestId = Guid.NewGuid().ToString(), CertificateType = CertificateServiceHarness.RobotOperatorType() });
            for (var i = 0; i < 5; i++)
            {
                var id = StreamImportTests.IdNumber(i);
                numbers[(await client.IssueCertificateAsync(CertificateServiceHarness.Issue($"L{i:D4}", id))).CertificateNumber] = id;
            }
            await AssertFoundAsync(client, numbers);
        }
        Assert.All(await RowsAsync(database), r => Assert.Equal(12 + 18 + 16, r.HolderIdEnc.Length)); // unmarked AES, as before schemes

        // During: SM4 writes, both schemes read; rows of both kinds exist.
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(Settings(database, aes: true, sm4: true, algorithm: "SM4-GCM/HMAC-SM3")))
        {
            var client = Client(factory);
            await AssertFoundAsync(client, numbers);
            var fresh = StreamImportTests.IdNumber(10);
            var issued = await client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0010", fresh));
            numbers[issued.CertificateNumber] = fresh;
            Assert.Equal(HolderIdentityScheme.Sm4Version, (await RowsAsync(database)).Single(r => r.CertificateNumber == issued.CertificateNumber).HolderIdEnc[0]);

            // The one-active-certificate rule sees a holder whose row is still under AES, one by one and in a batch.
            var again = await Assert.ThrowsAsync<RpcException>(async () => await client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0000", StreamImportTests.IdNumber(0))));
            Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);
            using (var import = client.ImportCertificates())
            {
                await import.RequestStream.WriteAsync(StreamImportTests.Item(1)); // holder 1: AES row, active
                await import.RequestStream.WriteAsync(StreamImportTests.Item(10)); // holder 10: SM4 row, active
                await import.RequestStream.CompleteAsync();
                var response = await import;
                Assert.Equal(0, response.CreatedCount);
                Assert.Equal(2, response.DuplicateCount);
            }

            var migration = new HolderIdentityMigration(factory.Services.GetRequiredService<IDbConnectionFactory>(), factory.Services.GetRequiredService<HolderIdentityProtector>());
            // One batch of two, then stop: a half-migrated table.
            var first = await migration.MigrateBatchAsync(string.Empty, 2, CancellationToken.None);
            Assert.Equal((2, 2, 0), (first.Scanned, first.Rewritten, first.Changed));
            Assert.NotNull(first.Last);
            var rows = await RowsAsync(database);
            Assert.Equal(3, rows.Count(r => r.HolderIdEnc[0] == HolderIdentityScheme.Sm4Version && r.HolderIdEnc.Length == 1 + 12 + 18 + 16));
            await AssertFoundAsync(client, numbers);

            // Resume after the batch's last number, in batches of two.
            var batches = new List<HolderIdentityMigration.Batch>();
            var totals = await migration.RunAsync(first.Last!, 2, batches.Add, CancellationToken.None);
            Assert.Equal(4, totals.Scanned);
            Assert.Equal(3, totals.Rewritten); // the fresh SM4 row is left alone
            Assert.Equal(0, totals.Changed);
            Assert.True(batches.Count >= 2);
            await AssertFoundAsync(client, numbers);

            // Idempotent: a second run rewrites nothing.
            var rerun = await migration.RunAsync(string.Empty, 2, null, CancellationToken.None);
            Assert.Equal((6L, 0L), (rerun.Scanned, rerun.Rewritten));

            // The command the operator runs: exit 0 when every row is under the current scheme; 2 on a bad argument.
            var output = new StringWriter();
            Assert.Equal(0, await HolderIdentityMigration.RunCommandAsync(factory.Services, [HolderIdentityMigration.Command, "--batch-size", "4"], output, CancellationToken.None));
            Assert.Contains("done: scanned 6, rewrote 0", output.ToString(), StringComparison.Ordinal);
            Assert.Equal(2, await HolderIdentityMigration.RunCommandAsync(factory.Services, [HolderIdentityMigration.Command, "--batch-size"], new StringWriter(), CancellationToken.None));
        }
        foreach (var row in await RowsAsync(database))
        {
            Assert.Equal(HolderIdentityScheme.Sm4Version, row.HolderIdEnc[0]);
            Assert.Equal(HolderIdentityScheme.Sm4Version, row.HolderNameEnc[0]);
            Assert.Equal(Sm3Index(numbers[row.CertificateNumber]), row.HolderIdIndex);
            Assert.Equal(numbers[row.CertificateNumber], Encoding.UTF8.GetString(Sm4GcmFieldCipher.Open(Sm4Key, row.HolderIdEnc[1..13], row.HolderIdEnc[13..], null)));
        }

        // After: only the SM4 keys (the AES keys removed); everything is found and readable, credentials still work.
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(Settings(database, aes: false, sm4: true, algorithm: "SM4-GCM/HMAC-SM3")))
        {
            var client = Client(factory);
            await AssertFoundAsync(client, numbers);
            var credential = await client.GetCertificateCredentialAsync(new GetCertificateCredentialRequest { CertificateNumber = numbers.Keys.First() });
            Assert.True((await client.VerifyCredentialAsync(new VerifyCredentialRequest { Jws = credential.Jws })).Verified);
        }
    }

    [Fact]
    public async Task Start_WithHalfOfTheOtherSchemesKeys_OrAnUnknownAlgorithm_Fails()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var half = Settings(database, aes: true, sm4: false, algorithm: null);
        half["HolderIdentity:Sm4EncryptionKey"] = Convert.ToBase64String(Sm4Key);
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(half))
        {
            var error = Assert.ThrowsAny<Exception>(() => factory.Server);
            Assert.Contains("HolderIdentity:Sm3BlindIndexKey", error.ToString(), StringComparison.Ordinal);
        }
        var unknown = Settings(database, aes: true, sm4: true, algorithm: "SM4-ECB/MD5");
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(unknown))
        {
            var error = Assert.ThrowsAny<Exception>(() => factory.Server);
            Assert.Contains("HolderIdentity:Algorithm", error.ToString(), StringComparison.Ordinal);
        }
        var shortKey = Settings(database, aes: true, sm4: true, algorithm: "SM4-GCM/HMAC-SM3");
        shortKey["HolderIdentity:Sm4EncryptionKey"] = Convert.ToBase64String(new byte[32]);
        await using (var factory = new GrpcServiceFactory<CertificateGrpcService>(shortKey))
        {
            var error = Assert.ThrowsAny<Exception>(() => factory.Server);
            Assert.Contains("HolderIdentity:Sm4EncryptionKey must decode to 16 bytes", error.ToString(), StringComparison.Ordinal);
        }
    }
}
