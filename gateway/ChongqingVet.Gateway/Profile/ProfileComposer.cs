using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.Profile.V1;
using Grpc.Core;

namespace ChongqingVet.Gateway.Profile;

/// <summary>
/// Builds a learner's profile: asks all four services in parallel for the learner's skill evidence and records,
/// merges the evidence, names the skills from the catalog. A backend that cannot be reached leaves its sections
/// out and is listed in <c>unreachable</c>; only when all four are unreachable does the call fail (UNAVAILABLE).
/// </summary>
public sealed class ProfileComposer(
    CertificateService.CertificateServiceClient certificates,
    CompetitionService.CompetitionServiceClient competitions,
    CourseService.CourseServiceClient courses,
    JobPostingService.JobPostingServiceClient jobPostings,
    BackendCaller backends,
    ProfileMerger merger,
    TimeProvider clock,
    GatewayMetrics metrics)
{
    /// <summary>At most this many evidence pages (of 200) per backend and learner.</summary>
    private const int MaxEvidencePages = 10;

    /// <summary>Records read per section (one page); a section with more is marked in truncated_sections.</summary>
    private const int RecordLimit = 200;

    public async Task<LearnerProfile> ComposeAsync(string learnerId, CancellationToken cancellationToken)
    {
        var certificateEvidence = backends.TryAsync(Backends.Certificates, async token =>
            (Evidence: await AllEvidenceAsync((request, t) => certificates.ListLearnerSkillEvidenceAsync(ToCertificates(request), cancellationToken: t).ResponseAsync, learnerId, r => (r.Evidence, r.NextPageToken), token),
             Records: Page(await certificates.ListCertificatesAsync(new ListCertificatesRequest { LearnerId = learnerId, PageSize = RecordLimit }, cancellationToken: token), r => r.Certificates, r => r.NextPageToken)),
            cancellationToken);
        var competitionEvidence = backends.TryAsync(Backends.Competitions, async token =>
            (Evidence: await AllEvidenceAsync((request, t) => competitions.ListLearnerSkillEvidenceAsync(ToCompetitions(request), cancellationToken: t).ResponseAsync, learnerId, r => (r.Evidence, r.NextPageToken), token),
             Records: Page(await competitions.ListResultsAsync(new ListResultsRequest { LearnerId = learnerId, PageSize = RecordLimit }, cancellationToken: token), r => r.Results, r => r.NextPageToken)),
            cancellationToken);
        var courseEvidence = backends.TryAsync(Backends.Courses, async token =>
            (Evidence: await AllEvidenceAsync((request, t) => courses.ListLearnerSkillEvidenceAsync(ToCourses(request), cancellationToken: t).ResponseAsync, learnerId, r => (r.Evidence, r.NextPageToken), token),
             Records: Page(await courses.ListEnrollmentsAsync(new ListEnrollmentsRequest { LearnerId = learnerId, PageSize = RecordLimit }, cancellationToken: token), r => r.Enrollments, r => r.NextPageToken)),
            cancellationToken);
        var placementEvidence = backends.TryAsync(Backends.JobPostings, async token =>
            (Evidence: await AllEvidenceAsync((request, t) => jobPostings.ListLearnerSkillEvidenceAsync(ToJobPostings(request), cancellationToken: t).ResponseAsync, learnerId, r => (r.Evidence, r.NextPageToken), token),
             Records: Page(await jobPostings.ListPlacementsAsync(new ListPlacementsRequest { LearnerId = learnerId, PageSize = RecordLimit }, cancellationToken: token), r => r.Placements, r => r.NextPageToken)),
            cancellationToken);
        await Task.WhenAll(certificateEvidence, competitionEvidence, courseEvidence, placementEvidence);

        var profile = new LearnerProfile { LearnerId = learnerId, GenerateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(clock.GetUtcNow()) };
        var evidence = new List<SkillEvidence>();
        var reachable = 0;
        if (Collect(certificateEvidence.Result, Backends.Certificates, "certificates", profile, evidence, out var certificateRecords))
        {
            reachable++;
            profile.Certificates.AddRange(certificateRecords!.Select(Summaries.Certificate));
        }
        if (Collect(competitionEvidence.Result, Backends.Competitions, "awards", profile, evidence, out var results))
        {
            reachable++;
            profile.Awards.AddRange(results!.Select(Summaries.Award));
        }
        if (Collect(courseEvidence.Result, Backends.Courses, "courses", profile, evidence, out var enrollments))
        {
            reachable++;
            profile.Courses.AddRange(enrollments!.Select(Summaries.Course));
        }
        if (Collect(placementEvidence.Result, Backends.JobPostings, "placements", profile, evidence, out var placements))
        {
            reachable++;
            profile.Placements.AddRange(placements!.Select(Summaries.Placement));
        }
        if (reachable == 0)
        {
            metrics.SectionsUnreachable(profile.Unreachable);
            throw new RpcException(new Status(StatusCode.Unavailable, "No backend service could be reached; try again later."));
        }

        profile.Skills.AddRange(merger.Merge(evidence, clock.GetUtcNow()));
        await NameSkillsAsync(profile, cancellationToken);
        metrics.SectionsUnreachable(profile.Unreachable);
        return profile;
    }

    private async Task NameSkillsAsync(LearnerProfile profile, CancellationToken cancellationToken)
    {
        if (profile.Skills.Count == 0) return;
        var catalog = await backends.TryAsync(Backends.JobPostings, async token =>
            await jobPostings.BatchGetSkillsAsync(new BatchGetSkillsRequest { Codes = { profile.Skills.Select(s => s.SkillCode).Take(500) } }, cancellationToken: token),
            cancellationToken);
        if (!catalog.Reachable)
        {
            if (!profile.Unreachable.Contains(Backends.JobPostings)) profile.Unreachable.Add(Backends.JobPostings);
            return;
        }
        var names = catalog.Value!.Skills.ToDictionary(s => s.Code, StringComparer.Ordinal);
        foreach (var skill in profile.Skills)
        {
            if (!names.TryGetValue(skill.SkillCode, out var known)) continue;
            skill.KnownInCatalog = true;
            skill.SkillName = known.NameZh;
            skill.SkillNameEn = known.NameEn;
        }
    }

    private static bool Collect<TRecord>(BackendResult<(EvidencePages Evidence, RecordPage<TRecord> Records)> result, string backend, string section,
        LearnerProfile profile, List<SkillEvidence> evidence, out IReadOnlyList<TRecord>? records)
    {
        if (!result.Reachable)
        {
            profile.Unreachable.Add(backend);
            records = null;
            return false;
        }
        evidence.AddRange(result.Value.Evidence.Items);
        if (result.Value.Evidence.Truncated && !profile.TruncatedSections.Contains("skills")) profile.TruncatedSections.Add("skills");
        if (result.Value.Records.Truncated) profile.TruncatedSections.Add(section);
        records = result.Value.Records.Items;
        return true;
    }

    /// <summary>One page of records; <c>Truncated</c> when the backend has more than the gateway read.</summary>
    internal sealed record RecordPage<T>(IReadOnlyList<T> Items, bool Truncated);

    /// <summary>The evidence read; <c>Truncated</c> when pages were left unread at <see cref="MaxEvidencePages"/>.</summary>
    internal sealed record EvidencePages(List<SkillEvidence> Items, bool Truncated);

    private static RecordPage<T> Page<TResponse, T>(TResponse response, Func<TResponse, IEnumerable<T>> items, Func<TResponse, string> nextPageToken) =>
        new(items(response).ToList(), !string.IsNullOrEmpty(nextPageToken(response)));

    private static async Task<EvidencePages> AllEvidenceAsync<TResponse>(
        Func<(string LearnerId, string PageToken), CancellationToken, Task<TResponse>> page,
        string learnerId, Func<TResponse, (IEnumerable<SkillEvidence> Items, string Next)> read, CancellationToken cancellationToken)
    {
        var all = new List<SkillEvidence>();
        var token = string.Empty;
        for (var i = 0; i < MaxEvidencePages; i++)
        {
            var (items, next) = read(await page((learnerId, token), cancellationToken));
            all.AddRange(items);
            if (string.IsNullOrEmpty(next)) return new EvidencePages(all, Truncated: false);
            token = next;
        }
        return new EvidencePages(all, Truncated: true);
    }

    private static Certificates.V1.ListLearnerSkillEvidenceRequest ToCertificates((string LearnerId, string PageToken) r) => new() { LearnerId = r.LearnerId, PageToken = r.PageToken, PageSize = 200 };
    private static Competitions.V1.ListLearnerSkillEvidenceRequest ToCompetitions((string LearnerId, string PageToken) r) => new() { LearnerId = r.LearnerId, PageToken = r.PageToken, PageSize = 200 };
    private static Courses.V1.ListLearnerSkillEvidenceRequest ToCourses((string LearnerId, string PageToken) r) => new() { LearnerId = r.LearnerId, PageToken = r.PageToken, PageSize = 200 };
    private static JobPostings.V1.ListLearnerSkillEvidenceRequest ToJobPostings((string LearnerId, string PageToken) r) => new() { LearnerId = r.LearnerId, PageToken = r.PageToken, PageSize = 200 };
}
