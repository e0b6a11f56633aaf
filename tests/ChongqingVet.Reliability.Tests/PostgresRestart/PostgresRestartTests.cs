using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ChongqingVet.AppHost;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Reliability.Tests.DeadBackend;
using Dapper;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using Xunit.Abstractions;

namespace ChongqingVet.Reliability.Tests.PostgresRestart;

/// <summary>
/// Battery item 2, "a database restart loses nothing and doubles nothing": certificates, competitions and courses as
/// real processes on a PostgreSQL cluster of their own, a write load (IssueCertificate, RecordResult, EnrollLearner,
/// each call with its own request_id and its own learner), and <c>pg_ctl restart -m fast</c> under that load. Clients
/// retry UNAVAILABLE, ABORTED and DEADLINE_EXCEEDED with the same request_id (bounded), as a real client does; any
/// other status fails the test. Afterwards every acknowledged write is in its table once: 0 lost, 0 duplicates.
/// </summary>
[Collection(DeadBackendCollection.Name)]
public sealed class PostgresRestartTests(ITestOutputHelper output)
{
    private const int Workers = 6;
    private const int MaxAttempts = 40;
    /// <summary>Acknowledged writes before the restart, and again after it, before the load stops.</summary>
    private const int AckedBeforeRestart = 30;
    private const int AckedAfterRestart = 30;
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan LoadBound = TimeSpan.FromMinutes(3);

    private static readonly SuiteLayout.Member[] Members = [.. SuiteLayout.Services.Where(s => s.Name is "certificates" or "competitions" or "courses")];

    private enum Kind { Certificate, Result, Enrollment }

    private sealed record Write(Kind Kind, string LearnerId, string RequestId);

    private sealed record Attempt(double At, double EndedAt, StatusCode Status);

