using ChongqingVet.Common.V1;
using ChongqingVet.Courses.Grpc;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;

namespace ChongqingVet.Courses.Tests;

/// <summary>The real courses service in memory on a fresh database, with a gRPC client.</summary>
public sealed class CourseServiceHarness(ServiceHost<CourseGrpcService> host) : ServiceHarness<CourseGrpcService, CourseService.CourseServiceClient>(host, channel => new CourseService.CourseServiceClient(channel))
{
    public static async Task<CourseServiceHarness> StartAsync(DatabaseProvider provider, bool sampleData = false) =>
        new(await ServiceHost<CourseGrpcService>.StartAsync(provider, new Dictionary<string, string?> { ["SampleData:Enabled"] = sampleData ? "true" : "false" }));

    public static Course PlcCourse(string code = "JD-201") => new()
    {
        Code = code,
        Name = "PLC应用技术",
        Credits = 4,
        Hours = 64,
        Category = CourseCategory.Core,
        MajorCodes = { "460301", "660301" },
        SkillOutcomes = { new SkillRef { SkillCode = "PLC-PROG", Level = SkillLevel._3Advanced }, new SkillRef { SkillCode = "HMI-CONF", Level = SkillLevel._4Intermediate } },
        // The default test token's organisation teaches it, so that token may enrol and grade.
        OwnerCreditCode = TestAuthority.TestOrganisation,
    };

    public async Task<Course> CreateCourseAsync(Course? course = null) =>
        await Client.CreateCourseAsync(new CreateCourseRequest { RequestId = Guid.NewGuid().ToString(), Course = course ?? PlcCourse() });

    public async Task<Enrollment> EnrollAsync(string learner = "L0001", string course = "JD-201", string term = "2025-2026-1") =>
        await Client.EnrollLearnerAsync(new EnrollLearnerRequest { RequestId = Guid.NewGuid().ToString(), LearnerId = learner, CourseCode = course, Term = term });
}
