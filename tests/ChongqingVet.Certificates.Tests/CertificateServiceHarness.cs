using ChongqingVet.Certificates.Grpc;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;

namespace ChongqingVet.Certificates.Tests;

/// <summary>The real certificates service in memory on a fresh database, with a gRPC client.</summary>
public sealed class CertificateServiceHarness(ServiceHost<CertificateGrpcService> host) : ServiceHarness<CertificateGrpcService, CertificateService.CertificateServiceClient>(host, channel => new CertificateService.CertificateServiceClient(channel))
{
    public static async Task<CertificateServiceHarness> StartAsync(DatabaseProvider provider, IDictionary<string, string?>? settings = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? testServices = null) =>
        new(await ServiceHost<CertificateGrpcService>.StartAsync(provider, settings, testServices));

    public static CertificateType RobotOperatorType(string code = "MOHRSS-IR-OPS") => new()
    {
        Code = code,
        Name = "工业机器人系统操作员",
        Kind = CertificateKind.MohrssSkillLevel,
        OrganisationName = "重庆市职业技能鉴定指导中心",
        OrganisationCreditCode = "91350100M000100Y43",
        ValidityMonths = 0,
        Active = true,
        Levels =
        {
            new CertificateTypeLevel { Level = CertificateLevel.National4, AttestedSkills = { new SkillRef { SkillCode = "IR-OPS", Level = SkillLevel._4Intermediate } } },
            new CertificateTypeLevel
            {
                Level = CertificateLevel.National3,
                AttestedSkills =
                {
                    new SkillRef { SkillCode = "IR-OPS", Level = SkillLevel._3Advanced },
                    new SkillRef { SkillCode = "IR-PROG", Level = SkillLevel._3Advanced },
                },
            },
        },
    };

    public async Task<CertificateType> CreateTypeAsync(CertificateType? type = null) =>
        await Client.CreateCertificateTypeAsync(new CreateCertificateTypeRequest { RequestId = Guid.NewGuid().ToString(), CertificateType = type ?? RobotOperatorType() });

    public static IssueCertificateRequest Issue(string learnerId = "L0001", string idNumber = "11010519491231002X", CertificateLevel level = CertificateLevel.National3) => new()
    {
        RequestId = Guid.NewGuid().ToString(),
        TypeCode = "MOHRSS-IR-OPS",
        Level = level,
        LearnerId = learnerId,
        HolderName = "张三",
        HolderIdNumber = idNumber,
        IssuingOrganisation = "重庆工业职业技术学院",
        IssueDate = new DateOnly(2025, 6, 30).ToProtoDate(),
    };
}
