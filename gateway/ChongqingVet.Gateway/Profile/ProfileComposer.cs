using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Gateway.Catalog;
using ChongqingVet.Gateway.Clients;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.Profile.V1;
using Grpc.Core;

namespace ChongqingVet.Gateway.Profile;

/// <summary>
/// Builds a learner's profile: asks all four services in parallel, through the one learner-record contract, for the
/// learner's records and the skill evidence they give (one call per backend and page; a learner with at most 200
/// records in a service costs one call), merges the evidence, names the skills from the gateway's copy of the catalog
/// (<see cref="SkillCatalog"/>: no catalog call per profile). A backend that cannot
/// be reached leaves its sections out and is listed in <c>unreachable</c>; only when all four are unreachable does the
/// call fail (UNAVAILABLE).
/// </summary>
public sealed class ProfileComposer(
    LearnerRecordSources sources,
    SkillCatalog catalog,
    BackendCaller backends,
    ProfileMerger merger,
    TimeProvider clock,
    GatewayMetrics metrics)
{
    /// <summary>Records asked for per call (the contract's maximum page size).</summary>
    private const int PageSize = 200;

    /// <summary>At most this many pages per backend and learner; evidence of records past them is left out ("skills").</summary>
    private const int MaxPages = 10;

    /// <summary>Records shown per section; a section with more is marked in truncated_sections.</summary>
    private const int RecordLimit = 200;

    public async Task<LearnerProfile> ComposeAsync(string learnerId, CancellationToken cancellationToken)
    {
        var reads = sources.All
            .Select(source => (Source: source, Read: backends.TryAsync(source.Backend, token => ReadAsync(source, learnerId, token), cancellationToken)))
            .ToArray();
        await Task.WhenAll(reads.Select(r => r.Read));

        var profile = new LearnerProfile { LearnerId = learnerId, GenerateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(clock.GetUtcNow()) };
        var evidence = new List<SkillEvidence>();
        var reachable = 0;
        foreach (var (source, read) in reads)
        {
            var result = read.Result;
            if (!result.Reachable)
            {
                profile.Unreachable.Add(source.Backend);
                continue;
            }
            reachable++;
            var records = result.Value!;
            evidence.AddRange(records.Evidence);
            foreach (var record in records.Records.Take(RecordLimit)) AddSummary(profile, record);
            if (records.Truncated && !profile.TruncatedSections.Contains("skills")) profile.TruncatedSections.Add("skills");
            if (records.Records.Count > RecordLimit || records.Truncated) profile.TruncatedSections.Add(source.Section);
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

    /// <summary>The records and evidence read from one backend; <c>Truncated</c> when pages were left unread at <see cref="MaxPages"/>.</summary>
    internal sealed record RecordPages(List<LearnerRecord> Records, List<SkillEvidence> Evidence, bool Truncated);

    /// <summary>Reads the learner's records page by page: one call per page, the same for every backend.</summary>
    private static async Task<RecordPages> ReadAsync(LearnerRecordSource source, string learnerId, CancellationToken cancellationToken)
    {
        var records = new List<LearnerRecord>();
        var evidence = new List<SkillEvidence>();
        var token = string.Empty;
        for (var i = 0; i < MaxPages; i++)
        {
            var page = await source.ListAsync(new ListLearnerRecordsRequest { LearnerId = learnerId, PageSize = PageSize, PageToken = token }, cancellationToken);
            records.AddRange(page.Records);
            evidence.AddRange(page.Evidence);
            if (string.IsNullOrEmpty(page.NextPageToken)) return new RecordPages(records, evidence, Truncated: false);
            token = page.NextPageToken;
        }
        return new RecordPages(records, evidence, Truncated: true);
    }

    /// <summary>Maps one record to its section's summary by the resource it carries; an unknown kind is skipped.</summary>
    private static void AddSummary(LearnerProfile profile, LearnerRecord record)
    {
        // Matched on the type URL's name and parsed straight from the bytes: Any.TryUnpack would cut the name out of the
        // URL once per candidate type and allocate a stream per parse, for every record of every profile.
        if (record.Record is not { } packed) return;
        var url = packed.TypeUrl;
        if (IsOf(url, Certificate.Descriptor)) profile.Certificates.Add(Summaries.Certificate(Certificate.Parser.ParseFrom(packed.Value.Span)));
        else if (IsOf(url, Result.Descriptor)) profile.Awards.Add(Summaries.Award(Result.Parser.ParseFrom(packed.Value.Span)));
        else if (IsOf(url, Enrollment.Descriptor)) profile.Courses.Add(Summaries.Course(Enrollment.Parser.ParseFrom(packed.Value.Span)));
        else if (IsOf(url, Placement.Descriptor)) profile.Placements.Add(Summaries.Placement(Placement.Parser.ParseFrom(packed.Value.Span)));
    }

    /// <summary>Whether a type URL (<c>prefix/full.type.Name</c>) names <paramref name="type"/>, as Any.TryUnpack decides it.</summary>
    private static bool IsOf(string typeUrl, Google.Protobuf.Reflection.MessageDescriptor type) =>
        typeUrl.Length > type.FullName.Length && typeUrl[^(type.FullName.Length + 1)] == '/' && typeUrl.EndsWith(type.FullName, StringComparison.Ordinal);

    private async Task NameSkillsAsync(LearnerProfile profile, CancellationToken cancellationToken)
    {
        if (profile.Skills.Count == 0) return;
        var lookup = await catalog.LookUpAsync(profile.Skills.Select(s => s.SkillCode), cancellationToken);
        if (!lookup.Reachable && !profile.Unreachable.Contains(Backends.JobPostings)) profile.Unreachable.Add(Backends.JobPostings);
        foreach (var skill in profile.Skills)
        {
            if (!lookup.Found.TryGetValue(skill.SkillCode, out var known)) continue;
            skill.KnownInCatalog = true;
            skill.SkillName = known.NameZh;
            skill.SkillNameEn = known.NameEn;
        }
    }
}
