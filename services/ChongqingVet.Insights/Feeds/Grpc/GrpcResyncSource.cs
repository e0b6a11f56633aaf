using System.Runtime.CompilerServices;
using ChongqingVet.Common.V1;
using ChongqingVet.Data.Changes;
using Google.Protobuf;
using Grpc.Core;
using CertV1 = ChongqingVet.Certificates.V1;
using CompV1 = ChongqingVet.Competitions.V1;
using CourseV1 = ChongqingVet.Courses.V1;
using JobsV1 = ChongqingVet.JobPostings.V1;

namespace ChongqingVet.Insights.Feeds.Grpc;

/// <summary>
/// A source's re-sync over gRPC (docs/INSIGHTS.md, "Re-sync after CURSOR_EXPIRED"). The head is the first heartbeat of
/// WatchChanges with start_from_now (changes.read). The resources come from the service's List calls, every page, with
/// no filter, under a token with <see cref="ListScopes"/> — the List calls that return the same state the feed's
/// changes carry:
/// <list type="table">
/// <item><term>certificates</term><description>ListCertificateTypes (catalog.read), ListCertificates (certificates.read; without certificates.holder.read, so no holder name or masked ID number)</description></item>
/// <item><term>competitions</term><description>ListCompetitions, ListEvents (catalog.read), ListResults (profiles.read)</description></item>
/// <item><term>courses</term><description>ListMajors, ListCourses (catalog.read). Not enrolments: ListEnrollments requires a learner id, so no call lists them all — they are replayed from the oldest change the feed keeps (<see cref="IResyncSource.ListedTypes"/>)</description></item>
/// <item><term>jobpostings</term><description>ListSkills with include_deprecated, ListEmployers, ListJobPostings (catalog.read), ListPlacements (profiles.read)</description></item>
/// </list>
/// Each state is the message's protobuf JSON with any value shaped like a national ID number withheld, exactly as the
/// outbox writes it (<see cref="ChangeOutbox.StateJson"/>); resource names are the feed's (docs/CHANGE_FEEDS.md).
/// </summary>
public sealed class GrpcResyncSource(string source, ChannelBase channel, Func<string, CancellationToken, Task<string?>> bearerToken) : IResyncSource
{
    /// <summary>The scopes of the List calls' token (the development gov-system client has them).</summary>
    public const string ListScopes = "catalog.read certificates.read profiles.read";

    /// <summary>The feed's scope, for the head.</summary>
    public const string FeedScope = "changes.read";

    private const int PageSize = ChongqingVet.Data.PageSize.Maximum;

    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> ListedTypesBySource = new Dictionary<string, IReadOnlyList<string>>
    {
        ["certificates"] = [CertV1.CertificateType.Descriptor.FullName, CertV1.Certificate.Descriptor.FullName],
        ["competitions"] = [CompV1.Competition.Descriptor.FullName, CompV1.Event.Descriptor.FullName, CompV1.Result.Descriptor.FullName],
        ["courses"] = [CourseV1.Major.Descriptor.FullName, CourseV1.Course.Descriptor.FullName],
        ["jobpostings"] = [JobsV1.Skill.Descriptor.FullName, JobsV1.Employer.Descriptor.FullName, JobsV1.JobPosting.Descriptor.FullName, JobsV1.Placement.Descriptor.FullName],
    };

    public string Source => source;

    public IReadOnlyCollection<string> ListedTypes => ListedTypesBySource.GetValueOrDefault(source, []);

    public async Task<FeedHead> ReadHeadAsync(IReadOnlyCollection<string> resourceTypes, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var request = new WatchChangesRequest { StartFromNow = true, ResourceTypes = { resourceTypes } };
        using var call = new ChangeFeedService.ChangeFeedServiceClient(channel)
            .WatchChanges(request, await HeadersAsync(FeedScope, cancellationToken), cancellationToken: stop.Token);
        if (!await call.ResponseStream.MoveNext(stop.Token))
            throw new InvalidOperationException($"The {source} change feed ended before its first heartbeat.");
        var first = call.ResponseStream.Current;
        // The stream is no longer needed: the head is where following resumes once the listing is stored.
        await stop.CancelAsync();
        if (first.EventCase != WatchChangesResponse.EventOneofCase.Heartbeat)
            throw new InvalidOperationException($"The {source} change feed did not start with a heartbeat under start_from_now.");
        return new FeedHead(first.Heartbeat.Cursor, first.Heartbeat.HeadSequence, first.Heartbeat.Time?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch);
    }

    public IAsyncEnumerable<ListedResource> ListAsync(CancellationToken cancellationToken) => source switch
    {
        "certificates" => CertificatesAsync(cancellationToken),
        "competitions" => CompetitionsAsync(cancellationToken),
        "courses" => CoursesAsync(cancellationToken),
        "jobpostings" => JobPostingsAsync(cancellationToken),
        _ => throw new InvalidOperationException($"No List calls are known for the source {source}."),
    };

