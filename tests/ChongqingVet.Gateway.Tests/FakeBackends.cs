using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.JobPostings.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ChongqingVet.Gateway.Tests;

/// <summary>How a scripted backend answers: normally, UNAVAILABLE, INVALID_ARGUMENT, or never (until the call is cancelled).</summary>
public sealed class Script
{
    public StatusCode? Fail { get; set; }

    /// <summary>Learner-record calls never answer; they end only when the caller cancels them (counted in <see cref="CancelledCalls"/>).</summary>
    public bool Hangs { get; set; }

    /// <summary>Calls of ListLearnerRecords (the profile's one call per backend and page), whatever their outcome.</summary>
    public int RecordCalls;
    public int CancelledCalls;

    /// <summary>Calls of the backend's own record list (ListCertificates, ListResults, ListEnrollments, ListPlacements).</summary>
    public int ListCalls;

    /// <summary>Extra enrolments in courses outside the major (each makes the transcript look the course up).</summary>
    public int OutsideCourses { get; set; }

    /// <summary>Course look-ups wait here until the test opens it; InFlight/MaxInFlight count them.</summary>
    public TaskCompletionSource CourseGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public int InFlight;
    public int MaxInFlight;
    public DateTime? LastDeadline { get; set; }
    public string? LastAuthorization { get; set; }

    /// <summary>The next_page_token the record lists answer with: non-empty means "more than this page".</summary>
    public string RecordsNextPageToken { get; set; } = "";

    /// <summary>ListLearnerRecords: how many pages the learner's records fill, and how many records each page holds.</summary>
    public int RecordPages { get; set; } = 1;
    public int RecordsPerPage { get; set; } = 1;

    /// <summary>When set, every ListLearnerRecords page says there is another one.</summary>
    public bool RecordPagesNeverEnd { get; set; }

    /// <summary>Job postings: the postings GetJobPosting and MatchJobPostings answer with, and deprecated code → successor.</summary>
    public List<JobPosting> Postings { get; } = [];
    public MatchJobPostingsResponse Matches { get; set; } = new();
    public Dictionary<string, string> Deprecated { get; } = [];

    /// <summary>Job postings: the codes ListSkills lists (with <see cref="Deprecated"/>'s); BatchGetSkills knows every code but PLC-PROG.</summary>
    public List<string> CatalogCodes { get; } = ["IR-OPS", "IR-PROG"];

    /// <summary>Catalog calls (ListSkills pages, BatchGetSkills calls and the codes each asked for).</summary>
    public int ListSkillsCalls;
    public int BatchGetSkillsCalls;
    public System.Collections.Concurrent.ConcurrentQueue<string[]> BatchGetSkillsCodes { get; } = new();

    /// <summary>When set, BatchGetSkills waits for it (so concurrent requests pile up behind one fetch).</summary>
    public TaskCompletionSource? BatchGetSkillsGate { get; set; }

    /// <summary>Batch gets (BatchGetCourses, BatchGetCompetitions) and catalog list calls (ListCourses, ListCertificateTypes, ListEvents).</summary>
    public int BatchGetCalls;
    public int CatalogListCalls;

    /// <summary>Competitions: awarded results of the learner, each in its own competition ("c1", "c2", …).</summary>
    public int AwardedResults { get; set; } = 1;

    /// <summary>The skill codes the catalog lists answer for (one course / certificate type / upcoming event each).</summary>
    public HashSet<string> Offered { get; } = [];

    /// <summary>When set, the catalog list answers these pages in turn (page tokens "1", "2", …) instead of <see cref="Offered"/>.</summary>
    public List<Course[]>? CoursePages { get; set; }
    public List<CertificateType[]>? CertificateTypePages { get; set; }
    public List<Event[]>? EventPages { get; set; }

