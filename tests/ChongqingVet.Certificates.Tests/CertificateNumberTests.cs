using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Dapper;
using Grpc.Core;

namespace ChongqingVet.Certificates.Tests;

/// <summary>National certificate numbers are unique by construction (DOMAIN.md §8): serials per number prefix, codes from a table.</summary>
public class CertificateNumberTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    /// <summary>A second MOHRSS type of the same evaluation body (same credit code) as <see cref="CertificateServiceHarness.RobotOperatorType"/>.</summary>
    private static CertificateType SameBodyType(string code = "MOHRSS-IR-MAINT")
    {
        var type = CertificateServiceHarness.RobotOperatorType(code);
        type.Name = "工业机器人系统运维员";
        return type;
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IssueCertificate_TwoTypesOfOneBody_SameSiteLevelAndYear_GetDistinctNumbersFromOneSequence(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        await harness.CreateTypeAsync(SameBodyType());

        var first = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());
        var secondRequest = CertificateServiceHarness.Issue(); // same holder, site, level and year; another type
        secondRequest.TypeCode = "MOHRSS-IR-MAINT";
        var second = await harness.Client.IssueCertificateAsync(secondRequest);

        Assert.NotEqual(first.CertificateNumber, second.CertificateNumber);
        Assert.Equal(first.CertificateNumber[..16], second.CertificateNumber[..16]); // one prefix: body + 50 + site + 25 + 3
        Assert.Equal(["000001", "000002"], new[] { first.CertificateNumber[16..], second.CertificateNumber[16..] });
        Assert.All([first, second], c => Assert.Matches(@"^S\d{4}50\d{6}253\d{6}$", c.CertificateNumber));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IssueCertificate_OtherBodyOrSite_GetsOtherAssignedCodes(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var otherBody = CertificateServiceHarness.RobotOperatorType("MOHRSS-ELEC");
        otherBody.OrganisationCreditCode = "12500000MB0000000" + ChongqingVet.Domain.Codes.UnifiedSocialCreditCode.ComputeCheckCharacter("12500000MB0000000");
        await harness.CreateTypeAsync(otherBody);

        var first = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());
        var otherBodyRequest = CertificateServiceHarness.Issue();
        otherBodyRequest.TypeCode = "MOHRSS-ELEC";
        var otherBodyClient = new CertificateService.CertificateServiceClient(harness.Factory.CreateChannel(ChongqingVet.TestKit.Security.TestAuthority.Shared.Issue(
            "institution-elec", "institution", ["certificates.issue"], organisation: otherBody.OrganisationCreditCode)));
        var second = await otherBodyClient.IssueCertificateAsync(otherBodyRequest);
        var otherSiteRequest = CertificateServiceHarness.Issue(learnerId: "L0002", idNumber: CertificateSampleIds.Id(1));
        otherSiteRequest.IssuingOrganisation = "重庆电子工程职业学院";
        var third = await harness.Client.IssueCertificateAsync(otherSiteRequest);

        Assert.Equal(("0001", "0002"), (first.CertificateNumber[1..5], second.CertificateNumber[1..5])); // body codes, assigned in order
        Assert.Equal(("000001", "000002"), (first.CertificateNumber[7..13], third.CertificateNumber[7..13])); // site codes
        Assert.Equal(first.CertificateNumber[7..13], second.CertificateNumber[7..13]); // one site keeps its code
        Assert.Equal(3, new[] { first, second, third }.Select(c => c.CertificateNumber).Distinct().Count());
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IssueCertificate_TwentyParallelAcrossTwoTypesOfOneBody_GiveTwentyDistinctNumbers(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        await harness.CreateTypeAsync(SameBodyType());

        var requests = Enumerable.Range(0, 20).Select(i =>
        {
            var request = CertificateServiceHarness.Issue($"L{i + 300:D4}", CertificateSampleIds.Id(i));
            request.TypeCode = i % 2 == 0 ? "MOHRSS-IR-OPS" : "MOHRSS-IR-MAINT";
            return request;
        }).ToList();
        var issued = await Task.WhenAll(requests.Select(r => harness.Client.IssueCertificateAsync(r).ResponseAsync));

        Assert.Equal(20, issued.Select(c => c.CertificateNumber).Distinct().Count());
        Assert.Single(issued.Select(c => c.CertificateNumber[..16]).Distinct());
        Assert.Equal(Enumerable.Range(1, 20), issued.Select(c => int.Parse(c.CertificateNumber[16..], System.Globalization.CultureInfo.InvariantCulture)).Order());
        Assert.Equal(20, await CountAsync(harness, "SELECT COUNT(*) FROM certificates"));
        Assert.Equal(1, await CountAsync(harness, "SELECT COUNT(*) FROM certificate_number_codes WHERE kind = 'body'"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ImportCertificates_TwoTypesOfOneBody_BothCreatedWithDistinctNumbers(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        await harness.CreateTypeAsync(SameBodyType());
        var items = new List<ImportCertificatesRequest>();
        for (var i = 0; i < 4; i++)
        {
            var issue = CertificateServiceHarness.Issue($"L{i + 400:D4}", CertificateSampleIds.Id(i % 2));
            issue.TypeCode = i < 2 ? "MOHRSS-IR-OPS" : "MOHRSS-IR-MAINT"; // the same two holders in both types
            items.Add(ToImport(issue, $"row-{i}"));
        }

        var response = await ImportAsync(harness, items);

        Assert.Equal((4, 0, 0), (response.CreatedCount, response.DuplicateCount, response.InvalidCount));
        Assert.All(response.Results, r => Assert.Equal(ImportOutcome.Created, r.Outcome));
        Assert.Equal(4, response.Results.Select(r => r.CertificateNumber).Distinct().Count());
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IssueCertificate_NumberAlreadyTaken_IsSkipped_NeverReportedAsTheActiveHolderRule(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var first = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());
        // A counter behind the numbers already issued (legacy rows, a restored backup): the next serial is taken.
        await using (var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None))
            await connection.ExecuteAsync("UPDATE certificate_serials SET next_serial = 1");

        var second = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0002", CertificateSampleIds.Id(7)));

        Assert.Equal(first.CertificateNumber[..16] + "000002", second.CertificateNumber);
    }

    [Fact]
    public async Task IssueCertificate_SameHolderAgain_StillReportsTheActiveHolderRule_WithTheRightReason()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());

        // The legacy 15-digit form of the same person's number is the same holder.
        var exception = await RpcAssert.ThrowsAsync(StatusCode.AlreadyExists,
            () => harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue(idNumber: "110105491231002")).ResponseAsync);
        Assert.Equal("ACTIVE_CERTIFICATE_EXISTS", RpcAssert.Reason(exception));
    }

    [Fact]
    public async Task LegacyIdAndNfkcEquivalentNames_AreOneHolder_ForMaskingAndVerification()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        var request = CertificateServiceHarness.Issue(idNumber: "110105491231002");
        request.HolderName = "阿卜杜拉·买买提";
        var issued = await harness.Client.IssueCertificateAsync(request);
        Assert.Equal("1101**************", issued.HolderIdNumberMasked); // masked as its 18-digit form

        foreach (var name in new[] { "阿卜杜拉．买买提", "阿卜杜拉 • 买买提", "阿卜杜拉.买买提", "阿卜杜拉·买买提" })
        {
            var byName = await harness.Client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = issued.CertificateNumber, HolderName = name });
            Assert.True(byName.Result == VerificationResult.Valid, name);
        }
        var byId = await harness.Client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = issued.CertificateNumber, HolderIdNumber = "11010519491231002X" });
        Assert.Equal(VerificationResult.Valid, byId.Result);
        var otherName = await harness.Client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = issued.CertificateNumber, HolderName = "阿卜杜拉买买提提" });
        Assert.Equal(VerificationResult.NotFound, otherName.Result);
    }

    [Theory]
    [InlineData("张\u200B三")] // zero-width space
    [InlineData("张\uFEFF三")] // BOM / zero-width no-break space
    [InlineData("张\u202E三")] // right-to-left override
    [InlineData("张\u2066三")] // left-to-right isolate
    [InlineData("张\u0007三")] // control
    public async Task HolderName_WithInvisibleOrBidiCharacters_IsInvalidArgument_OnIssueVerifyAndImport(string name)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        var request = CertificateServiceHarness.Issue();
        request.HolderName = name;

        await RpcAssert.InvalidArgumentAsync(() => harness.Client.IssueCertificateAsync(request).ResponseAsync, "holder_name");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.VerifyCertificateAsync(
            new VerifyCertificateRequest { CertificateNumber = "S000150000001253000001", HolderName = name }).ResponseAsync, "holder_name");
        var imported = await ImportAsync(harness, [ToImport(request, "r")]);
        Assert.Equal(ImportOutcome.Invalid, imported.Results[0].Outcome);
        Assert.Equal(["holder_name"], imported.Results[0].Violations.Select(v => v.Field));
    }

    [Fact]
    public async Task UndefinedEnumValues_AreInvalidArgument_NamingTheField()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();

        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCertificatesAsync(
            new ListCertificatesRequest { Status = (CertificateStatus)77 }).ResponseAsync, "status");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCertificateTypesAsync(
            new ListCertificateTypesRequest { Kind = (CertificateKind)77, MinSkillLevel = (SkillLevel)(-3) }).ResponseAsync, "kind", "min_skill_level");
        var issue = CertificateServiceHarness.Issue();
        issue.Level = (CertificateLevel)77;
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.IssueCertificateAsync(issue).ResponseAsync, "level");
        issue.Level = CertificateLevel.Unspecified;
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.IssueCertificateAsync(issue).ResponseAsync, "level");
        var type = CertificateServiceHarness.RobotOperatorType("MOHRSS-X");
        type.Kind = (CertificateKind)77;
        await RpcAssert.InvalidArgumentAsync(() => harness.CreateTypeAsync(type), "certificate_type.kind", "certificate_type.levels[0].level", "certificate_type.levels[1].level");
        // Defined values still work as filters.
        await harness.Client.ListCertificatesAsync(new ListCertificatesRequest { Status = CertificateStatus.Revoked });
    }

    [Theory]
    [InlineData(1949, 9, 30)]
    [InlineData(1900, 1, 1)]
    public async Task IssueDate_BeforeTheFoundingOfThePrc_IsInvalidArgument(int year, int month, int day)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        var request = CertificateServiceHarness.Issue();
        request.IssueDate = new DateOnly(year, month, day).ToProtoDate();

        var violations = await RpcAssert.InvalidArgumentAsync(() => harness.Client.IssueCertificateAsync(request).ResponseAsync, "issue_date");
        Assert.Contains("1949-10-01", violations[0].Description);
        request.IssueDate = new DateOnly(1949, 10, 1).ToProtoDate();
        await harness.Client.IssueCertificateAsync(request);
    }

    private static ImportCertificatesRequest ToImport(IssueCertificateRequest issue, string reference) => new()
    {
        RequestId = issue.RequestId,
        ClientReference = reference,
        TypeCode = issue.TypeCode,
        Level = issue.Level,
        LearnerId = issue.LearnerId,
        HolderName = issue.HolderName,
        HolderIdNumber = issue.HolderIdNumber,
        IssuingOrganisation = issue.IssuingOrganisation,
        IssueDate = issue.IssueDate,
    };

    private static async Task<ImportCertificatesResponse> ImportAsync(CertificateServiceHarness harness, IEnumerable<ImportCertificatesRequest> items)
    {
        using var call = harness.Client.ImportCertificates();
        foreach (var item in items) await call.RequestStream.WriteAsync(item);
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    private static async Task<long> CountAsync(CertificateServiceHarness harness, string sql)
    {
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
