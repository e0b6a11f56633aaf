using ChongqingVet.JobPostings.Domain;
using ChongqingVet.Data.Audit;
using ChongqingVet.Data.Changes;
using ChongqingVet.ServiceDefaults.Security;
using ChongqingVet.Data;
using ChongqingVet.JobPostings.Data;
using ChongqingVet.JobPostings.Grpc;

namespace ChongqingVet.JobPostings;

/// <summary>Registers and maps the job postings service.</summary>
public static class JobPostingsModule
{
    public static WebApplicationBuilder AddJobPostings(this WebApplicationBuilder builder)
    {
        builder.AddDatabase(typeof(JobPostingsModule).Assembly);
        builder.AddAudit();
        builder.AddChangeFeed("jobpostings", ChongqingVet.JobPostings.V1.Skill.Descriptor, ChongqingVet.JobPostings.V1.Employer.Descriptor, ChongqingVet.JobPostings.V1.JobPosting.Descriptor, ChongqingVet.JobPostings.V1.Placement.Descriptor);
        builder.Services.AddAccessRules(ChongqingVet.Audit.V1.AuditService.Descriptor, AuditAccess.Rules);
        builder.Services.AddAccessRules(ChongqingVet.Common.V1.ChangeFeedService.Descriptor, ChangeFeedAccess.Rules);
        builder.Services.AddAccessRules(ChongqingVet.JobPostings.V1.JobPostingService.Descriptor, JobPostingAccess.Rules);
        builder.Services.AddSingleton<ChongqingVet.ApiKit.ListPages>();
        builder.Services.AddSingleton<CreateJobPosting>();
        builder.Services.AddSingleton<UpdateJobPosting>();
        builder.Services.AddSingleton<ClosePosting>();
        builder.Services.AddSingleton<JobPostingStores>();
        builder.Services.AddSingleton<CreateSkill>();
        builder.Services.AddSingleton<DeprecateSkill>();
        builder.Services.AddSingleton<CreateEmployer>();
        builder.Services.AddSingleton<RecordPlacement>();
        builder.Services.AddSingleton<SkillRepository>();
        builder.Services.AddSingleton<EmployerRepository>();
        builder.Services.AddSingleton<JobPostingRepository>();
        builder.Services.AddSingleton<PlacementRepository>();
        builder.Services.AddSingleton<JobPostingMetrics>();
        builder.Services.AddSingleton<ISampleDataSeeder, JobPostingSampleData>();
        return builder;
    }

    public static WebApplication MapJobPostings(this WebApplication app)
    {
        app.MapGrpcService<JobPostingGrpcService>();
        app.MapAudit();
        app.MapChangeFeed();
        return app;
    }
}
