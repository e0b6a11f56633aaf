using System.Diagnostics;
using ChongqingVet.Certificates;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Identity;
using ChongqingVet.ServiceDefaults;
using Grpc.Net.Client;
using Npgsql;

namespace ChongqingVet.LoadTest;

/// <summary>
/// Streams N certificates into a real certificates service (Kestrel, HTTP/2 on loopback) over ImportCertificates
/// and prints certificates per second and the process's peak memory, for SQLite and PostgreSQL.
/// </summary>
public static class ImportBenchmark
{
    /// <summary>Items per stream message unless told otherwise: fewer, larger messages cost less per item.</summary>
    public const int DefaultItemsPerMessage = 100;

    /// <param name="provider">sqlite or postgres.</param>
    /// <param name="count">Items in the one stream.</param>
    /// <param name="unknownType">Every item names a type that does not exist: each is INVALID and nothing is written,
    /// which measures the stream, validation and acknowledgement alone (the ceiling the database work sits under).</param>
    /// <param name="itemsPerMessage">Items per StreamImportCertificatesRequest (1: one message per item).</param>
    /// <param name="warmUp">Items of a first stream, not measured (other holders and learners than the measured ones):
    /// the host's code is then compiled and optimised as in a server that has been running (docs/PERFORMANCE.md, "Warm
    /// processes"); 0 measures a fresh host.</param>
    public static async Task RunAsync(string provider, int count, bool unknownType = false, int itemsPerMessage = DefaultItemsPerMessage, int warmUp = 0)
    {
        var (connectionString, cleanup) = await CreateDatabaseAsync(provider);
        var (identity, authority, token) = await StartIdentityProviderAsync();
        var port = ChongqingVet.Reliability.Tests.LocalPorts.Free();
        var builder = ServerBuilder.Create(["--environment", "Testing"]); // as the certificates server creates its builder
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{port}",
            ["Auth:Authority"] = authority,
            ["Auth:RequireHttpsMetadata"] = "false",
            ["RateLimits:PerClientBurst"] = "1000000",
            ["RateLimits:PerClientPerSecond"] = "1000000",
            ["Database:Provider"] = provider == "sqlite" ? "Sqlite" : "Postgres",
            ["ConnectionStrings:Database"] = connectionString,
            ["Database:MigrateOnStartup"] = "true",
            // A throwaway database: development keys (the same rule as every Testing host) instead of real secrets.
            [ChongqingVet.Data.DevelopmentKeys.AllowSetting] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddServiceDefaults("certificates");
        builder.AddCertificates();
        await using var app = builder.Build();
        app.MapServiceDefaults();
        app.MapCertificates();
        await app.StartAsync();

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            HttpHandler = new BearerHandler(token, new SocketsHttpHandler()),
        });
        var client = new CertificateService.CertificateServiceClient(channel);
        await client.CreateCertificateTypeAsync(new CreateCertificateTypeRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            CertificateType = new CertificateType
            {
                Code = "BENCH-ELEC", Name = "电工", Kind = CertificateKind.MohrssSkillLevel, OrganisationName = "重庆市职业技能鉴定指导中心",
                OrganisationCreditCode = BenchOrganisation, Active = true,
                Levels = { new CertificateTypeLevel { Level = CertificateLevel.National4, AttestedSkills = { new SkillRef { SkillCode = "ELEC-INST", Level = SkillLevel._4Intermediate } } } },
            },
        });

        if (warmUp > 0)
        {
            var warm = await StreamAsync(client, warmUp, first: count, unknownType, itemsPerMessage);
            Console.Error.WriteLine($"warm-up stream of {warmUp} items before the measured one: {warm.Elapsed.TotalSeconds:0.0} s, {warmUp / warm.Elapsed.TotalSeconds:0} items/s");
        }
        var rssBefore = ProcStatusMiB("VmRSS");
        var (created, duplicate, invalid, elapsed) = await StreamAsync(client, count, first: 0, unknownType, itemsPerMessage);

        // One process holds the service, its client and the identity provider: VmHWM is the service process's peak RSS.
        Console.WriteLine($"import {provider,-8} {count,7} items, {itemsPerMessage} per message{(unknownType ? " (unknown type: nothing written)" : "")}{(warmUp > 0 ? $" after a warm-up stream of {warmUp}" : "")}: created {created}, duplicate {duplicate}, invalid {invalid}; " +
                          $"{elapsed.TotalSeconds,6:0.0} s, {count / elapsed.TotalSeconds,7:0} certificates/s, " +
                          $"RSS before {rssBefore} MiB, peak RSS (VmHWM) {ProcStatusMiB("VmHWM")} MiB");
        await app.StopAsync();
        await identity.StopAsync();
        await cleanup();
    }

    /// <summary>
    /// Items <paramref name="first"/> … first + count − 1 over one StreamImportCertificates call. The acks are read as
    /// they come, so neither side holds more than a batch (the unary-response ImportCertificates collects every result
    /// into one message, which grows with the item count).
    /// </summary>
    private static async Task<(long Created, long Duplicate, long Invalid, TimeSpan Elapsed)> StreamAsync(
        CertificateService.CertificateServiceClient client, int count, int first, bool unknownType, int itemsPerMessage)
    {
        var watch = Stopwatch.StartNew();
        using var call = client.StreamImportCertificates();
        long created = 0, duplicate = 0, invalid = 0;
        var reader = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                foreach (var item in call.ResponseStream.Current.Items)
                {
                    switch (item.Result.Outcome)
                    {
                        case ImportOutcome.Created: created++; break;
                        case ImportOutcome.Duplicate: duplicate++; break;
                        case ImportOutcome.Invalid: invalid++; break;
                    }
                }
            }
        });
        var message = new StreamImportCertificatesRequest();
        for (var i = first; i < first + count; i++)
        {
            var item = Item(i);
            if (unknownType) item.TypeCode = "BENCH-NONE";
            message.Items.Add(item);
            if (message.Items.Count < itemsPerMessage && i < first + count - 1) continue;
            await call.RequestStream.WriteAsync(message);
            message = new StreamImportCertificatesRequest();
        }
        await call.RequestStream.CompleteAsync();
        await reader;
        return (created, duplicate, invalid, watch.Elapsed);
    }

    /// <summary>
    /// The development identity provider in this process, with one institution client that owns the benchmark's
    /// certificate type, and a client-credentials token of it: the benchmark calls the service as a real caller would.
    /// </summary>
    private static async Task<(WebApplication App, string Authority, string Token)> StartIdentityProviderAsync()
    {
        var port = ChongqingVet.Reliability.Tests.LocalPorts.Free();
        var authority = $"http://127.0.0.1:{port}/";
        var secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var builder = ServerBuilder.Create(["--environment", "Testing"]); // no watcher on this process's working directory either
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{port}",
            ["Identity:Issuer"] = authority,
            ["Identity:SigningKeyPath"] = "",
            ["Identity:Learners:Password"] = secret,
            ["Identity:Clients:bench-institution:ClientSecret"] = secret,
            ["Identity:Clients:bench-institution:Role"] = "institution",
            ["Identity:Clients:bench-institution:Organisation"] = BenchOrganisation,
            ["Identity:Clients:bench-institution:AllowedScopes:0"] = "catalog.write",
            ["Identity:Clients:bench-institution:AllowedScopes:1"] = "certificates.issue",
            ["Identity:Clients:bench-institution:GrantTypes:0"] = "client_credentials",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddDevelopmentIdentityProvider();
        var app = builder.Build();
        app.MapDevelopmentIdentityProvider();
        await app.StartAsync();

        using var http = new HttpClient();
        using var response = await http.PostAsync(authority + "connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "bench-institution", ["client_secret"] = secret,
            ["scope"] = "catalog.write certificates.issue",
        }));
        response.EnsureSuccessStatusCode();
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (app, authority, body.RootElement.GetProperty("access_token").GetString()!);
    }

    private const string BenchOrganisation = "91350100M000100Y43";

    private sealed class BearerHandler(string token, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static ImportCertificatesRequest Item(int i)
    {
        var birth = new DateOnly(1990, 1, 1).AddDays(i % 7000);
        var first17 = $"500118{birth:yyyyMMdd}{i / 7000 % 1000:D3}";
        return new ImportCertificatesRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            ClientReference = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            TypeCode = "BENCH-ELEC",
            Level = CertificateLevel.National4,
            LearnerId = $"B{i:D7}",
            HolderName = $"学员{i}",
            HolderIdNumber = first17 + NationalIdNumber.ComputeCheckCharacter(first17),
            IssuingOrganisation = "重庆工业职业技术学院",
            IssueDate = new DateOnly(2025, 7, 1).ToProtoDate(),
        };
    }

    internal static async Task<(string ConnectionString, Func<Task> Cleanup)> CreateDatabaseAsync(string provider)
    {
        if (provider == "sqlite")
        {
            var directory = Directory.CreateTempSubdirectory("cqv-bench-").FullName;
            return ($"Data Source={Path.Combine(directory, "bench.db")}", () => { Directory.Delete(directory, true); return Task.CompletedTask; });
        }
        var admin = Environment.GetEnvironmentVariable("CHONGQINGVET_TEST_POSTGRES")
                    ?? throw new InvalidOperationException("Set CHONGQINGVET_TEST_POSTGRES (eval \"$(bash tools/start-test-postgres.sh)\").");
        var name = "cqv_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await new NpgsqlCommand("CREATE DATABASE " + name, connection).ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        return (connectionString, async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await new NpgsqlCommand("DROP DATABASE " + name + " WITH (FORCE)", connection).ExecuteNonQueryAsync();
        });
    }

    /// <summary>A /proc/self/status field (kB) in MiB; -1 where /proc is absent.</summary>
    private static long ProcStatusMiB(string field)
    {
        if (!File.Exists("/proc/self/status")) return -1;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }
}
