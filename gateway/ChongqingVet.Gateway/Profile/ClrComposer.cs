using ChongqingVet.Certificates.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Credentials;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.Profile.V1;

namespace ChongqingVet.Gateway.Profile;

/// <summary>Settings of the learner record export (section <c>Clr</c>).</summary>
public sealed class ClrOptions
{
    /// <summary>The most records per section (certificates, results, enrolments) one learner record reads; more is FAILED_PRECONDITION. Default 1000.</summary>
    public int MaxRecordsPerSection { get; set; } = 1000;

    /// <summary>The issuer's name in the record. Default "重庆职业教育岗课赛证平台 ChongqingVet".</summary>
    public string IssuerName { get; set; } = "重庆职业教育岗课赛证平台 ChongqingVet";
}

/// <summary>
/// The learner's Comprehensive Learner Record (ClrDocument), signed with the gateway's active credential key. Every
/// section is read in full (paged, up to <see cref="ClrOptions.MaxRecordsPerSection"/>) with the caller's own token —
/// so the certificates service authorises and audits each signed certificate it hands out — and a record is never
/// issued with a section missing: a backend that cannot be reached fails the call (UNAVAILABLE), it does not shorten
/// the record. "Active records": certificates whose effective status is active, competition results with an award
/// (not participation), and enrolments with a passing grade.
/// </summary>
public sealed class ClrComposer(
    CertificateService.CertificateServiceClient certificates,
    CompetitionService.CompetitionServiceClient competitions,
    CourseService.CourseServiceClient courses,
    BackendCaller backends,
    BoundedFanOut fanOut,
    GatewayCredentialKeys keys,
    ClrOptions options,
    TimeProvider clock)
{
    private const int PageSize = 100;
    private const int BatchSize = 100;

    public async Task<LearnerClr> ComposeAsync(string learnerId, CancellationToken cancellationToken)
    {
        var credentialsTask = CertificateCredentialsAsync(learnerId, cancellationToken);
        var awardsTask = AwardsAsync(learnerId, cancellationToken);
        var coursesTask = PassedCoursesAsync(learnerId, cancellationToken);
        await Task.WhenAll(credentialsTask, awardsTask, coursesTask);

        var content = new ClrContent(learnerId, credentialsTask.Result, awardsTask.Result, coursesTask.Result);
        var key = keys.Ring.Active;
        var document = ClrDocument.Build(keys.IssuerBaseUrl, options.IssuerName, content, clock.GetUtcNow());
        return new LearnerClr
        {
            Credential = CompactJws.Sign(document, key),
            KeyId = key.KeyId,
            CertificateCount = content.CertificateCredentials.Count,
            AwardCount = content.Awards.Count,
            CourseCount = content.Courses.Count,
        };
    }

    private async Task<IReadOnlyList<string>> CertificateCredentialsAsync(string learnerId, CancellationToken cancellationToken)
    {
        var active = await AllPagesAsync<Certificate>("certificates", async (token, c) =>
        {
            var page = await certificates.ListCertificatesAsync(new ListCertificatesRequest
            {
                LearnerId = learnerId, Status = CertificateStatus.Active, PageSize = PageSize, PageToken = token,
            }, cancellationToken: c);
            return ((IEnumerable<Certificate>)page.Certificates, page.NextPageToken);
        }, Backends.Certificates, cancellationToken);
        var numbers = active.Select(c => c.CertificateNumber).Order(StringComparer.Ordinal).ToList();
        var credentials = await fanOut.SelectAsync(numbers, number => backends.CallAsync(Backends.Certificates, async c =>
            await certificates.GetCertificateCredentialAsync(new Certificates.V1.GetCertificateCredentialRequest { CertificateNumber = number, LearnerId = learnerId }, cancellationToken: c),
            cancellationToken));
        return [.. credentials.Select(c => c.Jws)];
    }

    private async Task<IReadOnlyList<ClrAward>> AwardsAsync(string learnerId, CancellationToken cancellationToken)
    {
        var results = await AllPagesAsync<Result>("results", async (token, c) =>
        {
            var page = await competitions.ListResultsAsync(new ListResultsRequest { LearnerId = learnerId, PageSize = PageSize, PageToken = token }, cancellationToken: c);
            return ((IEnumerable<Result>)page.Results, page.NextPageToken);
        }, Backends.Competitions, cancellationToken);
        var awarded = results.Where(r => r.AwardGrade is not (Common.V1.AwardGrade.Unspecified or Common.V1.AwardGrade.Participation)).ToList();
        var byId = new Dictionary<string, Competition>(StringComparer.Ordinal);
        foreach (var chunk in awarded.Select(r => r.CompetitionId).Distinct(StringComparer.Ordinal).Chunk(BatchSize))
        {
            var batch = await backends.CallAsync(Backends.Competitions, async c =>
                await competitions.BatchGetCompetitionsAsync(new BatchGetCompetitionsRequest { Ids = { chunk } }, cancellationToken: c), cancellationToken);
            foreach (var competition in batch.Competitions) byId[competition.Id] = competition;
        }
        // A result whose competition is gone cannot be described: it is left out, as in the transcript.
        return [.. awarded.Where(r => byId.ContainsKey(r.CompetitionId)).OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => new ClrAward(r, byId[r.CompetitionId]))];
    }

    private async Task<IReadOnlyList<ClrCourse>> PassedCoursesAsync(string learnerId, CancellationToken cancellationToken)
    {
        var enrollments = await AllPagesAsync<Enrollment>("enrollments", async (token, c) =>
        {
            var page = await courses.ListEnrollmentsAsync(new ListEnrollmentsRequest { LearnerId = learnerId, PageSize = PageSize, PageToken = token }, cancellationToken: c);
            return ((IEnumerable<Enrollment>)page.Enrollments, page.NextPageToken);
        }, Backends.Courses, cancellationToken);
        var passed = enrollments.Where(e => e.Grade is { Passed: true }).ToList();
        var byCode = new Dictionary<string, Course>(StringComparer.Ordinal);
        foreach (var chunk in passed.Select(e => e.CourseCode).Distinct(StringComparer.Ordinal).Chunk(BatchSize))
        {
            var batch = await backends.CallAsync(Backends.Courses, async c =>
                await courses.BatchGetCoursesAsync(new BatchGetCoursesRequest { Codes = { chunk } }, cancellationToken: c), cancellationToken);
            foreach (var course in batch.Courses) byCode[course.Code] = course;
        }
        return [.. passed.OrderBy(e => e.Term, StringComparer.Ordinal).ThenBy(e => e.CourseCode, StringComparer.Ordinal).ThenBy(e => e.Id, StringComparer.Ordinal)
            .Select(e => new ClrCourse(e, byCode.GetValueOrDefault(e.CourseCode)))];
    }

    /// <summary>Every page of a learner's list, up to the section limit (beyond it: FAILED_PRECONDITION, never a cut record).</summary>
    private async Task<List<T>> AllPagesAsync<T>(string section, Func<string, CancellationToken, Task<(IEnumerable<T> Items, string Next)>> page,
        string backend, CancellationToken cancellationToken)
    {
        var all = new List<T>();
        var token = "";
        do
        {
            var (items, next) = await backends.CallAsync(backend, c => page(token, c), cancellationToken);
            all.AddRange(items);
            token = next;
            if (all.Count > options.MaxRecordsPerSection)
                throw new FailedPreconditionException("CLR_SECTION_TOO_LARGE",
                    $"The learner has more than {options.MaxRecordsPerSection} {section}; a learner record holds at most that many per section (Clr:MaxRecordsPerSection).");
        }
        while (token.Length > 0);
        return all;
    }
}
