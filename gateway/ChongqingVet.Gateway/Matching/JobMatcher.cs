using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Domain.Errors;
using ChongqingVet.Domain.Matching;
using ChongqingVet.Gateway.Profile;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.JobPostings.V1;
using ChongqingVet.Profile.V1;

namespace ChongqingVet.Gateway.Matching;

/// <summary>Job matching and skill-gap analysis on top of the merged profile.</summary>
public sealed class JobMatcher(
    ProfileComposer profiles,
    CertificateService.CertificateServiceClient certificates,
    CompetitionService.CompetitionServiceClient competitions,
    CourseService.CourseServiceClient courses,
    JobPostingService.JobPostingServiceClient jobPostings,
    BackendCaller backends,
    BoundedFanOut fanOut)
{
    /// <summary>Recommendations per gap and kind.</summary>
    private const int PerKind = 3;

    /// <summary>The job postings service's limits: skills per match request, codes per BatchGetSkills.</summary>
    private const int MaxMatchSkills = 200;
    private const int MaxBatchSkills = 500;

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
        var gaps = await fanOut.SelectAsync(unmet, outcome => GapForAsync(outcome, successors.Current(outcome.Requirement.SkillCode), unreachable, cancellationToken));
        report.Gaps.AddRange(gaps);
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
            foreach (var chunk in next.Chunk(MaxBatchSkills))
            {
                var response = await backends.CallAsync(Backends.JobPostings, async token =>
                    await jobPostings.BatchGetSkillsAsync(new BatchGetSkillsRequest { Codes = { chunk } }, cancellationToken: token), cancellationToken);
                foreach (var skill in response.Skills) catalog[skill.Code] = skill;
            }
            next = next.Where(catalog.ContainsKey).Select(c => catalog[c])
                .Where(s => s.Deprecated && s.SuccessorCode.Length > 0).Select(s => s.SuccessorCode).Where(asked.Add).ToArray();
        }
        return catalog;
    }

    /// <param name="skillCode">The code the requirement stands for today (its successor when deprecated): what to learn.</param>
    private async Task<SkillGap> GapForAsync(RequirementOutcome outcome, string skillCode, HashSet<string> unreachable, CancellationToken cancellationToken)
    {
        var requirement = new Wanted(skillCode, (SkillLevel)outcome.Requirement.MinLevel);
        var gap = new SkillGap
        {
            SkillCode = outcome.Requirement.SkillCode,
            SkillName = outcome.Requirement.SkillCode,
            CurrentLevel = (SkillLevel)outcome.LearnerLevel,
            RequiredLevel = requirement.MinLevel,
            Essential = outcome.Requirement.Essential,
        };
        var courseTask = backends.TryAsync(Backends.Courses, async token => await courses.ListCoursesAsync(new ListCoursesRequest
        {
            SkillCode = requirement.SkillCode, MinSkillLevel = requirement.MinLevel, PageSize = 20,
        }, cancellationToken: token), cancellationToken);
        var certificateTask = backends.TryAsync(Backends.Certificates, async token => await certificates.ListCertificateTypesAsync(new ListCertificateTypesRequest
        {
            SkillCode = requirement.SkillCode, MinSkillLevel = requirement.MinLevel, ActiveOnly = true, PageSize = 20,
        }, cancellationToken: token), cancellationToken);
        var eventTask = backends.TryAsync(Backends.Competitions, async token => await competitions.ListEventsAsync(new ListEventsRequest
        {
            SkillCode = requirement.SkillCode, UpcomingOnly = true, PageSize = 20,
        }, cancellationToken: token), cancellationToken);
        await Task.WhenAll(courseTask, certificateTask, eventTask);

        var recommendations = new List<Recommendation>();
        if (courseTask.Result.Reachable)
        {
            recommendations.AddRange(courseTask.Result.Value!.Courses
                .Select(c => (Course: c, Outcome: c.SkillOutcomes.FirstOrDefault(o => o.SkillCode == requirement.SkillCode)))
                .Where(x => x.Outcome is not null) // a course listed without the skill asked for is no recommendation
                .Select(x => (x.Course, x.Outcome!.Level))
                .OrderBy(x => x.Level - requirement.MinLevel).ThenBy(x => x.Course.Credits).ThenBy(x => x.Course.Code, StringComparer.Ordinal)
                .Take(PerKind)
                .Select(x => new Recommendation
                {
                    Kind = RecommendationKind.Course, Id = x.Course.Code, Title = x.Course.Name, Level = x.Level,
                    Reason = $"课程 teaches {requirement.SkillCode} to {LevelNames.Chinese(x.Level)} (required {LevelNames.Chinese(requirement.MinLevel)}), {x.Course.Credits:0.#} credits",
                }));
        }
        else unreachable.Add(Backends.Courses);
        if (certificateTask.Result.Reachable)
        {
            recommendations.AddRange(certificateTask.Result.Value!.CertificateTypes
                .SelectMany(t => t.Levels.SelectMany(l => l.AttestedSkills.Where(s => s.SkillCode == requirement.SkillCode && s.Level >= requirement.MinLevel)
                    .Select(s => (Type: t, CertificateLevel: l.Level, s.Level))))
                .OrderBy(x => x.Level - requirement.MinLevel).ThenBy(x => x.Type.Code, StringComparer.Ordinal).ThenBy(x => x.CertificateLevel)
                .Take(PerKind)
                .Select(x => new Recommendation
                {
                    Kind = RecommendationKind.CertificateType, Id = x.Type.Code, Title = $"{x.Type.Name} ({x.CertificateLevel})", Level = x.Level,
                    Reason = $"证书 attests {requirement.SkillCode} at {LevelNames.Chinese(x.Level)} at level {x.CertificateLevel}",
                }));
        }
        else unreachable.Add(Backends.Certificates);
        if (eventTask.Result.Reachable)
        {
            recommendations.AddRange(eventTask.Result.Value!.Events
                .Select(e => (Event: e, Tested: e.SkillsTested.FirstOrDefault(s => s.SkillCode == requirement.SkillCode)))
                .Where(x => x.Tested is not null) // an event listed without the skill asked for is no recommendation
                .Select(x => (x.Event, x.Tested!.Level))
                .OrderByDescending(x => x.Level >= requirement.MinLevel).ThenBy(x => x.Event.CompetitionId, StringComparer.Ordinal).ThenBy(x => x.Event.Code, StringComparer.Ordinal)
                .Take(PerKind)
                .Select(x => new Recommendation
                {
                    Kind = RecommendationKind.CompetitionEvent, Id = $"{x.Event.CompetitionId}/{x.Event.Code}", Title = x.Event.Name, Level = x.Level,
                    Reason = $"赛项 {x.Event.Code} (upcoming) tests {requirement.SkillCode} at {LevelNames.Chinese(x.Level)}",
                }));
        }
        else unreachable.Add(Backends.Competitions);

        // Courses first (they teach), then certificates (they attest), then competitions (they test); within a kind, closest level first.
        var rank = 1;
        foreach (var recommendation in recommendations) recommendation.Rank = rank++;
        gap.Recommendations.AddRange(recommendations);
        return gap;
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
