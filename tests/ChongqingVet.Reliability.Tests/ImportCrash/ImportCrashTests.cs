using System.Diagnostics;
using System.Globalization;
using ChongqingVet.AppHost;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Reliability.Tests.DeadBackend;
using ChongqingVet.TestKit.Databases;
using Dapper;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace ChongqingVet.Reliability.Tests.ImportCrash;

/// <summary>
/// Battery item 1: the certificates service, a real process, is killed with SIGKILL in the middle of a streamed
/// 20,000-item import after some batches were acknowledged; after a restart the client re-sends every item with the
/// same request_ids, and every item exists exactly once, each acknowledged item with the number it was acknowledged with.
/// </summary>
public sealed class ImportCrashTests(ITestOutputHelper output)
{
    private const int ItemCount = 20_000;
    private const int BatchSize = 500;
    private const int AcksBeforeKill = 6;

    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task StreamedImport_KilledAfterAcks_ResumedWithSameRequestIds_EveryItemExactlyOnce(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var dataDirectory = Directory.CreateTempSubdirectory("cqv-importcrash-").FullName;
        var offset = LocalSuite.FreeOffset();
        var certificatesMember = SuiteLayout.Services.Single(m => m.Name == "certificates");
        var environment = SuiteLayout.Environment(certificatesMember, dataDirectory, offset);
        environment["Database__Provider"] = provider.ToString();
        environment["ConnectionStrings__Database"] = database.ConnectionString;
        environment["Import__BatchSize"] = BatchSize.ToString(CultureInfo.InvariantCulture);
        environment["Logging__LogLevel__Default"] = "Warning";
        // As in production: a fingerprint key that survives the restart (outside Production a missing key is random per
        // process, and every replay after a restart would be refused as "another request").
        environment["Idempotency__HashKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using var identity = new SuiteProcess(SuiteLayout.Identity, SuiteLayout.IdentityEnvironment(dataDirectory, offset), contentRootIsProject: true);
        await using var service = new SuiteProcess(certificatesMember, environment);
        try
        {
            identity.Start();
            service.Start();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var ready = $"http://127.0.0.1:{certificatesMember.HttpPort + offset}/healthz/ready";
            await LocalSuite.WaitForAsync(http, $"{SuiteLayout.Authority(offset)}healthz", identity);
            await LocalSuite.WaitForAsync(http, ready, service);
            // The development institution client owns the sample type MOHRSS-IR-OPS (seeded by SampleData).
            var token = await LocalSuite.GetTokenAsync(http, offset, "institution-cqipc", "institution-cqipc-dev-secret", "certificates.issue certificates.read");
            var headers = new Metadata { { "authorization", "Bearer " + token } };
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{certificatesMember.GrpcPort + offset}");
            var client = new CertificateService.CertificateServiceClient(channel);
            var items = Enumerable.Range(0, ItemCount).Select(Item).ToList();

            // 1. Stream everything; after AcksBeforeKill acknowledged batches, kill -9.
            var acknowledged = new Dictionary<long, ImportItemAck>();
            var watch = Stopwatch.StartNew();
            using (var call = client.StreamImportCertificates(headers))
            {
                var writer = WriteAllAsync(call.RequestStream, items);
                var acks = 0;
                while (acks < AcksBeforeKill && await call.ResponseStream.MoveNext())
                {
                    acks++;
                    foreach (var item in call.ResponseStream.Current.Items) acknowledged.Add(item.Index, item);
                }
                Assert.Equal(AcksBeforeKill, acks);
                service.KillHard();
                await Assert.ThrowsAnyAsync<Exception>(() => writer); // the stream broke under it
            }
            var beforeKill = watch.Elapsed;
            Assert.Equal(AcksBeforeKill * BatchSize, acknowledged.Count);
            Assert.All(acknowledged.Values, a => Assert.Equal(ImportOutcome.Created, a.Result.Outcome));

            // 2. Restart with the same settings and the same database, and re-send every item.
            var restart = Stopwatch.StartNew();
            service.Start();
            await LocalSuite.WaitForAsync(http, ready, service);
            var readyAfter = restart.Elapsed;
            var resumed = new List<ImportItemAck>(ItemCount);
            using (var call = client.StreamImportCertificates(headers))
            {
                var writer = WriteAllAsync(call.RequestStream, items);
                await foreach (var ack in call.ResponseStream.ReadAllAsync()) resumed.AddRange(ack.Items);
                await writer;
            }
            var resumedIn = restart.Elapsed;

            // 3. Every item exactly once; every acknowledged item unchanged; nothing invalid.
            Assert.Equal(Enumerable.Range(0, ItemCount).Select(i => (long)i), resumed.Select(a => a.Index));
            Assert.All(resumed, a => Assert.NotEqual(ImportOutcome.Invalid, a.Result.Outcome));
            foreach (var (index, ack) in acknowledged)
            {
                Assert.Equal(ImportOutcome.Duplicate, resumed[(int)index].Result.Outcome);
                Assert.Equal(ack.Result.CertificateNumber, resumed[(int)index].Result.CertificateNumber);
            }
            var replayed = resumed.Count(a => a.Result.Outcome == ImportOutcome.Duplicate);
            await using var connection = await database.Factory.OpenAsync(CancellationToken.None);
            var rows = (await connection.QueryAsync<(string LearnerId, string CertificateNumber)>(
                "SELECT learner_id AS LearnerId, certificate_number AS CertificateNumber FROM certificates WHERE learner_id LIKE 'K%'")).ToList();
            Assert.Equal(ItemCount, rows.Count);
            Assert.Equal(ItemCount, rows.Select(r => r.LearnerId).Distinct().Count());
            var numberOf = rows.ToDictionary(r => r.LearnerId, r => r.CertificateNumber);
            Assert.All(resumed, a => Assert.Equal(numberOf[items[(int)a.Index].LearnerId], a.Result.CertificateNumber));

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"import-crash {provider}: {ItemCount} items, batch {BatchSize}; {acknowledged.Count / beforeKill.TotalSeconds:0} items/s before kill; " +
                $"{acknowledged.Count} acknowledged at kill (plus {replayed - acknowledged.Count} committed unacknowledged, replayed); " +
                $"restart to ready {readyAfter.TotalSeconds:0.0} s; resume of all {ItemCount} {resumedIn.TotalSeconds:0.0} s after restart"));
        }
        catch (Exception failure) when (failure is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{failure.Message}\nservice output:\n{service.Output}", failure);
        }
        finally
        {
            try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task WriteAllAsync(IClientStreamWriter<StreamImportCertificatesRequest> stream, IEnumerable<ImportCertificatesRequest> items)
    {
        foreach (var item in items) await stream.WriteAsync(new StreamImportCertificatesRequest { Item = item });
        await stream.CompleteAsync();
    }

    /// <summary>Item i: a learner K0000000… with a synthetic ID number born 1990–1998 (the sample learners are born 2005–2006).</summary>
    private static ImportCertificatesRequest Item(int i)
    {
        var first17 = $"500118{new DateOnly(1990, 1, 1).AddDays(i % 3000):yyyyMMdd}{i / 3000 % 1000:D3}";
        return new ImportCertificatesRequest
        {
            RequestId = new Guid(i, 0x4c55, 0x1f8e, [0xa1, 0x7b, 0x6c, 0x5d, 0x4e, 0x3f, 0x20, 0x11]).ToString(), // the same per item in both runs
            ClientReference = "row-" + i.ToString(CultureInfo.InvariantCulture),
            TypeCode = "MOHRSS-IR-OPS",
            Level = CertificateLevel.National4,
            LearnerId = $"K{i:D7}",
            HolderName = $"学员{i}",
            HolderIdNumber = first17 + NationalIdNumber.ComputeCheckCharacter(first17),
            IssuingOrganisation = "重庆工业职业技术学院",
            IssueDate = new DateOnly(2025, 7, 1).ToProtoDate(),
        };
    }
}
