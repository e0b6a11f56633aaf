using ChongqingVet.Audit.V1;
using ChongqingVet.Courses.Grpc;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Google.Protobuf;
using Xunit.Abstractions;

namespace ChongqingVet.Courses.Tests;

/// <summary>The bad-input battery (generated from the protos) over every unary method of the service and its audit service.</summary>
public class CourseBadInputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryBadInput_IsAClearStatus_AndLogsNoStackTrace()
    {
        // The battery needs the per-client rate limit out of the way.
        await using var host = await ServiceHost<CourseGrpcService>.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["SampleData:Enabled"] = "true",
            ["RateLimits:PerClientBurst"] = "1000000",
            ["RateLimits:PerClientPerSecond"] = "1000000",
        });
        var factory = host.Factory;
        var client = new CourseService.CourseServiceClient(factory.CreateChannel());
        var course = await client.CreateCourseAsync(new CreateCourseRequest { RequestId = Guid.NewGuid().ToString(), Course = CourseServiceHarness.PlcCourse("JD-901") });
        var enrollment = await client.EnrollLearnerAsync(new EnrollLearnerRequest
        {
            RequestId = Guid.NewGuid().ToString(), LearnerId = "L0001", CourseCode = "JD-901", Term = "2025-2026-1",
        });
        var baselines = new Dictionary<string, IMessage>
        {
            ["CreateCourse"] = new CreateCourseRequest { RequestId = Guid.NewGuid().ToString(), Course = CourseServiceHarness.PlcCourse("JD-999") },
            ["GetCourse"] = new GetCourseRequest { Code = "JD-901" },
            ["UpdateCourse"] = new UpdateCourseRequest { RequestId = Guid.NewGuid().ToString(), Course = course, UpdateMask = new() { Paths = { "name" } } },
            ["EnrollLearner"] = new EnrollLearnerRequest { RequestId = Guid.NewGuid().ToString(), LearnerId = "L0002", CourseCode = "JD-901", Term = "2025-2026-1" },
            ["RecordGrade"] = new RecordGradeRequest { RequestId = Guid.NewGuid().ToString(), EnrollmentId = enrollment.Id, Score = 88, Passed = true, Etag = enrollment.Etag },
        };

        var report = await BadInputBattery.RunAsync(factory.CreateChannel().CreateCallInvoker(),
            [CourseService.Descriptor, AuditService.Descriptor], factory.Logs, baselines);

        output.WriteLine(report.Summary("courses"));
        Assert.True(report.MethodCount >= 15, $"only {report.MethodCount} methods");
        Assert.False(report.Failures.Any(), report.FailureMessage());
    }
}
