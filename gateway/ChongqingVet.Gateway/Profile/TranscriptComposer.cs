using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Gateway.Resilience;
using ChongqingVet.Profile.V1;

namespace ChongqingVet.Gateway.Profile;

/// <summary>Settings of the transcript's look-ups (<c>Transcript:</c> section).</summary>
public sealed class TranscriptOptions
{
    /// <summary>Ids per BatchGetCourses / BatchGetCompetitions call (the services' maximum is 100). Default 100.</summary>
    public int BatchSize { get; set; } = 100;
}

/// <summary>
/// The transcript: enrolments and grades from the courses service, plus the credits the credit bank recognises
/// for the learner's active certificates and awarded competition results (EvaluateCreditRecognition). Courses outside
/// the major and the competitions of awarded results are looked up in batches (BatchGetCourses, BatchGetCompetitions):
/// the calls do not grow with the number of courses or results beyond one per <see cref="TranscriptOptions.BatchSize"/>.
/// </summary>
public sealed class TranscriptComposer(
    CertificateService.CertificateServiceClient certificates,
    CompetitionService.CompetitionServiceClient competitions,
    CourseService.CourseServiceClient courses,
    BackendCaller backends,
    BoundedFanOut fanOut,
    TranscriptOptions options)
{
    public async Task<Transcript> ComposeAsync(string learnerId, string majorCode, CancellationToken cancellationToken)
    {
        var enrollmentsTask = backends.CallAsync(Backends.Courses, async token =>
            await courses.ListEnrollmentsAsync(new ListEnrollmentsRequest { LearnerId = learnerId, PageSize = RecordLimit }, cancellationToken: token), cancellationToken);
        var coursesTask = backends.CallAsync(Backends.Courses, async token =>
            await courses.ListCoursesAsync(new ListCoursesRequest { MajorCode = majorCode, PageSize = RecordLimit }, cancellationToken: token), cancellationToken);
        var certificatesTask = backends.TryAsync(Backends.Certificates, async token =>
            await certificates.ListCertificatesAsync(new ListCertificatesRequest { LearnerId = learnerId, Status = CertificateStatus.Active, PageSize = RecordLimit }, cancellationToken: token), cancellationToken);
        var resultsTask = backends.TryAsync(Backends.Competitions, async token => await AwardedResultsAsync(learnerId, token), cancellationToken);
        await Task.WhenAll(enrollmentsTask, coursesTask, certificatesTask, resultsTask);

        var transcript = new Transcript { LearnerId = learnerId, MajorCode = majorCode };
        var enrollmentList = enrollmentsTask.Result.Enrollments;
        if (enrollmentsTask.Result.NextPageToken.Length > 0) transcript.TruncatedSections.Add("courses");
        if (coursesTask.Result.NextPageToken.Length > 0) transcript.TruncatedSections.Add("catalog");
        var catalog = new Dictionary<string, Course>(StringComparer.Ordinal);
        foreach (var course in coursesTask.Result.Courses) catalog.TryAdd(course.Code, course);
        // Courses the learner took outside this major: looked up in batches (a code no course has keeps its code as name).
        var outside = enrollmentList.Select(e => e.CourseCode).Distinct(StringComparer.Ordinal).Where(code => !catalog.ContainsKey(code)).ToArray();
        var found = await fanOut.SelectAsync(outside.Chunk(BatchSize), chunk => backends.TryAsync(Backends.Courses, async token =>
            await courses.BatchGetCoursesAsync(new BatchGetCoursesRequest { Codes = { chunk } }, cancellationToken: token), cancellationToken));
        foreach (var batch in found.Where(f => f.Reachable))
            foreach (var course in batch.Value!.Courses) catalog[course.Code] = course;
        foreach (var enrollment in enrollmentList.OrderBy(e => e.Term, StringComparer.Ordinal).ThenBy(e => e.CourseCode, StringComparer.Ordinal))
        {
            var known = catalog.GetValueOrDefault(enrollment.CourseCode);
            transcript.Courses.Add(new TranscriptCourse
            {
                CourseCode = enrollment.CourseCode,
                CourseName = known?.Name ?? enrollment.CourseCode,
                Credits = known?.Credits ?? 0,
                Term = enrollment.Term,
                Score = enrollment.Grade?.Score ?? 0,
                Passed = enrollment.Grade?.Passed ?? false,
                Status = enrollment.Status,
            });
        }
        transcript.EarnedCredits = transcript.Courses.Where(c => c.Passed).Sum(c => c.Credits);

        var achievements = new List<Achievement>();
        var titles = new Dictionary<string, string>(StringComparer.Ordinal);
        if (certificatesTask.Result.Reachable)
        {
            if (certificatesTask.Result.Value!.NextPageToken.Length > 0) transcript.TruncatedSections.Add("certificates");
            foreach (var certificate in certificatesTask.Result.Value!.Certificates)
            {
                achievements.Add(new Achievement { Id = certificate.CertificateNumber, Title = certificate.TypeCode, Certificate = new CertificateAchievement { TypeCode = certificate.TypeCode, Level = certificate.Level } });
                titles[certificate.CertificateNumber] = $"{certificate.TypeCode} {certificate.Level}";
            }
        }
        else transcript.Unreachable.Add(Backends.Certificates);
        if (resultsTask.Result.Reachable)
        {
            if (resultsTask.Result.Value!.Truncated) transcript.TruncatedSections.Add("awards");
            foreach (var (result, tier) in resultsTask.Result.Value!.Awarded)
            {
                var id = "results/" + result.Id;
                achievements.Add(new Achievement { Id = id, Title = result.EventCode, Competition = new CompetitionAchievement { Tier = tier, AwardGrade = result.AwardGrade, Team = result.Participants.Count > 1 } });
                titles[id] = $"{result.EventCode} {result.AwardGrade}";
            }
        }
        else transcript.Unreachable.Add(Backends.Competitions);

        if (achievements.Count > 0)
        {
            var evaluation = await backends.CallAsync(Backends.Courses, async token => await courses.EvaluateCreditRecognitionAsync(
                new EvaluateCreditRecognitionRequest { LearnerId = learnerId, MajorCode = majorCode, Achievements = { achievements.Take(100) } }, cancellationToken: token), cancellationToken);
            transcript.Recognised.AddRange(evaluation.Recognitions.Select(r => new RecognisedCredit
            {
                AchievementId = r.AchievementId,
                AchievementTitle = titles.GetValueOrDefault(r.AchievementId, r.AchievementId),
                RuleId = r.RuleId,
                CourseCode = r.CourseCode,
                Credits = r.Credits,
                Grade = r.Grade,
            }));
            transcript.Unused.AddRange(evaluation.Unused.Select(u => new UnusedAchievementSummary { AchievementId = u.AchievementId, Reason = u.Reason, Explanation = u.Explanation }));
            transcript.RecognisedCredits = evaluation.TotalCredits;
        }
        return transcript;
    }

    /// <summary>Records read per section (one page); a section with more is marked in truncated_sections.</summary>
    private const int RecordLimit = 200;

    private int BatchSize => Math.Clamp(options.BatchSize, 1, 100);

    private async Task<(List<(Result Result, CompetitionTier Tier)> Awarded, bool Truncated)> AwardedResultsAsync(string learnerId, CancellationToken cancellationToken)
    {
        var page = await competitions.ListResultsAsync(new ListResultsRequest { LearnerId = learnerId, PageSize = RecordLimit }, cancellationToken: cancellationToken);
        var results = page.Results.Where(r => r.AwardGrade is not (AwardGrade.Unspecified or AwardGrade.Participation)).ToArray();
        var tiers = new Dictionary<string, CompetitionTier>(StringComparer.Ordinal);
        // A result whose competition is gone (in missing_ids) cannot be weighed by tier: it is left out, not a failure.
        foreach (var chunk in results.Select(r => r.CompetitionId).Distinct(StringComparer.Ordinal).Chunk(BatchSize))
        {
            var batch = await competitions.BatchGetCompetitionsAsync(new BatchGetCompetitionsRequest { Ids = { chunk } }, cancellationToken: cancellationToken);
            foreach (var competition in batch.Competitions) tiers[competition.Id] = competition.Tier;
        }
        var awarded = results.Where(r => tiers.ContainsKey(r.CompetitionId)).Select(r => (r, tiers[r.CompetitionId])).ToList();
        return (awarded, !string.IsNullOrEmpty(page.NextPageToken));
    }
}