    [Fact]
    public async Task Writes_PostgresRestartedUnderLoad_NoneLostNoneTwice()
    {
        await using var postgres = await ThrowawayPostgres.StartAsync();
        await using var suite = await LocalSuite.StartAsync(Members, (member, environment) =>
        {
            environment["Database__Provider"] = "Postgres";
            environment["ConnectionStrings__Database"] = postgres.ConnectionStringFor("cqv_" + member.Name); // created by the migration
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var token = await suite.GetTokenAsync(http, "institution-cqipc", "institution-cqipc-dev-secret", "certificates.issue results.write enrolments.write");
        var headers = new Metadata { { "authorization", "Bearer " + token } };
        var channels = Members.ToDictionary(m => m.Name, m => GrpcChannel.ForAddress(suite.GrpcAddress(m)));
        var load = new Load(
            new CertificateService.CertificateServiceClient(channels["certificates"]),
            new CompetitionService.CompetitionServiceClient(channels["competitions"]),
            new CourseService.CourseServiceClient(channels["courses"]),
            headers);

        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, Workers).Select(i => Task.Run(() => load.DriveAsync((Kind)(i % 3), stop.Token))).ToArray();
        try
        {
            await WaitUntilAsync(() => load.Acked.Count >= AckedBeforeRestart || load.Failures.Count > 0, "writes before the restart");
            var restartAt = load.Clock.Elapsed.TotalSeconds;
            await postgres.RestartFastAsync();
            var upAt = load.Clock.Elapsed.TotalSeconds;
            var ackedAtRestart = load.Acked.Count;
            await WaitUntilAsync(() => load.Acked.Count >= ackedAtRestart + AckedAfterRestart || load.Failures.Count > 0, "writes after the restart");
            await stop.CancelAsync();
            await Task.WhenAll(workers);

            var counts = await CountRowsPerLearnerAsync(postgres, load.Prefix);
            var acked = load.Acked.ToList();
            var lost = acked.Where(w => counts.GetValueOrDefault((w.Kind, w.LearnerId)) == 0).ToList();
            var duplicates = counts.Where(c => c.Value > 1).ToList();
            var retried = load.Attempts.Where(a => a.Status != StatusCode.OK).ToList();
            var window = retried.Count == 0 ? 0 : retried.Max(a => a.EndedAt) - retried.Min(a => a.At);
            var figures = string.Create(CultureInfo.InvariantCulture,
                $"postgres restart under write load: writes acked {acked.Count} ({string.Join(", ", Enum.GetValues<Kind>().Select(k => $"{k} {acked.Count(w => w.Kind == k)}"))}), " +
                $"retries {retried.Count} ({string.Join(", ", retried.GroupBy(a => a.Status).Select(g => $"{g.Key} {g.Count()}"))}), " +
                $"unavailable window {window:F1} s (pg_ctl restart -m fast took {upAt - restartAt:F1} s), lost {lost.Count}, duplicates {duplicates.Count}, " +
                $"gave up {load.GaveUp.Count}, failed {load.Failures.Count}");
            output.WriteLine(figures);
            Console.WriteLine(figures);

            Assert.True(load.Failures.IsEmpty, "non-retryable answers: " + string.Join("\n", load.Failures.Take(5)) + "\n" + figures + "\n" + Logs(suite));
            Assert.True(load.GaveUp.IsEmpty, $"writes still unacknowledged after {MaxAttempts} attempts: {string.Join(", ", load.GaveUp.Take(5))}\n{figures}");
            Assert.True(lost.Count == 0, "acknowledged but not stored: " + string.Join(", ", lost.Take(10)) + "\n" + figures);
            Assert.True(duplicates.Count == 0, "stored more than once: " + string.Join(", ", duplicates.Take(10)) + "\n" + figures);
            // The restart was felt (otherwise this test proves nothing), and every kind of write went through.
            Assert.NotEmpty(retried);
            Assert.All(Enum.GetValues<Kind>(), k => Assert.Contains(acked, w => w.Kind == k && w.LearnerId.Length > 0));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(workers);
            foreach (var channel in channels.Values) channel.Dispose();
        }
    }

    private static string Logs(LocalSuite suite) =>
        string.Join("\n", Members.Select(m => $"--- {m.Name}:\n{suite.Members[m.Name].Output}"));

    /// <summary>Rows per learner of this run in each service's table (every write has its own learner).</summary>
    private static async Task<Dictionary<(Kind, string), int>> CountRowsPerLearnerAsync(ThrowawayPostgres postgres, string prefix)
    {
        var queries = new (Kind Kind, string Database, string Sql)[]
        {
            (Kind.Certificate, "cqv_certificates", "SELECT learner_id AS LearnerId, COUNT(*)::int AS Rows FROM certificates WHERE learner_id LIKE @Prefix GROUP BY learner_id"),
            (Kind.Result, "cqv_competitions", "SELECT learner_id AS LearnerId, COUNT(*)::int AS Rows FROM result_participants WHERE learner_id LIKE @Prefix GROUP BY learner_id"),
            (Kind.Enrollment, "cqv_courses", "SELECT learner_id AS LearnerId, COUNT(*)::int AS Rows FROM enrollments WHERE learner_id LIKE @Prefix GROUP BY learner_id"),
        };
        var counts = new Dictionary<(Kind, string), int>();
        foreach (var (kind, database, sql) in queries)
        {
            await using var connection = new NpgsqlConnection(postgres.ConnectionStringFor(database));
            foreach (var row in await connection.QueryAsync<(string LearnerId, int Rows)>(sql, new { Prefix = prefix + "%" }))
                counts[(kind, row.LearnerId)] = row.Rows;
        }
        return counts;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > LoadBound) throw new TimeoutException($"{what}: not reached within {LoadBound}");
            await Task.Delay(50);
        }
    }

    /// <summary>The clients: each write a new request_id and a new learner, retried with the same request_id.</summary>
    private sealed class Load(
        CertificateService.CertificateServiceClient certificates,
        CompetitionService.CompetitionServiceClient competitions,
        CourseService.CourseServiceClient courses,
        Metadata headers)
    {
        private int _next;

        public string Prefix { get; } = "PGR" + Guid.NewGuid().ToString("N")[..6] + "-";

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public ConcurrentQueue<Write> Acked { get; } = new();

        public ConcurrentQueue<Attempt> Attempts { get; } = new();

        public ConcurrentQueue<string> Failures { get; } = new();

        public ConcurrentQueue<Write> GaveUp { get; } = new();

        public async Task DriveAsync(Kind kind, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref _next);
                var write = new Write(kind, $"{Prefix}{n:D5}", Guid.NewGuid().ToString());
                // Once started, a write is carried to an answer (the stop signal only ends the loop).
                if (!await WriteWithRetriesAsync(write, n)) return;
            }
        }

        private async Task<bool> WriteWithRetriesAsync(Write write, int n)
        {
            for (var attempt = 1; attempt <= MaxAttempts; attempt++)
            {
                var started = Clock.Elapsed.TotalSeconds;
                try
                {
                    await CallAsync(write, n);
                    Attempts.Enqueue(new Attempt(started, Clock.Elapsed.TotalSeconds, StatusCode.OK));
                    Acked.Enqueue(write);
                    return true;
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.Aborted or StatusCode.DeadlineExceeded)
                {
                    Attempts.Enqueue(new Attempt(started, Clock.Elapsed.TotalSeconds, e.StatusCode));
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 << Math.Min(attempt, 5))));
                }
                catch (RpcException e)
                {
                    Failures.Enqueue($"{write}: attempt {attempt}: {e.StatusCode} {e.Status.Detail}");
                    return false;
                }
            }
            GaveUp.Enqueue(write);
            return false;
        }

        private Task CallAsync(Write write, int n)
        {
            var deadline = DateTime.UtcNow + CallDeadline;
            return write.Kind switch
            {
                Kind.Certificate => certificates.IssueCertificateAsync(new IssueCertificateRequest
                {
                    RequestId = write.RequestId,
                    TypeCode = "MOHRSS-IR-OPS", // the sample type of institution-cqipc's organisation
                    Level = CertificateLevel.National3,
                    LearnerId = write.LearnerId,
                    HolderName = "张三",
                    HolderIdNumber = IdNumber(n),
                    IssuingOrganisation = "重庆工业职业技术学院",
                    IssueDate = new Google.Type.Date { Year = 2025, Month = 6, Day = 30 },
                }, headers, deadline).ResponseAsync,
                Kind.Result => competitions.RecordResultAsync(new RecordResultRequest
                {
                    RequestId = write.RequestId,
                    Result = new Result
                    {
                        CompetitionId = "cmp-2026-cqipc-school", // organised by institution-cqipc's school (sample data)
                        EventCode = "XJ-PY",
                        AwardGrade = AwardGrade.Participation,
                        Participants = { new Participant { LearnerId = write.LearnerId, Role = ParticipantRole.Individual } },
                    },
                }, headers, deadline).ResponseAsync,
                _ => courses.EnrollLearnerAsync(new EnrollLearnerRequest
                {
                    RequestId = write.RequestId,
                    LearnerId = write.LearnerId,
                    CourseCode = "GB-SZ01", // every sample course is taught by institution-cqipc's school
                    Term = "2025-2026-1",
                }, headers, deadline).ResponseAsync,
            };
        }

        /// <summary>A distinct valid national ID number per write (one active certificate per holder, type and level).</summary>
        private static string IdNumber(int n)
        {
            var first17 = string.Create(CultureInfo.InvariantCulture, $"500101{new DateOnly(1980, 1, 1).AddDays(n):yyyyMMdd}{n % 1000:D3}");
            return first17 + NationalIdNumber.ComputeCheckCharacter(first17);
        }
    }
}
