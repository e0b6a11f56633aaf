using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Samples;

namespace ChongqingVet.Certificates.Data;

/// <summary>
/// Sample certificate types (real 1+X and MOHRSS certificates from DOMAIN.md §6 with their organisations) and
/// deterministic certificates for the sample learners. Seeded once: a second run finds the types and adds nothing.
/// Holder names and ID numbers are synthetic (valid in form, belonging to nobody).
/// </summary>
public sealed class CertificateSampleData(CertificateTypeRepository types, CertificateRepository certificates) : ISampleDataSeeder
{
    public static IReadOnlyList<CertificateType> Types { get; } =
    [
        Type("1X-BIM", "建筑信息模型(BIM)职业技能等级证书", CertificateKind.OnePlusX, "廊坊市中科建筑产业化创新研究中心", "12131000", 36,
            (CertificateLevel.XJunior, [("BIM-MODEL", SkillLevel._5Beginner)]),
            (CertificateLevel.XIntermediate, [("BIM-MODEL", SkillLevel._4Intermediate), ("CAD-MECH", SkillLevel._5Beginner)]),
            (CertificateLevel.XSenior, [("BIM-MODEL", SkillLevel._3Advanced), ("PROJ-MGMT", SkillLevel._4Intermediate)])),
        Type("1X-AUTO", "汽车运用与维修职业技能等级证书", CertificateKind.OnePlusX, "北京中车行高新技术有限公司", "91110108", 36,
            (CertificateLevel.XJunior, [("AUTO-ENG", SkillLevel._5Beginner), ("AUTO-CHAS", SkillLevel._5Beginner)]),
            (CertificateLevel.XIntermediate, [("AUTO-ENG", SkillLevel._4Intermediate), ("AUTO-ELEC", SkillLevel._4Intermediate), ("EV-BATT", SkillLevel._5Beginner)]),
            (CertificateLevel.XSenior, [("AUTO-DIAG", SkillLevel._3Advanced), ("EV-BATT", SkillLevel._4Intermediate), ("EV-HV-SAFE", SkillLevel._4Intermediate)])),
        Type("1X-NET", "网络系统建设与运维职业技能等级证书", CertificateKind.OnePlusX, "华为技术有限公司", "91440300", 36,
            (CertificateLevel.XJunior, [("NET-BUILD", SkillLevel._5Beginner), ("NET-ROUTE", SkillLevel._5Beginner)]),
            (CertificateLevel.XIntermediate, [("NET-BUILD", SkillLevel._4Intermediate), ("NET-ROUTE", SkillLevel._4Intermediate), ("NET-SEC", SkillLevel._5Beginner)]),
            (CertificateLevel.XSenior, [("NET-BUILD", SkillLevel._3Advanced), ("NET-SEC", SkillLevel._4Intermediate), ("LINUX-ADM", SkillLevel._4Intermediate)])),
        Type("1X-AICOMP", "智能计算平台应用开发职业技能等级证书", CertificateKind.OnePlusX, "华为技术有限公司", "91440300", 36,
            (CertificateLevel.XJunior, [("AI-COMPUTE", SkillLevel._5Beginner), ("PY-DEV", SkillLevel._5Beginner)]),
            (CertificateLevel.XIntermediate, [("AI-COMPUTE", SkillLevel._4Intermediate), ("ML-MODEL", SkillLevel._5Beginner)]),
            (CertificateLevel.XSenior, [("AI-COMPUTE", SkillLevel._3Advanced), ("ML-MODEL", SkillLevel._4Intermediate)])),
        Type("MOHRSS-IR-OPS", "工业机器人系统操作员职业技能等级证书", CertificateKind.MohrssSkillLevel, "重庆市职业技能鉴定指导中心", "12500000", 0,
            (CertificateLevel.National4, [("IR-OPS", SkillLevel._4Intermediate), ("IR-SAFETY", SkillLevel._4Intermediate)]),
            (CertificateLevel.National3, [("IR-OPS", SkillLevel._3Advanced), ("IR-PROG", SkillLevel._3Advanced), ("IR-SAFETY", SkillLevel._3Advanced)]),
            (CertificateLevel.National2, [("IR-OPS", SkillLevel._2Technician), ("IR-PROG", SkillLevel._2Technician), ("IR-INTEG", SkillLevel._3Advanced)]),
            (CertificateLevel.National1, [("IR-INTEG", SkillLevel._1SeniorTechnician), ("IR-PROG", SkillLevel._1SeniorTechnician)])),
        Type("MOHRSS-ELEC", "电工职业技能等级证书", CertificateKind.MohrssSkillLevel, "重庆市职业技能鉴定指导中心", "12500000", 0,
            (CertificateLevel.National5, [("ELEC-INST", SkillLevel._5Beginner), ("ELEC-SAFE", SkillLevel._5Beginner)]),
            (CertificateLevel.National4, [("ELEC-INST", SkillLevel._4Intermediate), ("ELEC-SAFE", SkillLevel._4Intermediate), ("MOTOR-CTRL", SkillLevel._5Beginner)]),
            (CertificateLevel.National3, [("ELEC-INST", SkillLevel._3Advanced), ("PLC-PROG", SkillLevel._4Intermediate), ("MOTOR-CTRL", SkillLevel._4Intermediate)]),
            (CertificateLevel.National2, [("PLC-PROG", SkillLevel._3Advanced), ("MOTOR-CTRL", SkillLevel._3Advanced)]),
            (CertificateLevel.National1, [("PLC-PROG", SkillLevel._2Technician), ("SERVO-DRV", SkillLevel._2Technician)])),
    ];

