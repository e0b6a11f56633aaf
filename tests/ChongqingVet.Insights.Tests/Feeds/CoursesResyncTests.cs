using ChongqingVet.Common.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.Data.Changes;
using ChongqingVet.Insights.Feeds;
using ChongqingVet.Insights.Feeds.Grpc;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Microsoft.Extensions.DependencyInjection;

namespace ChongqingVet.Insights.Tests.Feeds;

/// <summary>
/// The partial re-sync of the courses source, against the real courses service over gRPC: ListMajors and ListCourses
/// return every major and course, but ListEnrollments needs a learner id, so no call lists every enrolment. After
/// CURSOR_EXPIRED the insights service re-lists majors and courses, keeps the enrolments it had and replays them from
/// the oldest change the feed still keeps. What retention deleted for enrolments before it was applied stays missing —
/// the test pins down exactly that loss, which the re-sync reports (docs/INSIGHTS.md).
/// </summary>
[Collection(nameof(ResyncTests))]
public sealed class CoursesResyncTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task CursorExpired_Courses_RelistsMajorsAndCourses_ReplaysKeptEnrolments_AndReportsTheLostRange(DatabaseProvider provider)
    {
        await using var courses = await ServiceHost<ChongqingVet.Courses.Grpc.CourseGrpcService>.StartAsync(provider, new Dictionary<string, string?>
        {
            ["SampleData:Enabled"] = "false",
            ["ChangeFeed:Retention"] = "1.00:00:00",
            ["ChangeFeed:CleanupInterval"] = "1.00:00:00",
        });
        var client = new CourseService.CourseServiceClient(courses.Factory.CreateChannel());
        await using var insightsDatabase = await TestDatabase.CreateAsync(provider);
        using var measurements = new ResyncTests.ResyncMeasurements();

        await client.CreateCourseAsync(new CreateCourseRequest { RequestId = Guid.NewGuid().ToString(), Course = Course("JD-201") });
        var first = await EnrollAsync(client, "L0001", "JD-201");
        var (_, caughtUp) = await ChangeFeeds.ReadUntilCaughtUpAsync(courses.Factory.CreateChannel());
        await using (var following = ResyncTests.StartInsights(insightsDatabase, FeedOf(courses), resync: null))
            await following.Services.GetRequiredService<FeedProgress>().WaitForAsync("courses", caughtUp.HeadSequence, TestTimeout.Token);

        // While the insights service is down: the first enrolment is graded, a second learner enrols, a course is created —
        // then retention deletes all of it. One enrolment after the sweep is kept.
        await client.RecordGradeAsync(new RecordGradeRequest { RequestId = Guid.NewGuid().ToString(), EnrollmentId = first.Id, Score = 90, Passed = true, Etag = first.Etag });
        var lost = await EnrollAsync(client, "L0002", "JD-201");
        await client.CreateCourseAsync(new CreateCourseRequest { RequestId = Guid.NewGuid().ToString(), Course = Course("JD-202") });
        courses.Clock.Advance(TimeSpan.FromHours(25));
        await courses.Factory.Services.GetRequiredService<ChangeRetentionService>().SweepAsync(CancellationToken.None);
        var kept = await EnrollAsync(client, "L0003", "JD-202");
        var (_, head) = await ChangeFeeds.ReadUntilCaughtUpAsync(courses.Factory.CreateChannel());

        await using (var insights = ResyncTests.StartInsights(insightsDatabase, FeedOf(courses), ResyncOf(courses)))
        {
            var progress = insights.Services.GetRequiredService<FeedProgress>();
            await progress.WaitForAsync("courses", head.HeadSequence, TestTimeout.Token);
            Assert.Null(progress.LastFailure("courses"));

            var rows = await ResyncTests.RowsAsync(insightsDatabase);
            Assert.Contains(rows, r => r.ResourceName == "courses/JD-202"); // listed: its change was deleted
            Assert.Contains(rows, r => r.ResourceName == "enrollments/" + kept.Id); // replayed from the oldest kept change
            Assert.DoesNotContain(rows, r => r.ResourceName == "enrollments/" + lost.Id); // deleted before it was applied, and no call lists it
            Assert.Contains("ENROLLMENT_STATUS_ENROLLED", Assert.Single(rows, r => r.ResourceName == "enrollments/" + first.Id).StateJson, StringComparison.Ordinal); // its grade was lost
            var record = Assert.Single(progress.Resyncs("courses"));
            Assert.False(record.Complete);
            Assert.Equal([Enrollment.Descriptor.FullName], record.ReplayedTypes);
            Assert.Equal((caughtUp.HeadSequence, head.HeadSequence), (record.LostFrom, record.LostTo)); // lost: after the stored cursor, before the kept enrolment
            Assert.Equal(head.HeadSequence, (await ResyncTests.CursorAsync(insightsDatabase, "courses")).Sequence);
        }
        Assert.Equal([("courses", CursorExpiredException.Expired, "partial")], measurements.Resyncs);
    }

    private static Course Course(string code) => new()
    {
        Code = code,
        Name = "PLC应用技术",
        Credits = 4,
        Hours = 64,
        Category = CourseCategory.Core,
        MajorCodes = { "460301" },
        SkillOutcomes = { new SkillRef { SkillCode = "PLC-PROG", Level = SkillLevel._3Advanced } },
        OwnerCreditCode = ChongqingVet.TestKit.Security.TestAuthority.TestOrganisation,
    };

    private static async Task<Enrollment> EnrollAsync(CourseService.CourseServiceClient client, string learner, string course) =>
        await client.EnrollLearnerAsync(new EnrollLearnerRequest { RequestId = Guid.NewGuid().ToString(), LearnerId = learner, CourseCode = course, Term = "2025-2026-1" });

    private static GrpcChangeSource FeedOf(ServiceHost<ChongqingVet.Courses.Grpc.CourseGrpcService> courses)
    {
        var token = courses.Factory.Authority.Issue("gov-system", "government", ["changes.read"]);
        return new GrpcChangeSource("courses", new ChangeFeedService.ChangeFeedServiceClient(courses.Factory.CreateChannel(null)), _ => Task.FromResult<string?>(token));
    }

    private static GrpcResyncSource ResyncOf(ServiceHost<ChongqingVet.Courses.Grpc.CourseGrpcService> courses) =>
        new("courses", courses.Factory.CreateChannel(null),
            (scope, _) => Task.FromResult<string?>(courses.Factory.Authority.Issue("gov-system", "government", scope.Split(' '))));
}
