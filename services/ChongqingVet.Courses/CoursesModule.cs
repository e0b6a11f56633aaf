using ChongqingVet.Data.Audit;
using ChongqingVet.Data.Changes;
using ChongqingVet.ServiceDefaults.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ChongqingVet.Courses.Data;
using ChongqingVet.Courses.Domain;
using ChongqingVet.Courses.Grpc;
using ChongqingVet.Data;

namespace ChongqingVet.Courses;

/// <summary>Registers and maps the courses service.</summary>
public static class CoursesModule
{
    public static WebApplicationBuilder AddCourses(this WebApplicationBuilder builder)
    {
        builder.AddDatabase(typeof(CoursesModule).Assembly);
        builder.AddAudit();
        builder.AddChangeFeed("courses", ChongqingVet.Courses.V1.Major.Descriptor, ChongqingVet.Courses.V1.Course.Descriptor, ChongqingVet.Courses.V1.CreditRule.Descriptor, ChongqingVet.Courses.V1.Enrollment.Descriptor);
        builder.Services.AddAccessRules(ChongqingVet.Audit.V1.AuditService.Descriptor, AuditAccess.Rules);
        builder.Services.AddAccessRules(ChongqingVet.Common.V1.ChangeFeedService.Descriptor, ChangeFeedAccess.Rules);
        builder.Services.AddAccessRules(ChongqingVet.Courses.V1.CourseService.Descriptor, CourseAccess.Rules);
        builder.Services.AddSingleton(builder.Configuration.GetSection("CreditRecognition").Get<CreditRecognitionOptions>() ?? new CreditRecognitionOptions());
        builder.Services.AddSingleton<ChongqingVet.ApiKit.ListPages>();
        builder.Services.AddSingleton<CourseStores>();
        builder.Services.AddSingleton<ChongqingVet.Courses.Domain.RecordGrade>();
        builder.Services.AddSingleton<ChongqingVet.Courses.Domain.CreateCourse>();
        builder.Services.AddSingleton<ChongqingVet.Courses.Domain.UpdateCourse>();
        builder.Services.AddSingleton<ChongqingVet.Courses.Domain.CreateCreditRule>();
        builder.Services.AddSingleton<ChongqingVet.Courses.Domain.EnrollLearner>();
        builder.Services.AddSingleton<CourseRepository>();
        builder.Services.AddSingleton<EnrollmentRepository>();
        builder.Services.AddSingleton<CreditRuleRepository>();
        builder.Services.AddSingleton<CreditRecognitionEngine>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ISampleDataSeeder, CourseSampleData>();
        return builder;
    }

    public static WebApplication MapCourses(this WebApplication app)
    {
        app.MapGrpcService<CourseGrpcService>();
        app.MapAudit();
        app.MapChangeFeed();
        return app;
    }
}
