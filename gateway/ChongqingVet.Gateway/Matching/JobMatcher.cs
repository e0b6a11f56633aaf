using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Matching;
using ChongqingVet.Gateway.Catalog;
using ChongqingVet.Gateway.Profile;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.Profile.V1;
using Grpc.Core;

namespace ChongqingVet.Gateway.Matching;

/// <summary>Settings of the skill gap's catalog look-ups (<c>SkillGap:</c> section).</summary>
public sealed class SkillGapOptions
{
    /// <summary>Items per list page (the services' maximum is 200). Default 200.</summary>
    public int PageSize { get; set; } = 200;

    /// <summary>At most this many pages per backend and gap report; offers past them are left out. Default 5.</summary>
    public int MaxPages { get; set; } = 5;

    /// <summary>Skill codes per list call (the services' skill_codes limit is 100). Default 100.</summary>
    public int CodesPerCall { get; set; } = 100;
}

/// <summary>Job matching and skill-gap analysis on top of the merged profile.</summary>
public sealed class JobMatcher(
    ProfileComposer profiles,
    CertificateService.CertificateServiceClient certificates,
    CompetitionService.CompetitionServiceClient competitions,
    CourseService.CourseServiceClient courses,
    JobPostingService.JobPostingServiceClient jobPostings,
    SkillCatalog skills,
    BackendCaller backends,
    SkillGapOptions gapOptions)
{
    /// <summary>Recommendations per gap and kind.</summary>
    private const int PerKind = 3;

    /// <summary>The job postings service's limit: skills per match request.</summary>
    private const int MaxMatchSkills = 200;

    public async Task<MatchJobsResponse> MatchAsync(MatchJobsRequest request, CancellationToken cancellationToken)
    {
        var profile = await profiles.ComposeAsync(request.LearnerId, cancellationToken);
        var matchRequest = new MatchJobPostingsRequest
        {
            DistrictCode = request.DistrictCode,
            OccupationCode = request.OccupationCode,
            Cluster = request.Cluster,
            PageSize = request.PageSize,
            PageToken = request.PageToken,
        };
        matchRequest.Skills.AddRange(LearnerSkillsSent(profile));
        var matches = await backends.CallAsync(Backends.JobPostings,
            async token => await jobPostings.MatchJobPostingsAsync(matchRequest, cancellationToken: token), cancellationToken);

        var names = profile.Skills.ToDictionary(s => s.SkillCode, s => s.SkillName, StringComparer.Ordinal);
        var response = new MatchJobsResponse { NextPageToken = matches.NextPageToken, Unreachable = { profile.Unreachable } };
        response.Matches.AddRange(matches.Matches.Select(match => ToJobMatch(match, names)));
        return response;
    }

    public async Task<SkillGapReport> GapAsync(GetSkillGapRequest request, CancellationToken cancellationToken)
    {
        var postingTask = backends.CallAsync(Backends.JobPostings,
            async token => await jobPostings.GetJobPostingAsync(new GetJobPostingRequest { Id = request.PostingId }, cancellationToken: token), cancellationToken);
        var profile = await profiles.ComposeAsync(request.LearnerId, cancellationToken);
        var posting = await postingTask;

        // The same skills the match list sends, scored by the same scorer with the catalog's deprecated → successor codes.
        var heldSkills = LearnerSkillsSent(profile).ToArray();
        var catalog = await CatalogAsync(heldSkills.Select(s => s.SkillCode).Concat(posting.Requirements.Select(r => r.SkillCode)), cancellationToken);
        var successors = new SkillSuccessors(catalog.Values.Where(s => s.Deprecated).Select(s => KeyValuePair.Create(s.Code, s.SuccessorCode)));
        var learner = LearnerSkills.From(heldSkills.Select(s => (s.SkillCode, (int)s.Level)), successors);
        var result = MatchScorer.Score(posting.Requirements.Select(r => new ScoredRequirement(r.SkillCode, (int)r.MinLevel, r.Weight, r.Essential)), learner);
        var unmet = result.Unmet
            .OrderByDescending(o => o.Requirement.Essential).ThenByDescending(o => o.Requirement.Weight).ThenBy(o => o.Requirement.SkillCode, StringComparer.Ordinal)
            .ToArray();

        var report = new SkillGapReport
        {
            PostingId = posting.Id,
            Title = posting.Title,
            Score = result.Score,
            Unreachable = { profile.Unreachable },
        };
        var unreachable = new HashSet<string>(profile.Unreachable);
        var wanted = unmet.Select(outcome => new Wanted(successors.Current(outcome.Requirement.SkillCode), (SkillLevel)outcome.Requirement.MinLevel)).ToArray();
        var recommendations = await RecommendAsync(wanted, unreachable, cancellationToken);
        report.Gaps.AddRange(unmet.Select((outcome, i) => GapFor(outcome, wanted[i], recommendations[i])));
        foreach (var backend in unreachable.Except(report.Unreachable).Order()) report.Unreachable.Add(backend);
        foreach (var gap in report.Gaps) gap.SkillName = catalog.TryGetValue(gap.SkillCode, out var skill) ? skill.NameZh : gap.SkillCode;
        return report;
    }

    /// <summary>The learner's skills the match list and the skill gap score (the job postings service takes at most 200).</summary>
    private static IEnumerable<SkillRef> LearnerSkillsSent(LearnerProfile profile) =>
        profile.Skills.Take(MaxMatchSkills).Select(s => new SkillRef { SkillCode = s.SkillCode, Level = s.Level });

    /// <summary>
    /// The catalog entries of the codes and, transitively, of the successors they name (a successor deprecated later
    /// has its own successor); the job postings service is required here as it is for the posting itself.
    /// </summary>
    private async Task<Dictionary<string, Skill>> CatalogAsync(IEnumerable<string> codes, CancellationToken cancellationToken)
    {
        var catalog = new Dictionary<string, Skill>(StringComparer.Ordinal);
        var asked = new HashSet<string>(StringComparer.Ordinal);
        var next = codes.Where(asked.Add).ToArray();
        for (var round = 0; round < 4 && next.Length > 0; round++)
        {
            var lookup = await skills.LookUpAsync(next, cancellationToken);
            if (!lookup.Reachable) throw new RpcException(new Status(StatusCode.Unavailable, $"The {Backends.JobPostings} service is unavailable; try again later."));
            foreach (var (code, skill) in lookup.Found) catalog[code] = skill;
            next = next.Where(catalog.ContainsKey).Select(c => catalog[c])
                .Where(s => s.Deprecated && s.SuccessorCode.Length > 0).Select(s => s.SuccessorCode).Where(asked.Add).ToArray();
        }
        return catalog;
    }

    /// <summary>
    /// The recommendations of every gap, from courses, certificate types and upcoming events listed for the skills of
    /// every gap at once, at the lowest level any gap requires (each gap keeps what reaches its own level): the number
    /// of calls does not grow with the number of gaps. Each page is folded into every gap's shortlists as it arrives and
    /// then let go, so a report holds at most <see cref="PerKind"/> offers per gap and kind, not the pages.
    /// Courses first (they teach), then certificates (they attest), then competitions (they test); within a kind,
    /// closest level first.
    /// </summary>
    private async Task<List<Recommendation>[]> RecommendAsync(Wanted[] wanted, HashSet<string> unreachable, CancellationToken cancellationToken)
    {
        if (wanted.Length == 0) return [];
        var codes = wanted.Select(w => w.SkillCode).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var minLevel = wanted.Min(w => w.MinLevel);
        var courseLists = wanted.Select(_ => new Shortlist<CourseOffer>(PerKind, CourseOffer.Order)).ToArray();
        var certificateLists = wanted.Select(_ => new Shortlist<CertificateOffer>(PerKind, CertificateOffer.Order)).ToArray();
        var eventLists = wanted.Select(_ => new Shortlist<EventOffer>(PerKind, EventOffer.Order)).ToArray();

        var courseTask = FoldPagesAsync(Backends.Courses, codes, async (chunk, token, t) =>
        {
            var request = new ListCoursesRequest { SkillCodes = { chunk }, MinSkillLevel = minLevel, PageSize = gapOptions.PageSize, PageToken = token };
            var page = await courses.ListCoursesAsync(request, cancellationToken: t);
            return (page.Courses, page.NextPageToken);
        }, page => Fold(page, wanted, courseLists, CourseOffer.For), cancellationToken);
        var certificateTask = FoldPagesAsync(Backends.Certificates, codes, async (chunk, token, t) =>
        {
            var request = new ListCertificateTypesRequest { SkillCodes = { chunk }, MinSkillLevel = minLevel, ActiveOnly = true, PageSize = gapOptions.PageSize, PageToken = token };
            var page = await certificates.ListCertificateTypesAsync(request, cancellationToken: t);
            return (page.CertificateTypes, page.NextPageToken);
        }, page => Fold(page, wanted, certificateLists, CertificateOffer.For), cancellationToken);
        var eventTask = FoldPagesAsync(Backends.Competitions, codes, async (chunk, token, t) =>
        {
            var request = new ListEventsRequest { SkillCodes = { chunk }, UpcomingOnly = true, PageSize = gapOptions.PageSize, PageToken = token };
            var page = await competitions.ListEventsAsync(request, cancellationToken: t);
            return (page.Events, page.NextPageToken);
        }, page => Fold(page, wanted, eventLists, EventOffer.For), cancellationToken);
        await Task.WhenAll(courseTask, certificateTask, eventTask);
        if (!courseTask.Result) unreachable.Add(Backends.Courses);
        if (!certificateTask.Result) unreachable.Add(Backends.Certificates);
        if (!eventTask.Result) unreachable.Add(Backends.Competitions);

        return wanted.Select((requirement, i) =>
        {
            var recommendations = new List<Recommendation>();
            if (courseTask.Result) recommendations.AddRange(courseLists[i].Kept.Select(offer => offer.Recommend(requirement)));
            if (certificateTask.Result) recommendations.AddRange(certificateLists[i].Kept.Select(offer => offer.Recommend(requirement)));
            if (eventTask.Result) recommendations.AddRange(eventLists[i].Kept.Select(offer => offer.Recommend(requirement)));
            var rank = 1;
            foreach (var recommendation in recommendations) recommendation.Rank = rank++;
            return recommendations;
        }).ToArray();
    }

    private static void Fold<TItem, TOffer>(IEnumerable<TItem> page, Wanted[] wanted, Shortlist<TOffer>[] lists, Func<IEnumerable<TItem>, Wanted, IEnumerable<TOffer>> offers)
    {
        for (var i = 0; i < wanted.Length; i++)
            foreach (var offer in offers(page, wanted[i])) lists[i].Offer(offer);
    }

    /// <summary>
    /// Every page (up to <see cref="SkillGapOptions.MaxPages"/>) of one backend's list for the codes, in chunks of the
    /// service's filter limit, each handed to <paramref name="fold"/>; false when the backend could not be reached.
    /// </summary>
    private async Task<bool> FoldPagesAsync<T>(string backend, string[] codes,
        Func<string[], string, CancellationToken, Task<(Google.Protobuf.Collections.RepeatedField<T> Items, string NextPageToken)>> page,
        Action<IEnumerable<T>> fold, CancellationToken cancellationToken)
    {
        foreach (var chunk in codes.Chunk(gapOptions.CodesPerCall))
        {
            var token = string.Empty;
            for (var i = 0; i < gapOptions.MaxPages; i++)
            {
                var result = await backends.TryAsync(backend, t => page(chunk, token, t), cancellationToken);
                if (!result.Reachable) return false;
                fold(result.Value.Items);
                token = result.Value.NextPageToken;
                if (token.Length == 0) break;
            }
        }
        return true;
    }

    /// <param name="requirement">The code the requirement stands for today (its successor when deprecated): what to learn, at the level required.</param>
    private static SkillGap GapFor(RequirementOutcome outcome, Wanted requirement, List<Recommendation> recommendations) => new()
    {
        SkillCode = outcome.Requirement.SkillCode,
        SkillName = outcome.Requirement.SkillCode,
        CurrentLevel = (SkillLevel)outcome.LearnerLevel,
        RequiredLevel = requirement.MinLevel,
        Essential = outcome.Requirement.Essential,
        Recommendations = { recommendations },
    };

    /// <summary>A course that teaches the skill at the level asked for or beyond; closest level, fewest credits, then code first.</summary>
    private readonly record struct CourseOffer(Course Course, SkillLevel Level)
    {
        public static IEnumerable<CourseOffer> For(IEnumerable<Course> page, Wanted requirement) => page
            .Select(c => (Course: c, Outcome: c.SkillOutcomes.FirstOrDefault(o => o.SkillCode == requirement.SkillCode && o.Level >= requirement.MinLevel)))
            .Where(x => x.Outcome is not null) // a course without the skill at the level asked for is no recommendation
            .Select(x => new CourseOffer(x.Course, x.Outcome!.Level));

        public static int Order(CourseOffer a, CourseOffer b) =>
            a.Level != b.Level ? (int)a.Level - (int)b.Level
            : a.Course.Credits != b.Course.Credits ? a.Course.Credits.CompareTo(b.Course.Credits)
            : string.CompareOrdinal(a.Course.Code, b.Course.Code);

        public Recommendation Recommend(Wanted requirement) => new()
        {
            Kind = RecommendationKind.Course, Id = Course.Code, Title = Course.Name, Level = Level,
            Reason = $"课程 teaches {requirement.SkillCode} to {LevelNames.Chinese(Level)} (required {LevelNames.Chinese(requirement.MinLevel)}), {Course.Credits:0.#} credits",
        };
    }

    /// <summary>A level of a certificate type that attests the skill at the level asked for or beyond; closest level, type code, then certificate level first.</summary>
    private readonly record struct CertificateOffer(CertificateType Type, CertificateLevel CertificateLevel, SkillLevel Level)
    {
        public static IEnumerable<CertificateOffer> For(IEnumerable<CertificateType> page, Wanted requirement) => page
            .SelectMany(t => t.Levels.SelectMany(l => l.AttestedSkills.Where(s => s.SkillCode == requirement.SkillCode && s.Level >= requirement.MinLevel)
                .Select(s => new CertificateOffer(t, l.Level, s.Level))));

        public static int Order(CertificateOffer a, CertificateOffer b) =>
            a.Level != b.Level ? (int)a.Level - (int)b.Level
            : string.CompareOrdinal(a.Type.Code, b.Type.Code) is var byCode and not 0 ? byCode
            : (int)a.CertificateLevel - (int)b.CertificateLevel;

        public Recommendation Recommend(Wanted requirement) => new()
        {
            Kind = RecommendationKind.CertificateType, Id = Type.Code, Title = $"{Type.Name} ({CertificateLevel})", Level = Level,
            Reason = $"证书 attests {requirement.SkillCode} at {LevelNames.Chinese(Level)} at level {CertificateLevel}",
        };
    }

    /// <summary>An upcoming event that tests the skill; one at the level asked for or beyond first, then competition id and event code.</summary>
    private readonly record struct EventOffer(Event Event, SkillLevel Level, bool ReachesRequiredLevel)
    {
        public static IEnumerable<EventOffer> For(IEnumerable<Event> page, Wanted requirement) => page
            .Select(e => (Event: e, Tested: e.SkillsTested.FirstOrDefault(s => s.SkillCode == requirement.SkillCode)))
            .Where(x => x.Tested is not null) // an event listed without the skill asked for is no recommendation
            .Select(x => new EventOffer(x.Event, x.Tested!.Level, x.Tested.Level >= requirement.MinLevel));

        public static int Order(EventOffer a, EventOffer b) =>
            a.ReachesRequiredLevel != b.ReachesRequiredLevel ? b.ReachesRequiredLevel.CompareTo(a.ReachesRequiredLevel)
            : string.CompareOrdinal(a.Event.CompetitionId, b.Event.CompetitionId) is var byCompetition and not 0 ? byCompetition
            : string.CompareOrdinal(a.Event.Code, b.Event.Code);

        public Recommendation Recommend(Wanted requirement) => new()
        {
            Kind = RecommendationKind.CompetitionEvent, Id = $"{Event.CompetitionId}/{Event.Code}", Title = Event.Name, Level = Level,
            Reason = $"赛项 {Event.Code} (upcoming) tests {requirement.SkillCode} at {LevelNames.Chinese(Level)}",
        };
    }

    private static JobMatch ToJobMatch(PostingMatch match, Dictionary<string, string> names)
    {
        var job = new JobMatch
        {
            PostingId = match.Posting.Id,
            Title = match.Posting.Title,
            EmployerCreditCode = match.Posting.EmployerCreditCode,
            DistrictCode = match.Posting.DistrictCode,
            SalaryMin = match.Posting.SalaryMin,
            SalaryMax = match.Posting.SalaryMax,
            Score = match.Score,
            HasUnmetEssential = match.HasUnmetEssential,
        };
        job.Met.AddRange(match.Met.Select(m => Status(m, names)));
        job.Unmet.AddRange(match.Unmet.Select(m => Status(m, names)));
        return job;
    }

    private static RequirementStatus Status(RequirementMatch match, Dictionary<string, string> names) => new()
    {
        SkillCode = match.Requirement.SkillCode,
        SkillName = names.GetValueOrDefault(match.Requirement.SkillCode, match.Requirement.SkillCode),
        RequiredLevel = match.Requirement.MinLevel,
        LearnerLevel = match.LearnerLevel,
        Essential = match.Requirement.Essential,
        Weight = match.Requirement.Weight,
    };

    /// <summary>The skill a gap's recommendations are for, at the level required.</summary>
    private readonly record struct Wanted(string SkillCode, SkillLevel MinLevel);

    /// <summary>Posting ids are the job postings service's; only their shape is checked here.</summary>
    public static void ValidatePostingId(string postingId, Violations violations) =>
        violations.Check(postingId.Length is > 0 and <= 64 && postingId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'),
            "posting_id", "is required: 1–64 letters, digits, '-' or '_'");
}