    /// <summary>The scripted page a page token asks for, and the token of the next one ("" after the last).</summary>
    public static (T[] Items, string NextPageToken) Page<T>(List<T[]> pages, string pageToken)
    {
        var index = pageToken.Length == 0 ? 0 : int.Parse(pageToken, System.Globalization.CultureInfo.InvariantCulture);
        return (pages[index], index + 1 < pages.Count ? (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
    }

    /// <summary>Certificates: GetCertificateCredential calls (with the request and the authorization they carried).</summary>
    public int CredentialCalls;
    public GetCertificateCredentialRequest? LastCredentialRequest { get; set; }
    public string? LastCredentialAuthorization { get; set; }

    /// <summary>Certificates: calls of GetCredentialKeys and GetStatusListCredential, and the status list's current version (list 1 only).</summary>
    public int KeysCalls;
    public int StatusListCalls;
    public int StatusListVersion { get; set; } = 1;

    public async Task RunAsync(ServerCallContext context)
    {
        Interlocked.Increment(ref RecordCalls);
        LastDeadline = context.Deadline;
        LastAuthorization = context.RequestHeaders.GetValue("authorization");
        if (Hangs)
        {
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref CancelledCalls);
                throw;
            }
        }
        if (Fail is { } code) throw new RpcException(new Status(code, "scripted failure"));
    }

    /// <summary>
    /// One scripted page of ListLearnerRecords: <see cref="RecordsPerPage"/> records numbered from 1 across pages, and
    /// the evidence given by record 1 (on the first page), as the real services pair them.
    /// </summary>
    public ListLearnerRecordsResponse RecordPage(ListLearnerRecordsRequest request, EvidenceSourceKind kind, Func<int, (string Name, IMessage Record)> record, SkillEvidence evidence)
    {
        var page = request.PageToken.Length == 0 ? 1 : int.Parse(request.PageToken, System.Globalization.CultureInfo.InvariantCulture);
        var response = new ListLearnerRecordsResponse
        {
            NextPageToken = RecordPagesNeverEnd || page < RecordPages ? (page + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : "",
        };
        for (var i = 1; i <= RecordsPerPage; i++)
        {
            var (name, message) = record((page - 1) * RecordsPerPage + i);
            response.Records.Add(new LearnerRecord { Name = name, Kind = kind, Record = Any.Pack(message) });
        }
        if (page == 1) response.Evidence.Add(evidence);
        return response;
    }

    public static SkillEvidence Evidence(string skill, SkillLevel level, EvidenceSourceKind kind, string source, double weight = 1) => new()
    {
        SkillCode = skill, Level = level, SourceKind = kind, SourceName = source, Weight = weight, Title = source, Issuer = "fake",
        AchieveTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 6, 30, 0, 0, 0, TimeSpan.Zero)),
    };
}

/// <summary>Four real gRPC servers in memory that answer as scripted.</summary>
public sealed class FakeBackends : IAsyncDisposable
{
    public Script Certificates { get; } = new();
    public Script Competitions { get; } = new();
    public Script Courses { get; } = new();
    public Script JobPostings { get; } = new();

    private readonly List<WebApplication> _apps = [];

    public Dictionary<string, HttpMessageHandler> Handlers { get; } = [];

    public static async Task<FakeBackends> StartAsync()
    {
        var fakes = new FakeBackends();
        await fakes.AddAsync<FakeCertificates>("certificates", fakes.Certificates);
        await fakes.AddAsync<FakeCompetitions>("competitions", fakes.Competitions);
        await fakes.AddAsync<FakeCourses>("courses", fakes.Courses);
        await fakes.AddAsync<FakeJobPostings>("jobpostings", fakes.JobPostings);
        return fakes;
    }

