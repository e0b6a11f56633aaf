using ChongqingVet.Common.V1;
using ChongqingVet.Courses.Grpc;
using ChongqingVet.Courses.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using ChongqingVet.TestKit.Security;

namespace ChongqingVet.Courses.Tests;

/// <summary>The real courses service in memory on a fresh database, with a gRPC client.</summary>
public sealed class CourseServiceHarness : IAsyncDisposable
{
    private CourseServiceHarness(TestDatabase database, GrpcServiceFactory<CourseGrpcService> factory)
    {
        Database = database;
        Factory = factory;
        Client = new CourseService.CourseServiceClient(factory.CreateChannel());
    }

    public TestDatabase Database { get; }

    public GrpcServiceFactory<CourseGrpcService> Factory { get; }

    public CourseService.CourseServiceClient Client { get; }

    public static async Task<CourseServiceHarness> StartAsync(DatabaseProvider provider, bool sampleData = false)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var configuration = database.ToConfiguration();
        configuration["SampleData:Enabled"] = sampleData ? "true" : "false";
        var factory = new GrpcServiceFactory<CourseGrpcService>(configuration);
        _ = factory.Server; // start the host: migrations (and sample data) run now
        return new CourseServiceHarness(database, factory);
    }

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

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
    }
}