    private async IAsyncEnumerable<ListedResource> CertificatesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = new CertV1.CertificateService.CertificateServiceClient(channel);
        await foreach (var type in PagesAsync<CertV1.CertificateType>(async (token, headers) =>
                       {
                           var page = await client.ListCertificateTypesAsync(new CertV1.ListCertificateTypesRequest { PageSize = PageSize, PageToken = token }, headers, cancellationToken: cancellationToken);
                           return (page.CertificateTypes, page.NextPageToken);
                       }, cancellationToken))
            yield return Listed("certificateTypes/" + type.Code, type);
        await foreach (var certificate in PagesAsync<CertV1.Certificate>(async (token, headers) =>
                       {
                           var page = await client.ListCertificatesAsync(new CertV1.ListCertificatesRequest { PageSize = PageSize, PageToken = token }, headers, cancellationToken: cancellationToken);
                           return (page.Certificates, page.NextPageToken);
                       }, cancellationToken))
        {
            // As the outbox publishes it (CertificateChanges.Published): never the holder's name or masked ID number.
            certificate.HolderName = string.Empty;
            certificate.HolderIdNumberMasked = string.Empty;
            yield return Listed("certificates/" + certificate.CertificateNumber, certificate);
        }
    }

    private async IAsyncEnumerable<ListedResource> CompetitionsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = new CompV1.CompetitionService.CompetitionServiceClient(channel);
        await foreach (var competition in PagesAsync<CompV1.Competition>(async (token, headers) =>
                       {
                           var page = await client.ListCompetitionsAsync(new CompV1.ListCompetitionsRequest { PageSize = PageSize, PageToken = token }, headers, cancellationToken: cancellationToken);
                           return (page.Competitions, page.NextPageToken);
                       }, cancellationToken))
            yield return Listed("competitions/" + competition.Id, competition);
        await foreach (var competitionEvent in PagesAsync<CompV1.Event>(async (token, headers) =>
                       {
                           var page = await client.ListEventsAsync(new CompV1.ListEventsRequest { PageSize = PageSize, PageToken = token }, headers, cancellationToken: cancellationToken);
                           return (page.Events, page.NextPageToken);
                       }, cancellationToken))
            yield return Listed($"competitions/{competitionEvent.CompetitionId}/events/{competitionEvent.Code}", competitionEvent);
        await foreach (var result in PagesAsync<CompV1.Result>(async (token, headers) =>
                       {
                           var page = await client.ListResultsAsync(new CompV1.ListResultsRequest { PageSize = PageSize, PageToken = token }, headers, cancellationToken: cancellationToken);
                           return (page.Results, page.NextPageToken);
                       }, cancellationToken))
            yield return Listed($"competitions/{result.CompetitionId}/events/{result.EventCode}/results/{result.Id}", result);
    }

    private async IAsyncEnumerable<ListedResource> CoursesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = new CourseV1.CourseService.CourseServiceClient(channel);
        await foreach (var major in PagesAsync<CourseV1.Major>(async (token, headers) =>
                       {
                           var page = await client.ListMajorsAsync(new CourseV1.ListMajorsRequest { PageSize = PageSize, PageToken = token }, headers, cancellationToken: cancellationToken);
                           return (page.Majors, page.NextPageToken);
                       }, cancellationToken))
            yield return Listed("majors/" + major.Code, major);
        await foreach (var course in PagesAsync<CourseV1.Course>(async (token, headers) =>
                       {
                           var page = await client.ListCoursesAsync(new CourseV1.ListCoursesRequest { PageSize = PageSize, PageToken = token }, headers, cancellationToken: cancellationToken);
                           return (page.Courses, page.NextPageToken);
                       }, cancellationToken))
            yield return Listed("courses/" + course.Code, course);
    }

    private async IAsyncEnumerable<ListedResource> JobPostingsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = new JobsV1.JobPostingService.JobPostingServiceClient(channel);
        await foreach (var skill in PagesAsync<JobsV1.Skill>(async (token, headers) =>
                       {
                           var page = await client.ListSkillsAsync(new JobsV1.ListSkillsRequest { PageSize = PageSize, PageToken = token, IncludeDeprecated = true }, headers, cancellationToken: cancellationToken);
                           return (page.Skills, page.NextPageToken);
                       }, cancellationToken))
            yield return Listed("skills/" + skill.Code, skill);
        await foreach (var employer in PagesAsync<JobsV1.Employer>(async (token, headers) =>
                       {
                           var page = await client.ListEmployersAsync(new JobsV1.ListEmployersRequest { PageSize = PageSize, PageToken = token }, headers, cancellationToken: cancellationToken);
                           return (page.Employers, page.NextPageToken);
                       }, cancellationToken))
            yield return Listed("employers/" + employer.CreditCode, employer);
        await foreach (var posting in PagesAsync<JobsV1.JobPosting>(async (token, headers) =>
                       {
                           var page = await client.ListJobPostingsAsync(new JobsV1.ListJobPostingsRequest { PageSize = PageSize, PageToken = token }, headers, cancellationToken: cancellationToken);
                           return (page.JobPostings, page.NextPageToken);
                       }, cancellationToken))
            yield return Listed("jobPostings/" + posting.Id, posting);
        await foreach (var placement in PagesAsync<JobsV1.Placement>(async (token, headers) =>
                       {
                           var page = await client.ListPlacementsAsync(new JobsV1.ListPlacementsRequest { PageSize = PageSize, PageToken = token }, headers, cancellationToken: cancellationToken);
                           return (page.Placements, page.NextPageToken);
                       }, cancellationToken))
            yield return Listed("placements/" + placement.Id, placement);
    }

    /// <summary>Every item of a List call, page after page (a fresh token's headers per page: a long listing outlives a token).</summary>
    private async IAsyncEnumerable<T> PagesAsync<T>(Func<string, Metadata, Task<(IEnumerable<T> Items, string NextPageToken)>> page,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var token = string.Empty;
        do
        {
            var (items, next) = await page(token, await HeadersAsync(ListScopes, cancellationToken));
            foreach (var item in items) yield return item;
            token = next;
        } while (token.Length > 0);
    }

    private async Task<Metadata> HeadersAsync(string scope, CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (await bearerToken(scope, cancellationToken) is { Length: > 0 } token) headers.Add("Authorization", "Bearer " + token);
        return headers;
    }

    private static ListedResource Listed(string name, IMessage state) => new(name, state.Descriptor.FullName, ChangeOutbox.StateJson(state));
}