    public async Task SeedAsync(IDbConnectionFactory database, CancellationToken cancellationToken)
    {
        if (await types.GetAsync(Types[0].Code, cancellationToken) is not null) return;

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var type in Types) await types.CreateAsync(connection, transaction, type, cancellationToken);

        var random = new Random(20261128);
        for (var index = 0; index < SampleVocabulary.LearnerIds.Count; index++)
        {
            var learnerId = SampleVocabulary.LearnerIds[index];
            if (learnerId == SampleVocabulary.LearnerWithNoEvidence || index % 4 == 3) continue; // some learners hold none
            var count = 1 + random.Next(index % 3 == 0 ? 3 : 2);
            foreach (var type in Types.OrderBy(_ => random.Next()).Take(count))
            {
                var level = type.Levels[random.Next(type.Levels.Count)].Level;
                var request = new IssueCertificateRequest
                {
                    TypeCode = type.Code,
                    Level = level,
                    LearnerId = learnerId,
                    HolderName = $"学员{index + 1:D4}",
                    HolderIdNumber = SyntheticIdNumber(index),
                    IssuingOrganisation = "重庆工业职业技术学院考核站",
                    IssueDate = new DateOnly(2024 + random.Next(2), 1 + random.Next(12), 1 + random.Next(28)).ToProtoDate(),
                };
                await certificates.IssueAsync(connection, transaction, type, request, cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A valid-in-form ID number for sample learner <paramref name="index"/>: 永川 500118, born 2005–2006.</summary>
    public static string SyntheticIdNumber(int index)
    {
        var birth = new DateOnly(2005, 1, 1).AddDays(index * 7);
        var first17 = $"500118{birth:yyyyMMdd}{index % 1000:D3}";
        return first17 + NationalIdNumber.ComputeCheckCharacter(first17);
    }

    private static CertificateType Type(string code, string name, CertificateKind kind, string organisation, string creditPrefix, int validityMonths,
        params (CertificateLevel Level, (string Skill, SkillLevel Level)[] Skills)[] levels)
    {
        var type = new CertificateType
        {
            Code = code,
            Name = name,
            Kind = kind,
            OrganisationName = organisation,
            OrganisationCreditCode = CreditCode(creditPrefix, code),
            ValidityMonths = validityMonths,
            Active = true,
        };
        foreach (var (level, skills) in levels)
        {
            var typeLevel = new CertificateTypeLevel { Level = level };
            typeLevel.AttestedSkills.AddRange(skills.Select(s => new SkillRef { SkillCode = s.Skill, Level = s.Level }));
            type.Levels.Add(typeLevel);
        }
        return type;
    }

    /// <summary>A synthetic, valid unified social credit code: the given prefix, a body derived from the type code, the check character.</summary>
    private static string CreditCode(string prefix, string seed)
    {
        const string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed));
        var body = string.Concat(Enumerable.Range(0, 17 - prefix.Length).Select(i => alphabet[hash[i] % alphabet.Length]));
        var first17 = prefix + body;
        return first17 + UnifiedSocialCreditCode.ComputeCheckCharacter(first17);
    }
}
