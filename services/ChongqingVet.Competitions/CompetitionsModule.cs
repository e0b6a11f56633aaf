using ChongqingVet.Data.Audit;
using ChongqingVet.Data.Changes;
using ChongqingVet.ServiceDefaults.Security;
using ChongqingVet.Competitions.Data;
using ChongqingVet.Competitions.Grpc;
using ChongqingVet.Data;

namespace ChongqingVet.Competitions;

/// <summary>Registers and maps the competitions service.</summary>
public static class CompetitionsModule
{
    public static WebApplicationBuilder AddCompetitions(this WebApplicationBuilder builder)
    {
        builder.AddDatabase(typeof(CompetitionsModule).Assembly);
        builder.AddAudit();
        builder.AddChangeFeed("competitions", ChongqingVet.Competitions.V1.Competition.Descriptor, ChongqingVet.Competitions.V1.Event.Descriptor, ChongqingVet.Competitions.V1.Result.Descriptor, ChongqingVet.Competitions.V1.AwardRule.Descriptor);
        builder.Services.AddAccessRules(ChongqingVet.Audit.V1.AuditService.Descriptor, AuditAccess.Rules);
        builder.Services.AddAccessRules(ChongqingVet.Common.V1.ChangeFeedService.Descriptor, ChangeFeedAccess.Rules);
        builder.Services.AddAccessRules(ChongqingVet.Competitions.V1.CompetitionService.Descriptor, CompetitionAccess.Rules);
        builder.Services.AddSingleton<ChongqingVet.ApiKit.ListPages>();
        builder.Services.AddSingleton<CompetitionStores>();
        builder.Services.AddSingleton<ChongqingVet.Competitions.Domain.RecordResult>();
        builder.Services.AddSingleton<ChongqingVet.Competitions.Domain.UpdateResult>();
        builder.Services.AddSingleton<ChongqingVet.Competitions.Domain.CreateCompetition>();
        builder.Services.AddSingleton<ChongqingVet.Competitions.Domain.UpdateCompetition>();
        builder.Services.AddSingleton<ChongqingVet.Competitions.Domain.CreateEvent>();
        builder.Services.AddSingleton<ChongqingVet.Competitions.Domain.UpdateAwardRule>();
        builder.Services.AddSingleton<CompetitionRepository>();
        builder.Services.AddSingleton<ResultRepository>();
        builder.Services.AddSingleton<AwardRuleRepository>();
        builder.Services.AddSingleton<ISampleDataSeeder, CompetitionSampleData>();
        return builder;
    }

    public static WebApplication MapCompetitions(this WebApplication app)
    {
        app.MapGrpcService<CompetitionGrpcService>();
        app.MapAudit();
        app.MapChangeFeed();
        return app;
    }
}
