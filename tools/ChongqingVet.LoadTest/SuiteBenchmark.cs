using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChongqingVet.AppHost;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.Profile.V1;
using ChongqingVet.Reliability.Tests.DeadBackend;
using ChongqingVet.ServiceDefaults;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Npgsql;

namespace ChongqingVet.LoadTest;

/// <summary>Options of <c>suite</c> (see <see cref="SuiteOptions.Usage"/>).</summary>
public sealed class SuiteOptions
{
    public const string Usage = """
        suite [--learners N] [--postings N] [--duration S] [--warmup S] [--in-flight 1,16,64] [--import N]
              [--growth] [--smoke] [--json PATH] [--postgres CONNECTION_STRING] [--hold S] [--only NAME,NAME]
          --learners   seeded learners, 10 evidence items each (default 100000)
          --postings   seeded job postings, copies of the 240 sample postings (default 10000)
          --duration   seconds per scenario and in-flight step (default 10)
          --warmup     seconds of warm-up per scenario, at 16 in flight, before any step (default 3)
          --in-flight  calls in flight per step (default 1,16,64)
          --import     certificates streamed by the import benchmark (default 100000; 0: no import step)
          --growth     also profile and match at 1,000 and N learners, and at N and 10×N postings, in the same run
          --smoke      tiny data set, 2 s per step, 1 and 4 in flight; exit code 1 if any scenario had an error or no figures
          --json       also write every figure as JSON to PATH
          --postgres   run the services on PostgreSQL (an admin connection string; one database per service is created)
          --hold       after seeding, keep the suite up this many seconds before the scenarios (for h2load; the
                       gateway's addresses and the token file are printed)
          --only       run only the scenarios whose names contain one of these texts (e.g. "Profile,ListLearnerRecords"),
                       to profile one path with dotnet-trace while it runs
        """;

    public int Learners { get; set; } = 100_000;
    public int Postings { get; set; } = 10_000;
    public double Duration { get; set; } = 10;
    public double Warmup { get; set; } = 3;
    public int[] InFlight { get; set; } = [1, 16, 64];
    public int Import { get; set; } = 100_000;
    public bool Growth { get; set; }
    public bool Smoke { get; set; }
    public string? Json { get; set; }
    /// <summary>The PostgreSQL admin connection string; never written to the report (it may hold a password).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Postgres { get; set; }

    /// <summary>What the report says about the database: the provider only.</summary>
    public string Database => Postgres is null ? "SQLite" : "PostgreSQL";

    public double Hold { get; set; }

    public string[] Only { get; set; } = [];

    public static SuiteOptions Parse(string[] args)
    {
        var options = new SuiteOptions();
        if (args.Contains("--smoke"))
        {
            options.Smoke = true;
            options.Learners = 300;
            options.Postings = 100;
            options.Duration = 2;
            options.Warmup = 0.5;
            options.InFlight = [1, 4];
            options.Import = 2_000;
        }
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException(args[i] + " needs a value");
            switch (args[i])
            {
                case "--learners": options.Learners = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--postings": options.Postings = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--duration": options.Duration = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": options.Warmup = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--in-flight": options.InFlight = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--import": options.Import = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--growth": options.Growth = true; break;
                case "--smoke": break;
                case "--json": options.Json = Next(); break;
                case "--postgres": options.Postgres = Next(); break;
                case "--hold": options.Hold = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--only": options.Only = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                default: throw new ArgumentException($"unknown option {args[i]}\n{Usage}");
            }
        }
        return options;
    }
}

