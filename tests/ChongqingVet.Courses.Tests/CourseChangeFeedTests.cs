using ChongqingVet.Common.V1;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;

namespace ChongqingVet.Courses.Tests;

/// <summary>The courses service's writes (and its sample data) emit their changes (the feed's behaviour is tested once, on the certificates service).</summary>
public class CourseChangeFeedTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task Writes_EmitChanges_InCommitOrder(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        var course = await harness.CreateCourseAsync();
        var enrollment = await harness.EnrollAsync();
        await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() => harness.EnrollAsync()); // ALREADY_ENROLLED: no change
        var graded = await harness.Client.RecordGradeAsync(new RecordGradeRequest
        {
            RequestId = Guid.NewGuid().ToString(), EnrollmentId = enrollment.Id, Score = 88, Passed = true, Etag = enrollment.Etag,
        });

        var (changes, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel());

        Assert.Equal(
            [("courses/" + course.Code, "CREATED"), ("enrollments/" + enrollment.Id, "ENROLLED"), ("enrollments/" + enrollment.Id, "GRADED")],
            changes.Select(c => (c.ResourceName, c.Kind)));
        Assert.Equal(Enrollment.Descriptor.FullName, changes[2].ResourceType);
        Assert.Equal("ENROLLMENT_STATUS_PASSED", changes[2].State.Fields["status"].StringValue);
        Assert.Equal(graded.Etag, changes[2].State.Fields["etag"].StringValue);
    }

    [Fact]
    public async Task SampleData_IsInTheFeed_MajorsFirst()
    {
        await using var harness = await CourseServiceHarness.StartAsync(DatabaseProvider.Sqlite, sampleData: true);

        var (changes, _) = await ChangeFeeds.ReadUntilCaughtUpAsync(harness.Factory.CreateChannel(),
            new WatchChangesRequest { BatchSize = 1000, ResourceTypes = { Major.Descriptor.FullName, Enrollment.Descriptor.FullName } });

        Assert.StartsWith("majors/", changes[0].ResourceName, StringComparison.Ordinal);
        Assert.Contains(changes, c => c.Kind == "GRADED");
    }
}
