using System.Diagnostics;
using ChongqingVet.Data;
using ChongqingVet.Data.Audit;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChongqingVet.LoadTest;

/// <summary>
/// Audit records of personal-data reads, appended by concurrent callers: one transaction per record (how reads were
/// audited before group commit) against <see cref="AuditLog.AppendAsync(AuditRecord, CancellationToken)"/> (group
/// commit), side by side on one fresh database each, and the ratio.
/// </summary>
public static class AuditBenchmark
{
    public static async Task RunAsync(string provider, int records)
    {
        Console.WriteLine($"audit appends, {provider}, {records} records per run, every commit durable");
        Console.WriteLine("| concurrent callers | one transaction each | group commit | ratio |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (var callers in new[] { 1, 16, 64 })
        {
            var single = await MeasureAsync(provider, records, callers, groupCommit: false);
            var grouped = await MeasureAsync(provider, records, callers, groupCommit: true);
            Console.WriteLine($"| {callers} | {single:F0}/s | {grouped:F0}/s | {grouped / single:F2} |");
        }
    }

    private static async Task<double> MeasureAsync(string provider, int records, int callers, bool groupCommit)
    {
        var (connectionString, cleanup) = await ImportBenchmark.CreateDatabaseAsync(provider);
        try
        {
            var options = new DatabaseOptions
            {
                Provider = provider == "sqlite" ? DatabaseProvider.Sqlite : DatabaseProvider.Postgres,
                ConnectionString = connectionString,
            };
            MigrationRunner.Run(options, typeof(AuditBenchmark).Assembly, NullLogger.Instance);
            await using var connections = new DbConnectionFactory(options);
            var log = new AuditLog(connections, new AuditChain(null), new AuditOptions(), TimeProvider.System, NullLogger<AuditLog>.Instance);
            var next = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) <= records)
                {
                    var record = new AuditRecord("bench", "L0001", "/chongqingvet.certificates.v1.CertificateService/ListCertificates",
                        "learners/L0001", AuditOutcome.Ok, "");
                    if (groupCommit) await log.AppendAsync(record, CancellationToken.None);
                    else await AppendInOwnTransactionAsync(connections, log, record);
                }
            })));
            return records / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await cleanup();
        }
    }

    private static async Task AppendInOwnTransactionAsync(DbConnectionFactory connections, AuditLog log, AuditRecord record)
    {
        await using var connection = await connections.OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        await log.AppendAsync(connection, transaction, record, CancellationToken.None);
        await transaction.CommitAsync();
    }
}
