using System.Diagnostics;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.JobPostings.Data;
using ChongqingVet.JobPostings.Domain;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

// Benchmark of MatchJobPostings' database work (JobPostingRepository.MatchAsync: deprecated codes, candidate rows scored in C#,
// first page of 20 with requirements and explanations). A 2,000-skill catalog, postings with 5–10 requirements,
// learners with 20 skills. Usage: dotnet run -c Release --project tools/ChongqingVet.JobPostings.Bench [-- sqlite|postgres]
// PostgreSQL comes from CHONGQINGVET_TEST_POSTGRES (a throwaway database is created and dropped).
const int SkillCount = 2000;
const int Warmup = 20;
const int Runs = 200;
int[] sizes = [10_000, 100_000];
var only = args.FirstOrDefault()?.ToLowerInvariant();

if (only is null or "sqlite") await RunAsync(DatabaseProvider.Sqlite);
if (only is null or "postgres")
{
    if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("CHONGQINGVET_TEST_POSTGRES")))
        Console.WriteLine("PostgreSQL: skipped (CHONGQINGVET_TEST_POSTGRES is not set)");
    else await RunAsync(DatabaseProvider.Postgres);
}
return 0;

async Task RunAsync(DatabaseProvider provider)
{
    var (options, cleanup) = await CreateDatabaseAsync(provider);
    try
    {
        MigrationRunner.Run(options, typeof(JobPostingRepository).Assembly, NullLogger.Instance);
        await using var factory = new DbConnectionFactory(options);
        var clock = TimeProvider.System;
        var repository = new JobPostingRepository(factory, clock, new SkillRepository(factory, clock));
        var random = new Random(42);
        await LoadSkillsAndEmployerAsync(factory);
        var loaded = 0;
        foreach (var size in sizes)
        {
            var load = Stopwatch.StartNew();
            await LoadPostingsAsync(factory, loaded, size - loaded, random);
            loaded = size;
            load.Stop();
            var timings = new List<double>(Runs);
            var returned = 0;
            for (var i = 0; i < Warmup + Runs; i++)
            {
                var learner = MatchScoring.LearnerLevels(Enumerable.Range(0, 20).Select(_ => new SkillRef
                {
                    SkillCode = SkillCode(random.Next(SkillCount)),
                    Level = (SkillLevel)random.Next(1, 6),
                }));
                var watch = Stopwatch.StartNew();
                var (matches, _) = await repository.MatchAsync(learner, "", "", "", null, 20, CancellationToken.None);
                watch.Stop();
                if (i >= Warmup)
                {
                    timings.Add(watch.Elapsed.TotalMilliseconds);
                    returned += matches.Count;
                }
            }
            timings.Sort();
            Console.WriteLine($"{provider,-8} postings={size,7:N0} requirements≈{size * 7.5,9:N0} load={load.Elapsed.TotalSeconds,6:F1}s " +
                              $"match p50={Percentile(timings, 0.50),7:F2} ms p99={Percentile(timings, 0.99),7:F2} ms (avg page {returned / (double)Runs:F1})");
        }
    }
    finally
    {
        await cleanup();
    }
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static string SkillCode(int index) => $"BS-{index:D4}";

static async Task<(DatabaseOptions, Func<Task>)> CreateDatabaseAsync(DatabaseProvider provider)
{
    if (provider == DatabaseProvider.Sqlite)
    {
        var directory = Directory.CreateTempSubdirectory("cqv-bench-").FullName;
        var options = new DatabaseOptions { Provider = provider, ConnectionString = $"Data Source={Path.Combine(directory, "bench.db")}" };
        return (options, () =>
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
            return Task.CompletedTask;
        });
    }
    var admin = Environment.GetEnvironmentVariable("CHONGQINGVET_TEST_POSTGRES")!;
    var name = "cqv_bench_" + Guid.NewGuid().ToString("N")[..12];
    await using (var connection = new NpgsqlConnection(admin))
    {
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE DATABASE " + name, connection); // generated name, not input
        await create.ExecuteNonQueryAsync();
    }
    var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
    return (new DatabaseOptions { Provider = provider, ConnectionString = builder.ConnectionString }, async () =>
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    });
}

static async Task LoadSkillsAndEmployerAsync(IDbConnectionFactory factory)
{
    await using var connection = await factory.OpenAsync(CancellationToken.None);
    await using var transaction = await connection.BeginTransactionAsync();
    await using var skill = connection.CreateCommand();
    skill.Transaction = transaction;
    skill.CommandText = "INSERT INTO skills (code, name_zh, name_en, category, cluster, deprecated, successor_code, created_at) VALUES (@Code, @Code, @Code, 'bench', 'bench', 0, NULL, 0)";
    var code = skill.CreateParameter();
    code.ParameterName = "Code";
    skill.Parameters.Add(code);
    for (var i = 0; i < SkillCount; i++)
    {
        code.Value = SkillCode(i);
        await skill.ExecuteNonQueryAsync();
    }
    await using var employer = connection.CreateCommand();
    employer.Transaction = transaction;
    employer.CommandText = "INSERT INTO employers (credit_code, name, district_code, created_at) VALUES ('91350100M000100Y43', 'bench', '500112', 0)";
    await employer.ExecuteNonQueryAsync();
    await transaction.CommitAsync();
}