/// <summary>
/// <c>suite</c>: the whole local suite (identity provider, four services, gateway) as Release processes, a scaled data
/// set seeded in bulk, then every scenario at each in-flight step, counted by status, with latency, RSS per process,
/// side-by-side ratios, one markdown table and JSON. Issue #16 items 5 and 6.
/// </summary>
public static class SuiteBenchmark
{
    private static long _issued;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = SuiteOptions.Parse(args);
        var report = new Report { Options = options, Commit = Git("rev-parse HEAD"), Machine = Machine(), StartedAt = DateTimeOffset.UtcNow };
        var provider = options.Postgres is null ? DatabaseProvider.Sqlite : DatabaseProvider.Postgres;
        var databases = await CreatePostgresDatabasesAsync(options.Postgres);
        Log($"starting the suite ({provider}) at commit {report.Commit[..Math.Min(12, report.Commit.Length)]}");
        await using var suite = await LocalSuite.StartAsync(SuiteLayout.All, (member, environment) =>
        {
            environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            environment["RateLimits__PerClientPerSecond"] = "100000000";
            environment["RateLimits__PerClientBurst"] = "100000000";
            // One client address verifies thousands of numbers per second here: lift the anonymous per-address limit and
            // the per-number window (both guard against enumeration by strangers, not against a benchmark).
            environment["RateLimits__AnonymousPerMinute"] = "1000000000";
            environment["Verification__PerNumberPerWindow"] = "1000000000";
            environment["Logging__LogLevel__Default"] = "Warning";
            if (member.HasDatabase && databases.TryGetValue(member.Name, out var connectionString))
            {
                environment["Database__Provider"] = "Postgres";
                environment["ConnectionStrings__Database"] = connectionString;
            }
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var institutionToken = await suite.GetTokenAsync(http, "institution-cqipc", "institution-cqipc-dev-secret", "certificates.issue certificates.read");

        var connectionStrings = provider == DatabaseProvider.Sqlite
            ? SuiteLayout.Services.ToDictionary(s => s.Name, s => $"Data Source={Path.Combine(suite.DataDirectory, s.Name + ".db")}")
            : databases;
        var seeder = new SuiteSeeder(provider, connectionStrings);

        Log("starting the bare fan-out baseline (echo backend, aggregator)");
        var (echo, echoPort) = await FanOutBaseline.StartSelfAsync(FanOutBaseline.EchoCommand, "0");
        using var echoProcess = echo;
        var (aggregator, aggregatorPort) = await FanOutBaseline.StartSelfAsync(FanOutBaseline.AggregatorCommand, "0", $"http://127.0.0.1:{echoPort}");
        using var aggregatorProcess = aggregator;

        try
        {
            var processes = suite.Members.ToDictionary(m => m.Key, m => m.Value.ProcessId ?? 0);
            processes["fanout-echo"] = echo.Id;
            processes["fanout-aggregator"] = aggregator.Id;
            processes["loadtest"] = Environment.ProcessId;

            var targets = new Targets(suite, suite.Token, institutionToken, aggregatorPort);
            var duration = TimeSpan.FromSeconds(options.Duration);
            var scenarios = Scenarios(targets, seeder)
                .Where(s => options.Only.Length == 0 || options.Only.Any(o => s.Name.Contains(o, StringComparison.OrdinalIgnoreCase))).ToList();

            // Growth, first stage: 1,000 learners (or fewer) and the base postings.
            if (options.Growth)
            {
                await SeedAsync(seeder, Math.Min(1_000, options.Learners), options.Postings, report);
                await MeasureGrowthAsync(scenarios, seeder, duration, options, report);
            }
            await SeedAsync(seeder, options.Learners, options.Postings, report);
            if (options.Growth) await MeasureGrowthAsync(scenarios, seeder, duration, options, report);

            if (options.Hold > 0)
            {
                var tokenFile = Path.Combine(suite.DataDirectory, "token");
                await File.WriteAllTextAsync(tokenFile, suite.Token);
                Log($"holding {options.Hold} s: gateway gRPC {suite.GatewayGrpc}, REST {targets.GatewayHttp}, token (gov-system) in {tokenFile}");
                await Task.Delay(TimeSpan.FromSeconds(options.Hold));
            }

            Log($"warming up: {options.Warmup} s per scenario at 16 in flight");
            foreach (var scenario in scenarios) await LoadRunner.RunAsync(scenario.Name, 16, TimeSpan.FromSeconds(options.Warmup), scenario.Call);

            var rssBefore = processes.ToDictionary(p => p.Key, p => ReadStatusKiB(p.Value, "VmRSS"));
            foreach (var scenario in scenarios)
            {
                foreach (var inFlight in options.InFlight)
                {
                    var cpuBefore = processes.ToDictionary(p => p.Key, p => CpuSeconds(p.Value));
                    using var sampling = new CancellationTokenSource();
                    var timeline = SampleRssAsync(scenario.Name, inFlight, processes, duration, sampling.Token);
                    var step = await LoadRunner.RunAsync(scenario.Name, inFlight, duration, scenario.Call);
                    await sampling.CancelAsync();
                    report.RssTimelines.Add(await timeline);
                    var calls = step.Statuses.Values.Sum();
                    if (calls > 0)
                        report.CpuCosts.Add(new CpuCost(step.Scenario, inFlight, calls,
                            processes.ToDictionary(p => p.Key, p => (CpuSeconds(p.Value) - cpuBefore[p.Key]) * 1000.0 / calls)));
                    Log($"{step.Scenario,-26} {inFlight,3} in flight: {step.Rps,9:0} rps  p50 {step.P50Ms,7:0.00} ms  p99 {step.P99Ms,7:0.00} ms  {Statuses(step)}");
                    report.Steps.Add(step);
                }
            }

            if (options.Import > 0) report.Steps.Add(await ImportAsync(options, provider));

            if (options.Growth && options.Postings * 10 > seeder.Postings)
            {
                await SeedAsync(seeder, options.Learners, options.Postings * 10, report);
                await MeasureGrowthAsync(scenarios, seeder, duration, options, report);
            }

            foreach (var (name, pid) in processes)
            {
                report.Processes.Add(new ProcessMemory(name, pid, ReadStatusKiB(pid, "VmHWM") / 1024.0, rssBefore[name] / 1024.0, ReadStatusKiB(pid, "VmRSS") / 1024.0));
            }
        }
        finally
        {
            foreach (var process in new[] { echo, aggregator })
            {
                try { process.Kill(); process.WaitForExit(10_000); } catch (InvalidOperationException) { }
            }
            await DropPostgresDatabasesAsync(options.Postgres, databases);
        }

        report.FinishedAt = DateTimeOffset.UtcNow;
        var markdown = Markdown(report);
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (options.Json is not null)
        {
            await File.WriteAllTextAsync(options.Json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            Log("wrote " + options.Json);
        }

        var failures = report.Steps.Where(s => s.Errors > 0 || s.Ok == 0).Select(s => $"{s.Scenario} at {s.InFlight}: {Statuses(s)}").ToList();
        if (failures.Count > 0)
        {
            Console.Error.WriteLine("scenarios with errors or no figures:\n  " + string.Join("\n  ", failures));
            if (options.Smoke) return 1;
        }
        return 0;
    }

    private sealed record Scenario(string Name, LoadRunner.Call Call);

    /// <summary>Every scenario of the table, in order.</summary>
    private static List<Scenario> Scenarios(Targets t, SuiteSeeder seeder)
    {
        string Learner() => SuiteSeeder.LearnerId(Random.Shared.Next(1, seeder.Learners + 1));
        var health = new Health.HealthClient(t.Gateway);
        var profiles = new LearnerProfileService.LearnerProfileServiceClient(t.Gateway);
        var certificates = new CertificateService.CertificateServiceClient(t.Certificates);
        var issuer = new CertificateService.CertificateServiceClient(t.CertificatesAsInstitution);
        var competitions = new CompetitionService.CompetitionServiceClient(t.Competitions);
        var courses = new CourseService.CourseServiceClient(t.Courses);
        var jobs = new JobPostingService.JobPostingServiceClient(t.JobPostings);
        var fanOut = new CertificateService.CertificateServiceClient(t.Aggregator);
        return
        [
            new("gateway health Check", async (_, _, c) =>
            {
                var response = await health.CheckAsync(new HealthCheckRequest(), cancellationToken: c);
                if (response.Status != HealthCheckResponse.Types.ServingStatus.Serving) throw new RpcException(new Status(StatusCode.Unavailable, response.Status.ToString()));
            }),
            new("bare fan-out baseline", async (_, _, c) => await fanOut.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = Learner() }, cancellationToken: c)),
            new("certificates ListLearnerRecords", async (_, _, c) => await certificates.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = Learner() }, cancellationToken: c)),
            new("competitions ListLearnerRecords", async (_, _, c) => await competitions.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = Learner() }, cancellationToken: c)),
            new("courses ListLearnerRecords", async (_, _, c) => await courses.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = Learner() }, cancellationToken: c)),
            new("jobpostings ListLearnerRecords", async (_, _, c) => await jobs.ListLearnerRecordsAsync(new ListLearnerRecordsRequest { LearnerId = Learner() }, cancellationToken: c)),
            new(ProfileGrpc, async (_, _, c) => Complete((await profiles.GetLearnerProfileAsync(new GetLearnerProfileRequest { LearnerId = Learner() }, cancellationToken: c)).Unreachable)),
            new(ProfileRest, async (_, _, c) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"{t.GatewayHttp}/v1/learners/{Learner()}/profile");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", t.Token);
                using var response = await t.Rest.SendAsync(request, c);
                var body = await response.Content.ReadAsByteArrayAsync(c);
                if (!response.IsSuccessStatusCode) throw new HttpStatusException(response.StatusCode);
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("unreachable", out var unreachable)) Complete(unreachable.EnumerateArray().Select(u => u.GetString() ?? ""));
            }),
            new(Match, async (_, _, c) => Complete((await profiles.MatchJobsAsync(new MatchJobsRequest { LearnerId = Learner() }, cancellationToken: c)).Unreachable)),
            new("GetSkillGap", async (_, _, c) => Complete((await profiles.GetSkillGapAsync(new GetSkillGapRequest
            {
                LearnerId = Learner(), PostingId = seeder.PostingIds[Random.Shared.Next(seeder.PostingIds.Count)],
            }, cancellationToken: c)).Unreachable)),
            new("VerifyCertificate", async (_, _, c) =>
            {
                var (number, name) = seeder.Certificates[Random.Shared.Next(seeder.Certificates.Count)];
                var response = await certificates.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = number, HolderName = name }, cancellationToken: c);
                // A seeded certificate of this holder is found (valid, or expired by its copied dates); anything else is a failure.
                if (response.Result is not (VerificationResult.Valid or VerificationResult.Expired))
                    throw new RpcException(new Status(StatusCode.NotFound, "verification result " + response.Result));
            }),
            new("IssueCertificate", async (_, _, c) =>
            {
                var n = Interlocked.Increment(ref _issued);
                await issuer.IssueCertificateAsync(new IssueCertificateRequest
                {
                    RequestId = Guid.NewGuid().ToString(),
                    TypeCode = "MOHRSS-IR-OPS",
                    Level = CertificateLevel.National4,
                    LearnerId = $"I{n:D7}",
                    HolderName = SuiteSeeder.HolderName((int)n),
                    HolderIdNumber = SuiteSeeder.HolderIdNumber((int)n, "500101"),
                    IssuingOrganisation = "重庆工业职业技术学院考核站",
                    IssueDate = new DateOnly(2026, 6, 1).ToProtoDate(),
                }, cancellationToken: c);
            }),
        ];
    }

    /// <summary>A profile, match or gap that names unreachable backends is degraded: counted as OK_BUT_PARTIAL, not OK.</summary>
    private static void Complete(IEnumerable<string> unreachable)
    {
        var list = unreachable.ToList();
        if (list.Count > 0) throw new PartialResponseException(list);
    }

    private const string ProfileGrpc = "GetLearnerProfile gRPC";
    private const string ProfileRest = "GET /v1/learners/{id}/profile";
    private const string Match = "MatchJobs";

    private static async Task SeedAsync(SuiteSeeder seeder, int learners, int postings, Report report)
    {
        var watch = Stopwatch.StartNew();
        var rows = await seeder.GrowLearnersAsync(learners);
        var learnerSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var postingRows = await seeder.GrowPostingsAsync(postings);
        var line = $"seeded up to {learners:N0} learners ({rows:N0} rows in {learnerSeconds:0.0} s) and {postings:N0} postings ({postingRows:N0} rows in {watch.Elapsed.TotalSeconds:0.0} s)";
        Log(line);
        report.Seeding.Add(new SeedStep(learners, postings, rows + postingRows, learnerSeconds + watch.Elapsed.TotalSeconds));
    }

    private static async Task MeasureGrowthAsync(List<Scenario> scenarios, SuiteSeeder seeder, TimeSpan duration, SuiteOptions options, Report report)
    {
        foreach (var scenario in scenarios.Where(s => s.Name is ProfileGrpc or Match))
        {
            await LoadRunner.RunAsync(scenario.Name, 1, TimeSpan.FromSeconds(options.Warmup), scenario.Call);
            var step = await LoadRunner.RunAsync(scenario.Name, 1, duration, scenario.Call);
            var growth = new GrowthStep(scenario.Name, seeder.Learners, seeder.Postings, step);
            Log($"growth: {scenario.Name} at {seeder.Learners:N0} learners, {seeder.Postings:N0} postings: p50 {step.P50Ms:0.00} ms p99 {step.P99Ms:0.00} ms ({Statuses(step)})");
            report.Growth.Add(growth);
        }
    }

    /// <summary>The import benchmark's own code (a certificates host of its own on a fresh database), its printed figure parsed.</summary>
    private static async Task<StepResult> ImportAsync(SuiteOptions options, DatabaseProvider provider)
    {
        Log($"import of {options.Import:N0} certificates (ImportBenchmark, its own certificates host and database)");
        if (options.Postgres is not null) Environment.SetEnvironmentVariable("CHONGQINGVET_TEST_POSTGRES", options.Postgres);
        var original = Console.Out;
        var captured = new StringWriter(CultureInfo.InvariantCulture);
        var watch = Stopwatch.StartNew();
        var statuses = new Dictionary<string, long>();
        Console.SetOut(captured);
        try
        {
            await ImportBenchmark.RunAsync(provider == DatabaseProvider.Sqlite ? "sqlite" : "postgres", options.Import);
        }
        catch (RpcException e)
        {
            statuses[e.StatusCode.ToString()] = 1;
        }
        finally
        {
            Console.SetOut(original);
        }
        var text = captured.ToString();
        Console.Write(text);
        var created = Number(text, @"created (\d+)");
        var invalid = Number(text, @"invalid (\d+)");
        var perSecond = Number(text, @"(\d+) certificates/s");
        if (created > 0) statuses["OK"] = created;
        if (invalid > 0) statuses["INVALID"] = invalid;
        var duplicate = Number(text, @"duplicate (\d+)");
        if (duplicate > 0) statuses["DUPLICATE"] = duplicate;
        return new StepResult($"import {options.Import:N0} certificates (items/s)", 1, watch.Elapsed.TotalSeconds, created, statuses, perSecond, double.NaN, double.NaN, $"one stream, {ImportBenchmark.DefaultItemsPerMessage} items per message; rps = certificates/s");

        static long Number(string text, string pattern) =>
            Regex.Match(text, pattern) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Channels of the load generator: one per target, HTTP/2 with several connections allowed, the token on every call.</summary>
    private sealed class Targets
    {
        public Targets(LocalSuite suite, string token, string institutionToken, int aggregatorPort)
        {
            Token = token;
            Gateway = Channel(suite.GatewayGrpc, token);
            Certificates = Channel(suite.GrpcAddress(SuiteLayout.Services[0]), token);
            CertificatesAsInstitution = Channel(suite.GrpcAddress(SuiteLayout.Services[0]), institutionToken);
            Competitions = Channel(suite.GrpcAddress(SuiteLayout.Services[1]), token);
            Courses = Channel(suite.GrpcAddress(SuiteLayout.Services[2]), token);
            JobPostings = Channel(suite.GrpcAddress(SuiteLayout.Services[3]), token);
            Aggregator = Channel($"http://127.0.0.1:{aggregatorPort}", token);
            GatewayHttp = $"http://127.0.0.1:{SuiteLayout.Gateway.HttpPort + suite.PortOffset}";
            Rest = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(30) };
        }

        public string Token { get; }
        public GrpcChannel Gateway { get; }
        public GrpcChannel Certificates { get; }
        public GrpcChannel CertificatesAsInstitution { get; }
        public GrpcChannel Competitions { get; }
        public GrpcChannel Courses { get; }
        public GrpcChannel JobPostings { get; }
        public GrpcChannel Aggregator { get; }
        public string GatewayHttp { get; }
        public HttpClient Rest { get; }

        private static GrpcChannel Channel(string address, string token) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            HttpHandler = new BearerHandler(token, new SocketsHttpHandler { EnableMultipleHttp2Connections = true }),
        });
    }

    private sealed class BearerHandler(string token, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return base.SendAsync(request, cancellationToken);
        }
    }

    public sealed record SeedStep(int Learners, int Postings, long Rows, double Seconds);

    public sealed record GrowthStep(string Scenario, int Learners, int Postings, StepResult Result);

    /// <summary>Every process's RSS at the start of a step and after each fifth of it: growth under steady load shows here.</summary>
    public sealed record RssTimeline(string Scenario, int InFlight, List<RssSample> Samples);

    public sealed record RssSample(double Seconds, Dictionary<string, double> RssMiB);

    private static async Task<RssTimeline> SampleRssAsync(string scenario, int inFlight, Dictionary<string, int> processes, TimeSpan duration, CancellationToken stop)
    {
        var samples = new List<RssSample>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        void Sample() => samples.Add(new RssSample(Math.Round(started.Elapsed.TotalSeconds, 1),
            processes.ToDictionary(p => p.Key, p => Math.Round(ReadStatusKiB(p.Value, "VmRSS") / 1024.0, 1))));
        Sample();
        using var timer = new PeriodicTimer(duration / 5);
        try
        {
            while (await timer.WaitForNextTickAsync(stop)) Sample();
        }
        catch (OperationCanceledException)
        {
            // The step ended.
        }
        return new RssTimeline(scenario, inFlight, samples);
    }

    public sealed record ProcessMemory(string Name, int Pid, double PeakRssMiB, double RssBeforeStepsMiB, double RssAfterStepsMiB)
    {
        public double GrowthMiB => RssAfterStepsMiB - RssBeforeStepsMiB;
    }

    /// <summary>CPU time (user + system) each process spent per completed call of a step: where a call's cost goes, whatever else the machine runs.</summary>
    public sealed record CpuCost(string Scenario, int InFlight, long Calls, Dictionary<string, double> MsPerCall)
    {
        public double TotalMsPerCall => MsPerCall.Values.Sum();
    }

    public sealed record Ratio(string Name, int InFlight, double Value, string Definition);

    public sealed class Report
    {
        public required SuiteOptions Options { get; init; }
        public required string Commit { get; init; }
        public required Dictionary<string, string> Machine { get; init; }
        public DateTimeOffset StartedAt { get; init; }
        public DateTimeOffset FinishedAt { get; set; }
        public List<SeedStep> Seeding { get; } = [];
        public List<StepResult> Steps { get; } = [];
        public List<GrowthStep> Growth { get; } = [];
        public List<ProcessMemory> Processes { get; } = [];
        public List<CpuCost> CpuCosts { get; } = [];
        public List<RssTimeline> RssTimelines { get; } = [];
        public List<Ratio> Ratios => ComputeRatios(this);
    }

    private static List<Ratio> ComputeRatios(Report report)
    {
        var ratios = new List<Ratio>();
        StepResult? Find(string scenario, int inFlight) => report.Steps.FirstOrDefault(s => s.Scenario == scenario && s.InFlight == inFlight);
        foreach (var inFlight in report.Options.InFlight)
        {
            if (Find(ProfileGrpc, inFlight) is { } profile && Find("bare fan-out baseline", inFlight) is { Rps: > 0 } fanOut)
                ratios.Add(new Ratio("profile / bare fan-out", inFlight, profile.Rps / fanOut.Rps, "GetLearnerProfile gRPC rps ÷ bare fan-out rps (goal ≥ 0.4 at 64)"));
            if (Find(ProfileRest, inFlight) is { } rest && Find(ProfileGrpc, inFlight) is { Rps: > 0 } grpc)
                ratios.Add(new Ratio("REST / gRPC", inFlight, rest.Rps / grpc.Rps, "GET /v1/learners/{id}/profile rps ÷ GetLearnerProfile gRPC rps (goal ≥ 0.8)"));
        }
        var first = report.Options.InFlight.Min();
        var slowest = report.Steps.Where(s => s.InFlight == first && s.Scenario.EndsWith("ListLearnerRecords", StringComparison.Ordinal)).MaxBy(s => s.P50Ms);
        if (Find(ProfileGrpc, first) is { } single && slowest is { P50Ms: > 0 })
            ratios.Add(new Ratio("profile p50 / slowest backend p50", first, single.P50Ms / slowest.P50Ms, $"GetLearnerProfile p50 ÷ {slowest.Scenario} p50 (goal ≤ 1.5)"));
        return ratios;
    }

    private static string Markdown(Report report)
    {
        var o = report.Options;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"commit {report.Commit}, {(o.Postgres is null ? "SQLite" : "PostgreSQL")}, {report.Machine["cpu"]} ×{report.Machine["nproc"]}, {report.Machine["memory"]}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{o.Learners:N0} learners × {SuiteSeeder.EvidencePerLearner} evidence items, {o.Postings:N0} seeded postings; {o.Duration} s per step after {o.Warmup} s warm-up per scenario");
        text.AppendLine();
        text.AppendLine("| scenario | in flight | rps | p50 ms | p99 ms | responses by status |");
        text.AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (var s in report.Steps)
            text.AppendLine(CultureInfo.InvariantCulture, $"| {s.Scenario} | {s.InFlight} | {s.Rps:N0} | {Ms(s.P50Ms)} | {Ms(s.P99Ms)} | {Statuses(s)} |");
        if (report.Ratios.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| ratio | in flight | value | definition |");
            text.AppendLine("|---|---:|---:|---|");
            foreach (var r in report.Ratios) text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {r.InFlight} | {r.Value:0.000} | {r.Definition} |");
        }
        if (report.CpuCosts.Count > 0)
        {
            var names = report.CpuCosts.SelectMany(c => c.MsPerCall.Keys).Distinct().ToList();
            text.AppendLine();
            text.AppendLine("CPU ms per completed call, by process (user + system time from /proc/<pid>/stat over the step ÷ calls):");
            text.AppendLine();
            text.AppendLine($"| scenario | in flight | {string.Join(" | ", names)} | all |");
            text.AppendLine($"|---|---:|{string.Concat(names.Select(_ => "---:|"))}---:|");
            foreach (var c in report.CpuCosts)
                text.AppendLine(CultureInfo.InvariantCulture, $"| {c.Scenario} | {c.InFlight} | {string.Join(" | ", names.Select(n => c.MsPerCall.GetValueOrDefault(n).ToString("0.000", CultureInfo.InvariantCulture)))} | {c.TotalMsPerCall:0.000} |");
        }
        if (report.Growth.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| cost growth (1 in flight) | learners | postings | p50 ms | p99 ms | rps | responses |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---|");
            foreach (var g in report.Growth)
                text.AppendLine(CultureInfo.InvariantCulture, $"| {g.Scenario} | {g.Learners:N0} | {g.Postings:N0} | {Ms(g.Result.P50Ms)} | {Ms(g.Result.P99Ms)} | {g.Result.Rps:N0} | {Statuses(g.Result)} |");
        }
        if (report.Processes.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| process | peak RSS MiB (VmHWM) | RSS before steps | RSS after steps | growth MiB |");
            text.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var p in report.Processes)
                text.AppendLine(CultureInfo.InvariantCulture, $"| {p.Name} | {p.PeakRssMiB:0} | {p.RssBeforeStepsMiB:0} | {p.RssAfterStepsMiB:0} | {p.GrowthMiB:+0;-0;0} |");
        }
        foreach (var timeline in report.RssTimelines.Where(t => t.Samples.Count > 2 && t.Samples[^1].Seconds >= 60))
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"RSS MiB during {timeline.Scenario} at {timeline.InFlight} in flight, by second of the step:");
            text.AppendLine();
            text.AppendLine("| process | " + string.Join(" | ", timeline.Samples.Select(x => $"{x.Seconds:0} s")) + " |");
            text.AppendLine("|---|" + string.Concat(timeline.Samples.Select(_ => "---:|")));
            foreach (var name in timeline.Samples[0].RssMiB.Keys)
                text.AppendLine("| " + name + " | " + string.Join(" | ", timeline.Samples.Select(x => x.RssMiB[name].ToString("0", CultureInfo.InvariantCulture))) + " |");
        }
        if (report.Seeding.Count > 0)
        {
            text.AppendLine();
            foreach (var s in report.Seeding) text.AppendLine(CultureInfo.InvariantCulture, $"seeded to {s.Learners:N0} learners / {s.Postings:N0} postings: {s.Rows:N0} rows in {s.Seconds:0.0} s");
        }
        return text.ToString();

        static string Ms(double value) => double.IsNaN(value) ? "" : value.ToString("0.00", CultureInfo.InvariantCulture);
    }

    private static string Statuses(StepResult step) => string.Join(", ", step.Statuses.OrderByDescending(s => s.Value).Select(s => $"{s.Key} {s.Value:N0}"));

    /// <summary>User + system CPU seconds of a process (fields 14 and 15 of /proc/&lt;pid&gt;/stat, in clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": fields[0] is field 3
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static long ReadStatusKiB(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                    return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    private static Dictionary<string, string> Machine()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memory = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        return new Dictionary<string, string>
        {
            ["nproc"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
            ["cpu"] = cpu,
            ["memory"] = memory,
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["dotnet"] = Environment.Version.ToString(),
        };
    }

    private static string Git(string arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = ChongqingVet.K8s.Tests.Manifests.Repository.Root };
            using var git = Process.Start(start)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return output.Length > 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private static async Task<Dictionary<string, string>> CreatePostgresDatabasesAsync(string? admin)
    {
        var databases = new Dictionary<string, string>();
        if (admin is null) return databases;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        foreach (var service in SuiteLayout.Services)
        {
            var name = $"cqv_load_{service.Name}_{suffix}";
            await using (var command = new NpgsqlCommand("CREATE DATABASE " + name, connection)) await command.ExecuteNonQueryAsync();
            databases[service.Name] = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        }
        return databases;
    }

    private static async Task DropPostgresDatabasesAsync(string? admin, Dictionary<string, string> databases)
    {
        if (admin is null) return;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        foreach (var connectionString in databases.Values)
        {
            var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");
}
