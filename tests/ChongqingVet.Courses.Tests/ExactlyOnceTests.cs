using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ChongqingVet.Courses.Tests;

/// <summary>The one request_id rule (required on every write, a UUID) and request_id on updates.</summary>
public class ExactlyOnceTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateCourseAndEnrollLearner_MissingOrMalformedRequestId_IsInvalidArgumentAndWritesNothing(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        var course = CourseServiceHarness.PlcCourse("JD-202");

        await RpcAssert.InvalidArgumentAsync(() => harness.Client.CreateCourseAsync(new CreateCourseRequest { Course = course }).ResponseAsync, "request_id");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.CreateCourseAsync(
            new CreateCourseRequest { RequestId = "not-a-uuid", Course = course }).ResponseAsync, "request_id");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.EnrollLearnerAsync(
            new EnrollLearnerRequest { LearnerId = "L0001", CourseCode = course.Code, Term = "2025-2026-1" }).ResponseAsync, "request_id");

        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.Client.GetCourseAsync(new GetCourseRequest { Code = course.Code }).ResponseAsync);
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM idempotency_keys"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task UpdateCourse_RetryWithRequestId_ReplaysTheFirstResponseInsteadOfAborting(DatabaseProvider provider)
    {
        await using var harness = await CourseServiceHarness.StartAsync(provider);
        var course = await harness.CreateCourseAsync();
        course.Name = "PLC应用技术（西门子）";
        var update = new UpdateCourseRequest { Course = course, UpdateMask = new FieldMask { Paths = { "name" } }, RequestId = Guid.NewGuid().ToString() };

        var first = await harness.Client.UpdateCourseAsync(update);
        var retried = await harness.Client.UpdateCourseAsync(update);

        Assert.Equal(first.ToByteArray(), retried.ToByteArray());
        Assert.Equal(first.Etag, (await harness.Client.GetCourseAsync(new GetCourseRequest { Code = course.Code })).Etag);
        // A new request_id is a new write: its etag is stale now.
        update.RequestId = Guid.NewGuid().ToString();
        await RpcAssert.ThrowsAsync(StatusCode.Aborted, () => harness.Client.UpdateCourseAsync(update).ResponseAsync);
    }
}