static async Task LoadPostingsAsync(IDbConnectionFactory factory, int first, int count, Random random)
{
    var validThrough = DateTimeOffset.UtcNow.AddYears(5).ToUnixTimeMilliseconds();
    var postings = new List<object?[]>(count);
    var requirements = new List<object?[]>(count * 8);
    for (var n = first; n < first + count; n++)
    {
        var id = $"bench-{n:D7}";
        var skills = new HashSet<int>();
        var wanted = random.Next(5, 11);
        while (skills.Count < wanted) skills.Add(random.Next(SkillCount));
        var drawn = skills.Select(s => (Code: SkillCode(s), MinLevel: random.Next(1, 5), Weight: (double)random.Next(1, 4), Essential: (short)(random.Next(5) == 0 ? 1 : 0))).ToArray();
        var total = drawn.Sum(d => d.Weight);
        var essentials = drawn.Count(d => d.Essential == 1);
        var status = random.Next(20) == 0 ? 2 : 1;
        var openUntil = status == 1 ? validThrough : 0L;
        for (var o = 0; o < drawn.Length; o++)
            requirements.Add([id, drawn[o].Code, drawn[o].MinLevel, drawn[o].Weight, drawn[o].Essential, o, openUntil, (long)n, total, essentials, "500112", "6-30-99-00", "bench"]);
        postings.Add([id, "岗位 " + n, "6-30-99-00", "91350100M000100Y43", "500112", "bench", 5000, 8000, 1, validThrough, status, total, essentials, 1L, (long)n, (long)n]);
    }

    await using var connection = await factory.OpenAsync(CancellationToken.None);
    if (connection is NpgsqlConnection postgres)
    {
        await using (var writer = await postgres.BeginBinaryImportAsync(
            "COPY job_postings (id, title, occupation_code, employer_credit_code, district_code, cluster, salary_min, salary_max, headcount, valid_through, status, total_weight, essential_count, version, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in postings)
            {
                await writer.StartRowAsync();
                for (var c = 0; c < 6; c++) await writer.WriteAsync((string)row[c]!, NpgsqlDbType.Varchar);
                for (var c = 6; c < 9; c++) await writer.WriteAsync((int)row[c]!, NpgsqlDbType.Integer);
                await writer.WriteAsync((long)row[9]!, NpgsqlDbType.Bigint);
                await writer.WriteAsync((int)row[10]!, NpgsqlDbType.Integer);
                await writer.WriteAsync((double)row[11]!, NpgsqlDbType.Double);
                await writer.WriteAsync((int)row[12]!, NpgsqlDbType.Integer);
                for (var c = 13; c < 16; c++) await writer.WriteAsync((long)row[c]!, NpgsqlDbType.Bigint);
            }
            await writer.CompleteAsync();
        }
        await using (var writer = await postgres.BeginBinaryImportAsync(
            "COPY posting_requirements (posting_id, skill_code, min_level, weight, essential, ordinal, open_until, created_at, total_weight, essential_count, district_code, occupation_code, cluster) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in requirements)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync((string)row[0]!, NpgsqlDbType.Varchar);
                await writer.WriteAsync((string)row[1]!, NpgsqlDbType.Varchar);
                await writer.WriteAsync((int)row[2]!, NpgsqlDbType.Integer);
                await writer.WriteAsync((double)row[3]!, NpgsqlDbType.Double);
                await writer.WriteAsync((short)row[4]!, NpgsqlDbType.Smallint);
                await writer.WriteAsync((int)row[5]!, NpgsqlDbType.Integer);
                await writer.WriteAsync((long)row[6]!, NpgsqlDbType.Bigint);
                await writer.WriteAsync((long)row[7]!, NpgsqlDbType.Bigint);
                await writer.WriteAsync((double)row[8]!, NpgsqlDbType.Double);
                await writer.WriteAsync((int)row[9]!, NpgsqlDbType.Integer);
                for (var c = 10; c < 13; c++) await writer.WriteAsync((string)row[c]!, NpgsqlDbType.Varchar);
            }
            await writer.CompleteAsync();
        }
        await using var analyze = new NpgsqlCommand("VACUUM ANALYZE", postgres); // index-only scans need the visibility map
        await analyze.ExecuteNonQueryAsync();
        return;
    }

    await using (var transaction = await connection.BeginTransactionAsync())
    {
        await InsertAllAsync(connection, transaction,
            "INSERT INTO job_postings (id, title, occupation_code, employer_credit_code, district_code, cluster, salary_min, salary_max, headcount, valid_through, status, total_weight, essential_count, version, created_at, updated_at) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14, @p15)",
            postings);
        await InsertAllAsync(connection, transaction,
            "INSERT INTO posting_requirements (posting_id, skill_code, min_level, weight, essential, ordinal, open_until, created_at, total_weight, essential_count, district_code, occupation_code, cluster) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12)",
            requirements);
        await transaction.CommitAsync();
    }
    await using var sqliteAnalyze = connection.CreateCommand();
    sqliteAnalyze.CommandText = "ANALYZE";
    await sqliteAnalyze.ExecuteNonQueryAsync();
}

static async Task InsertAllAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string sql, List<object?[]> rows)
{
    await using var command = connection.CreateCommand();
    command.Transaction = transaction;
    command.CommandText = sql;
    var parameters = Enumerable.Range(0, rows[0].Length).Select(i =>
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "p" + i;
        command.Parameters.Add(parameter);
        return parameter;
    }).ToArray();
    foreach (var row in rows)
    {
        for (var i = 0; i < row.Length; i++) parameters[i].Value = row[i];
        await command.ExecuteNonQueryAsync();
    }
}
