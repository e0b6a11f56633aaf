using ChongqingVet.Data.Audit;
using ChongqingVet.ServiceDefaults.Security;
using ChongqingVet.Certificates.Data;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.Grpc;
using ChongqingVet.Data;

namespace ChongqingVet.Certificates;

/// <summary>Registers and maps the certificates service.</summary>
public static class CertificatesModule
{
    public static WebApplicationBuilder AddCertificates(this WebApplicationBuilder builder)
    {
        builder.AddDatabase(typeof(CertificatesModule).Assembly);
        builder.AddAudit();
        builder.Services.AddAccessRules(ChongqingVet.Audit.V1.AuditService.Descriptor, AuditAccess.Rules);
        builder.Services.AddAccessRules(ChongqingVet.Certificates.V1.CertificateService.Descriptor, CertificateAccess.Rules);
        builder.Services.AddSingleton(HolderIdentityKeys.FromConfiguration(builder.Configuration, builder.Environment,
            DevelopmentKeys.StartupLogger(builder, typeof(HolderIdentityProtector).FullName!)));
        builder.Services.AddSingleton(builder.Configuration.GetSection("Verification").Get<VerificationOptions>() ?? new VerificationOptions());
        builder.Services.AddSingleton<ChongqingVet.ApiKit.ListPages>();
        builder.Services.AddSingleton<CertificateStores>();
        builder.Services.AddSingleton<ChongqingVet.Certificates.Domain.RevokeCertificate>();
        builder.Services.AddSingleton<VerificationGuard>();
        builder.Services.AddSingleton<CertificateTypeRepository>();
        builder.Services.AddSingleton<CertificateRepository>();
        builder.Services.AddSingleton(builder.Configuration.GetSection(ImportOptions.SectionName).Get<ImportOptions>() ?? new ImportOptions());
        builder.Services.AddSingleton<ChongqingVet.Certificates.Domain.IssueCertificate>();
        builder.Services.AddSingleton<ImportCertificates>();
        builder.Services.AddSingleton<CertificateMetrics>();
        builder.Services.AddSingleton<ISampleDataSeeder, CertificateSampleData>();
        return builder;
    }

    public static WebApplication MapCertificates(this WebApplication app)
    {
        app.MapGrpcService<CertificateGrpcService>();
        app.MapAudit();
        return app;
    }
}
