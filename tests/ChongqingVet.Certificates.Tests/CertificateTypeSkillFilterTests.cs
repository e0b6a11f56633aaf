using ChongqingVet.Common.V1;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Grpc;

namespace ChongqingVet.Certificates.Tests;

/// <summary>The skill_codes filter of ListCertificateTypes (the skill gap's one call for all its skills).</summary>
public class CertificateTypeSkillFilterTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    private static CertificateType Attesting(string code, string skill, SkillLevel level)
    {
        var type = CertificateServiceHarness.RobotOperatorType(code);
        type.Levels.Clear();
        type.Levels.Add(new CertificateTypeLevel { Level = CertificateLevel.National3, AttestedSkills = { new SkillRef { SkillCode = skill, Level = level } } });
        return type;
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListCertificateTypes_SkillCodes_TypesAttestingAnyOfThemAtTheLevel(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync(Attesting("MOHRSS-A", "IR-OPS", SkillLevel._3Advanced));
        await harness.CreateTypeAsync(Attesting("MOHRSS-B", "IR-PROG", SkillLevel._4Intermediate));
        await harness.CreateTypeAsync(Attesting("MOHRSS-C", "HMI-CONF", SkillLevel._2Technician));

        var any = await harness.Client.ListCertificateTypesAsync(new ListCertificateTypesRequest { SkillCodes = { "IR-OPS", "IR-PROG" } });
        Assert.Equal(["MOHRSS-A", "MOHRSS-B"], any.CertificateTypes.Select(t => t.Code));
        var atLevel = await harness.Client.ListCertificateTypesAsync(new ListCertificateTypesRequest { SkillCodes = { "IR-OPS", "IR-PROG" }, MinSkillLevel = SkillLevel._3Advanced });
        Assert.Equal(["MOHRSS-A"], atLevel.CertificateTypes.Select(t => t.Code));
    }

    [Fact]
    public async Task ListCertificateTypes_SkillCodesOverTheLimitOrBad_InvalidArgument()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCertificateTypesAsync(
            new ListCertificateTypesRequest { SkillCodes = { Enumerable.Range(0, 101).Select(i => $"SK-{i:D3}") } }).ResponseAsync, "skill_codes");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCertificateTypesAsync(
            new ListCertificateTypesRequest { SkillCodes = { "IR-OPS", "" } }).ResponseAsync, "skill_codes[1]");
    }
}