    private async Task AddAsync<TService>(string name, Script script) where TService : class
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(script);
        var app = builder.Build();
        app.MapGrpcService<TService>();
        await app.StartAsync();
        _apps.Add(app);
        Handlers[name] = app.GetTestServer().CreateHandler();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps) await app.DisposeAsync();
    }

    private sealed class FakeCertificates(Script script) : CertificateService.CertificateServiceBase
    {
        public override async Task<ListLearnerRecordsResponse> ListLearnerRecords(ListLearnerRecordsRequest request, ServerCallContext context)
        {
            await script.RunAsync(context);
            return script.RecordPage(request, EvidenceSourceKind.Certificate, i => ($"certificates/S{i}", Certificate(i)),
                Script.Evidence("IR-OPS", SkillLevel._3Advanced, EvidenceSourceKind.Certificate, "certificates/S1"));
        }

        public override Task<CertificateCredential> GetCertificateCredential(GetCertificateCredentialRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.CredentialCalls);
            script.LastCredentialRequest = request;
            script.LastCredentialAuthorization = context.RequestHeaders.GetValue("authorization");
            if (script.Fail is { } code) throw new RpcException(new Status(code, "scripted failure"));
            return Task.FromResult(new CertificateCredential { Jws = $"header.{request.CertificateNumber}.signature", KeyId = "fake-key" });
        }

        public override Task<CredentialKeys> GetCredentialKeys(GetCredentialKeysRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.KeysCalls);
            if (script.Fail is { } code) throw new RpcException(new Status(code, "scripted failure"));
            return Task.FromResult(new CredentialKeys { JwksJson = """{"keys":[{"kty":"EC","kid":"fake-key"}]}""", MaxAgeSeconds = 300 });
        }

        public override Task<StatusListCredential> GetStatusListCredential(GetStatusListCredentialRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.StatusListCalls);
            if (script.Fail is { } code) throw new RpcException(new Status(code, "scripted failure"));
            if (request.ListId != 1) throw new RpcException(new Status(StatusCode.NotFound, "no such list"));
            var version = script.StatusListVersion;
            return Task.FromResult(new StatusListCredential { Jws = $"header.list-v{version}.signature", Etag = $"\"v{version}\"", MaxAgeSeconds = 60 });
        }

        public override Task<ListCertificatesResponse> ListCertificates(ListCertificatesRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.ListCalls);
            return Task.FromResult(new ListCertificatesResponse { Certificates = { Certificate(1) }, NextPageToken = script.RecordsNextPageToken });
        }

        private static Certificate Certificate(int i) => new()
        {
            CertificateNumber = $"S{i}", TypeCode = "MOHRSS-IR-OPS", Level = CertificateLevel.National3, Status = CertificateStatus.Active,
            IssueDate = new Google.Type.Date { Year = 2025, Month = 6, Day = 30 },
        };

        public override Task<ListCertificateTypesResponse> ListCertificateTypes(ListCertificateTypesRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.CatalogListCalls);
            if (script.CertificateTypePages is { } pages)
            {
                var (items, next) = Script.Page(pages, request.PageToken);
                return Task.FromResult(new ListCertificateTypesResponse { CertificateTypes = { items }, NextPageToken = next });
            }
            var response = new ListCertificateTypesResponse();
            foreach (var code in request.SkillCodes.Append(request.SkillCode).Where(script.Offered.Contains))
            {
                var level = new CertificateTypeLevel { Level = CertificateLevel.National3, AttestedSkills = { new SkillRef { SkillCode = code, Level = SkillLevel._3Advanced } } };
                response.CertificateTypes.Add(new CertificateType { Code = "T-" + code, Name = "证书" + code, Levels = { level } });
            }
            return Task.FromResult(response);
        }
    }

    private sealed class FakeCompetitions(Script script) : CompetitionService.CompetitionServiceBase
    {
        public override async Task<ListLearnerRecordsResponse> ListLearnerRecords(ListLearnerRecordsRequest request, ServerCallContext context)
        {
            await script.RunAsync(context);
            return script.RecordPage(request, EvidenceSourceKind.Competition, i => ($"results/{i}", Result(i)),
                Script.Evidence("IR-PROG", SkillLevel._2Technician, EvidenceSourceKind.Competition, "results/1"));
        }

        public override Task<ListResultsResponse> ListResults(ListResultsRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.ListCalls);
            return Task.FromResult(new ListResultsResponse { Results = { Enumerable.Range(1, script.AwardedResults).Select(Result) }, NextPageToken = script.RecordsNextPageToken });
        }

        private static Result Result(int i) => new() { Id = $"{i}", CompetitionId = $"c{i}", EventCode = "GZ013", AwardGrade = AwardGrade.FirstPrize };

        public override Task<Competition> GetCompetition(GetCompetitionRequest request, ServerCallContext context) =>
            Task.FromResult(new Competition { Id = request.Id, Tier = CompetitionTier.National });

        public override Task<BatchGetCompetitionsResponse> BatchGetCompetitions(BatchGetCompetitionsRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.BatchGetCalls);
            return Task.FromResult(new BatchGetCompetitionsResponse { Competitions = { request.Ids.Select(id => new Competition { Id = id, Tier = CompetitionTier.National }) } });
        }

        public override Task<ListEventsResponse> ListEvents(ListEventsRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.CatalogListCalls);
            if (script.EventPages is { } pages)
            {
                var (items, next) = Script.Page(pages, request.PageToken);
                return Task.FromResult(new ListEventsResponse { Events = { items }, NextPageToken = next });
            }
            var response = new ListEventsResponse();
            foreach (var code in request.SkillCodes.Append(request.SkillCode).Where(script.Offered.Contains))
                response.Events.Add(new Event { CompetitionId = "c9", Code = "E-" + code, Name = "赛项" + code, SkillsTested = { new SkillRef { SkillCode = code, Level = SkillLevel._3Advanced } } });
            return Task.FromResult(response);
        }
    }

    private sealed class FakeCourses(Script script) : CourseService.CourseServiceBase
    {
        public override async Task<ListLearnerRecordsResponse> ListLearnerRecords(ListLearnerRecordsRequest request, ServerCallContext context)
        {
            await script.RunAsync(context);
            return script.RecordPage(request, EvidenceSourceKind.Course, i => ($"enrollments/{i}", new Enrollment { Id = $"{i}", CourseCode = "IR-101", Status = EnrollmentStatus.Passed }),
                Script.Evidence("IR-OPS", SkillLevel._4Intermediate, EvidenceSourceKind.Course, "enrollments/1", 0.85));
        }

        public override Task<ListEnrollmentsResponse> ListEnrollments(ListEnrollmentsRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.ListCalls);
            var response = new ListEnrollmentsResponse { Enrollments = { new Enrollment { Id = "1", CourseCode = "IR-101", Status = EnrollmentStatus.Passed } }, NextPageToken = script.RecordsNextPageToken };
            for (var i = 0; i < script.OutsideCourses; i++)
                response.Enrollments.Add(new Enrollment { Id = $"x{i}", CourseCode = $"OUT-{i:D3}", Status = EnrollmentStatus.Passed });
            return Task.FromResult(response);
        }

        public override Task<ListCoursesResponse> ListCourses(ListCoursesRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.CatalogListCalls);
            if (script.CoursePages is { } pages)
            {
                var (items, next) = Script.Page(pages, request.PageToken);
                return Task.FromResult(new ListCoursesResponse { Courses = { items }, NextPageToken = next });
            }
            var response = new ListCoursesResponse();
            foreach (var code in request.SkillCodes.Append(request.SkillCode).Where(script.Offered.Contains))
                response.Courses.Add(new Course { Code = "C-" + code, Name = "课程" + code, Credits = 2, SkillOutcomes = { new SkillRef { SkillCode = code, Level = SkillLevel._3Advanced } } });
            return Task.FromResult(response);
        }

        public override Task<BatchGetCoursesResponse> BatchGetCourses(BatchGetCoursesRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.BatchGetCalls);
            var response = new BatchGetCoursesResponse();
            foreach (var code in request.Codes)
            {
                if (code.StartsWith("GONE-", StringComparison.Ordinal)) response.MissingCodes.Add(code);
                else response.Courses.Add(new Course { Code = code, Name = "课程" + code, Credits = 2 });
            }
            return Task.FromResult(response);
        }

        public override Task<EvaluateCreditRecognitionResponse> EvaluateCreditRecognition(EvaluateCreditRecognitionRequest request, ServerCallContext context) =>
            Task.FromResult(new EvaluateCreditRecognitionResponse());

        public override async Task<Course> GetCourse(GetCourseRequest request, ServerCallContext context)
        {
            var now = Interlocked.Increment(ref script.InFlight);
            InterlockedMax(ref script.MaxInFlight, now);
            try
            {
                await script.CourseGate.Task.WaitAsync(context.CancellationToken);
                return new Course { Code = request.Code, Name = request.Code, Credits = 2 };
            }
            finally
            {
                Interlocked.Decrement(ref script.InFlight);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }

    private sealed class FakeJobPostings(Script script) : JobPostingService.JobPostingServiceBase
    {
        public override async Task<ListLearnerRecordsResponse> ListLearnerRecords(ListLearnerRecordsRequest request, ServerCallContext context)
        {
            await script.RunAsync(context);
            return script.RecordPage(request, EvidenceSourceKind.Placement,
                i => ($"placements/{i}", new Placement { Id = $"{i}", EmployerCreditCode = "91500000MA5U000000", Status = PlacementStatus.Completed }),
                Script.Evidence("PLC-PROG", SkillLevel._4Intermediate, EvidenceSourceKind.Placement, "placements/1", 0.75));
        }

        public override Task<ListPlacementsResponse> ListPlacements(ListPlacementsRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.ListCalls);
            return Task.FromResult(new ListPlacementsResponse { NextPageToken = script.RecordsNextPageToken });
        }

        public override Task<JobPosting> GetJobPosting(GetJobPostingRequest request, ServerCallContext context) =>
            Task.FromResult(script.Postings.FirstOrDefault(p => p.Id == request.Id) ?? throw new RpcException(new Status(StatusCode.NotFound, "no such posting")));

        public override Task<MatchJobPostingsResponse> MatchJobPostings(MatchJobPostingsRequest request, ServerCallContext context) =>
            Task.FromResult(script.Matches);

        public override Task<ListSkillsResponse> ListSkills(ListSkillsRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.ListSkillsCalls);
            if (script.Fail is { } code) throw new RpcException(new Status(code, "scripted failure"));
            var all = script.CatalogCodes.Concat(script.Deprecated.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
            // Pages of page_size; the token is the index of the next skill.
            var from = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken, System.Globalization.CultureInfo.InvariantCulture);
            var size = request.PageSize > 0 ? request.PageSize : 50;
            var response = new ListSkillsResponse { Skills = { all.Skip(from).Take(size).Select(Skill) } };
            if (from + size < all.Length) response.NextPageToken = (from + size).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Task.FromResult(response);
        }

        private Skill Skill(string code) => new()
        {
            Code = code, NameZh = "技能" + code, NameEn = "Skill " + code,
            Deprecated = script.Deprecated.ContainsKey(code), SuccessorCode = script.Deprecated.GetValueOrDefault(code, ""),
        };

        public override async Task<BatchGetSkillsResponse> BatchGetSkills(BatchGetSkillsRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref script.BatchGetSkillsCalls);
            script.BatchGetSkillsCodes.Enqueue([.. request.Codes]);
            if (script.BatchGetSkillsGate is { } gate) await gate.Task.WaitAsync(context.CancellationToken);
            if (script.Fail is { } code) throw new RpcException(new Status(code, "scripted failure"));
            await Task.Yield();
            var response = new BatchGetSkillsResponse();
            foreach (var code2 in request.Codes)
            {
                if (code2 == "PLC-PROG") response.MissingCodes.Add(code2);
                else response.Skills.Add(Skill(code2));
            }
            return response;
        }
    }
}
