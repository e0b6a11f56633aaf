using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.TestKit.Databases;
using ChongqingVet.TestKit.Grpc;
using Dapper;
using Grpc.Core;

namespace ChongqingVet.Certificates.Tests;

public class CertificateServiceTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateCertificateType_Valid_IsReadableWithEtag(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        var created = await harness.CreateTypeAsync();

        var read = await harness.Client.GetCertificateTypeAsync(new GetCertificateTypeRequest { Code = "MOHRSS-IR-OPS" });
        Assert.Equal(created, read);
        Assert.Equal(2, read.Levels.Count);
        Assert.Equal(["IR-OPS", "IR-PROG"], read.Levels[1].AttestedSkills.Select(s => s.SkillCode));
        Assert.NotEmpty(read.Etag);
    }

    [Fact]
    public async Task CreateCertificateType_Invalid_ListsEveryViolation()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        var type = CertificateServiceHarness.RobotOperatorType("bad code");
        type.Kind = CertificateKind.OnePlusX; // national levels are not 1+X levels
        type.OrganisationCreditCode = "91350100I000100Y43";
        type.Name = "";

        await RpcAssert.InvalidArgumentAsync(() => harness.CreateTypeAsync(type),
            "certificate_type.code", "certificate_type.name", "certificate_type.organisation_credit_code",
            "certificate_type.levels[0].level", "certificate_type.levels[1].level");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task CreateCertificateType_Twice_IsAlreadyExists(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        await RpcAssert.ThrowsAsync(StatusCode.AlreadyExists, () => harness.CreateTypeAsync());
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task UpdateCertificateType_StaleEtag_IsAborted(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        var created = await harness.CreateTypeAsync();
        var rename = created.Clone();
        rename.Name = "工业机器人系统操作员（2025版）";
        var updated = await harness.Client.UpdateCertificateTypeAsync(new UpdateCertificateTypeRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            CertificateType = rename,
            UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "name" } },
        });
        Assert.Equal(rename.Name, updated.Name);
        Assert.NotEqual(created.Etag, updated.Etag);

        var exception = await RpcAssert.ThrowsAsync(StatusCode.Aborted, () => harness.Client.UpdateCertificateTypeAsync(
            new UpdateCertificateTypeRequest { RequestId = Guid.NewGuid().ToString(), CertificateType = rename }).ResponseAsync);
        Assert.Equal("ETAG_MISMATCH", RpcAssert.Reason(exception));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IssueCertificate_Valid_AssignsNationalNumberAndMasksIdentity(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();

        var certificate = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());

        Assert.Matches(@"^[YS]\d{4}\d{2}\d{6}\d{2}[1-5]\d{6}$", certificate.CertificateNumber);
        Assert.Equal('3', certificate.CertificateNumber[15]); // level digit: 三级
        Assert.Equal("1101**************", certificate.HolderIdNumberMasked);
        Assert.Equal("张三", certificate.HolderName); // the test token holds certificates.holder.read
        Assert.Equal(CertificateStatus.Active, certificate.Status);
        Assert.Null(certificate.ExpireDate);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IssueCertificate_ManyBadFields_ReportsThemAllAtOnce(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var request = CertificateServiceHarness.Issue(idNumber: "110105194912310021"); // wrong check character
        request.HolderName = " ";
        request.IssueDate = new DateOnly(2099, 1, 1).ToProtoDate();
        request.Level = CertificateLevel.National1; // the type has no 一级

        var violations = await RpcAssert.InvalidArgumentAsync(() => harness.Client.IssueCertificateAsync(request).ResponseAsync,
            "holder_id_number", "holder_name", "issue_date", "level");
        Assert.Contains(violations, v => v.Field == "holder_id_number" && v.Description.Contains("check character"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IssueCertificate_UnknownType_IsInvalidArgumentOnTypeCode(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue()).ResponseAsync, "type_code");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IssueCertificate_RetryWithSameRequestId_ReturnsFirstAndCreatesNothing(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var request = CertificateServiceHarness.Issue();

        var first = await harness.Client.IssueCertificateAsync(request);
        var second = await harness.Client.IssueCertificateAsync(request);

        Assert.Equal(first, second);
        Assert.Equal(1, await CountCertificatesAsync(harness));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IssueCertificate_SameHolderTypeAndLevelAgain_IsAlreadyExists(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());

        var exception = await RpcAssert.ThrowsAsync(StatusCode.AlreadyExists,
            () => harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue(idNumber: "11010519491231002x")).ResponseAsync);
        Assert.Equal("ACTIVE_CERTIFICATE_EXISTS", RpcAssert.Reason(exception));
        // Another level is another certificate.
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue(level: CertificateLevel.National4));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IssueCertificate_FiftyParallelIdenticalRequests_CreateOneCertificate(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var request = CertificateServiceHarness.Issue();

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => harness.Client.IssueCertificateAsync(request).ResponseAsync));

        Assert.Single(results.Select(r => r.CertificateNumber).Distinct());
        Assert.Equal(1, await CountCertificatesAsync(harness));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task RevokeCertificate_Twice_IsFailedPreconditionAndStaleEtagIsAborted(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var issued = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());

        var revoked = await harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = issued.CertificateNumber, Reason = "考核舞弊", Etag = issued.Etag,
        });
        Assert.Equal(CertificateStatus.Revoked, revoked.Status);
        Assert.Equal("考核舞弊", revoked.RevocationReason);
        Assert.NotNull(revoked.RevokeTime);

        var again = await RpcAssert.ThrowsAsync(StatusCode.FailedPrecondition, () => harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = issued.CertificateNumber, Reason = "again", Etag = revoked.Etag,
        }).ResponseAsync);
        Assert.Equal("CERTIFICATE_ALREADY_REVOKED", RpcAssert.Reason(again));

        var other = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue(idNumber: "440524188001010014"));
        await harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = other.CertificateNumber, Reason = "错误签发", Etag = other.Etag,
        });
        await RpcAssert.ThrowsAsync(StatusCode.FailedPrecondition, () => harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = other.CertificateNumber, Reason = "x", Etag = other.Etag,
        }).ResponseAsync);
        await RpcAssert.ThrowsAsync(StatusCode.NotFound, () => harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = "S000000000000000000000", Reason = "x", Etag = other.Etag,
        }).ResponseAsync);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task VerifyCertificate_NameOrIdNumber_GivesStatusAndNothingAboutTheHolder(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        var issued = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue());

        var byName = await harness.Client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = issued.CertificateNumber, HolderName = "张三" });
        Assert.Equal(VerificationResult.Valid, byName.Result);
        Assert.Equal("工业机器人系统操作员", byName.TypeName);
        Assert.Equal(CertificateLevel.National3, byName.Level);

        var byId = await harness.Client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = issued.CertificateNumber, HolderIdNumber = "11010519491231002x" });
        Assert.Equal(VerificationResult.Valid, byId.Result);

        var wrongName = await harness.Client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = issued.CertificateNumber, HolderName = "李四" });
        Assert.Equal(new VerifyCertificateResponse { Result = VerificationResult.NotFound }, wrongName);

        await harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = issued.CertificateNumber, Reason = "r", Etag = issued.Etag,
        });
        var revoked = await harness.Client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = issued.CertificateNumber, HolderName = "张三" });
        Assert.Equal(VerificationResult.Revoked, revoked.Result);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListCertificates_PagesThroughAllAndRejectsTamperedToken(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0007", "11010519491231002X"));
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0007", "11010519491231002X", CertificateLevel.National4));
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0007", "440524188001010014"));
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0008", "440524188001010014", CertificateLevel.National4));

        var numbers = new List<string>();
        var request = new ListCertificatesRequest { LearnerId = "L0007", PageSize = 2 };
        do
        {
            var page = await harness.Client.ListCertificatesAsync(request);
            Assert.True(page.Certificates.Count <= 2);
            numbers.AddRange(page.Certificates.Select(c => c.CertificateNumber));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        Assert.Equal(3, numbers.Distinct().Count());

        var first = await harness.Client.ListCertificatesAsync(new ListCertificatesRequest { LearnerId = "L0007", PageSize = 1 });
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCertificatesAsync(
            new ListCertificatesRequest { LearnerId = "L0008", PageSize = 1, PageToken = first.NextPageToken }).ResponseAsync, "page_token");
        await RpcAssert.InvalidArgumentAsync(() => harness.Client.ListCertificatesAsync(
            new ListCertificatesRequest { LearnerId = "L0007", PageSize = 1, PageToken = "x" + first.NextPageToken }).ResponseAsync, "page_token");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ListLearnerSkillEvidence_ActiveCertificatesOnly(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        await harness.CreateTypeAsync();
        await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0003"));
        var lower = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue("L0003", level: CertificateLevel.National4));

        var evidence = (await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0003" })).Evidence;
        Assert.Equal(3, evidence.Count); // 三级: IR-OPS + IR-PROG; 四级: IR-OPS
        Assert.All(evidence, e => Assert.Equal(EvidenceSourceKind.Certificate, e.SourceKind));
        Assert.Contains(evidence, e => e.SkillCode == "IR-PROG" && e.Level == SkillLevel._3Advanced && e.Issuer == "重庆市职业技能鉴定指导中心");

        await harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = lower.CertificateNumber, Reason = "r", Etag = lower.Etag,
        });
        var after = (await harness.Client.ListLearnerSkillEvidenceAsync(new ListLearnerSkillEvidenceRequest { LearnerId = "L0003" })).Evidence;
        Assert.Equal(2, after.Count);
        Assert.DoesNotContain(after, e => e.SourceName.EndsWith(lower.CertificateNumber, StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ImportCertificates_MixedStream_GivesOneResultPerItemAndResendCreatesNothing(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider, new Dictionary<string, string?> { ["Import:BatchSize"] = "3" });
        await harness.CreateTypeAsync();
        var items = new List<ImportCertificatesRequest>();
        for (var i = 0; i < 6; i++)
        {
            var issue = CertificateServiceHarness.Issue($"L{i + 100:D4}", CertificateSampleIds.Id(i));
            items.Add(ToImport(issue, $"row-{i}"));
        }
        var invalid = ToImport(CertificateServiceHarness.Issue("L0200", "110105194912310021"), "row-bad");
        invalid.HolderName = "";
        items.Insert(2, invalid);
        var sameHolder = ToImport(CertificateServiceHarness.Issue("L0100", CertificateSampleIds.Id(0)), "row-same-holder");
        items.Add(sameHolder);

        var first = await ImportAsync(harness, items);
        Assert.Equal(8, first.Results.Count);
        Assert.Equal((6, 1, 1), (first.CreatedCount, first.DuplicateCount, first.InvalidCount));
        var bad = first.Results.Single(r => r.ClientReference == "row-bad");
        Assert.Equal(ImportOutcome.Invalid, bad.Outcome);
        Assert.Equal(["holder_id_number", "holder_name"], bad.Violations.Select(v => v.Field).Order());
        Assert.Equal(first.Results.Single(r => r.ClientReference == "row-0").CertificateNumber,
            first.Results.Single(r => r.ClientReference == "row-same-holder").CertificateNumber);

        var again = await ImportAsync(harness, items);
        Assert.Equal((0, 7, 1), (again.CreatedCount, again.DuplicateCount, again.InvalidCount));
        Assert.Equal(first.Results.Select(r => r.CertificateNumber), again.Results.Select(r => r.CertificateNumber));
        Assert.Equal(6, await CountCertificatesAsync(harness));
    }

    [Fact]
    public async Task ClearIdNumber_AppearsNowhere_InDatabaseFileLogsOrResponses()
    {
        await using var harness = await CertificateServiceHarness.StartAsync(DatabaseProvider.Sqlite);
        await harness.CreateTypeAsync();
        const string idNumber = "440524188001010014";
        var responses = new List<Google.Protobuf.IMessage>();
        var issued = await harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue(idNumber: idNumber));
        responses.Add(issued);
        responses.Add(await harness.Client.GetCertificateAsync(new GetCertificateRequest { CertificateNumber = issued.CertificateNumber }));
        responses.Add(await harness.Client.VerifyCertificateAsync(new VerifyCertificateRequest { CertificateNumber = issued.CertificateNumber, HolderIdNumber = idNumber }));
        responses.Add(await ImportAsync(harness, [ToImport(CertificateServiceHarness.Issue("L0002", idNumber, CertificateLevel.National4), "r")]));
        var failure = await Assert.ThrowsAsync<RpcException>(() => harness.Client.IssueCertificateAsync(CertificateServiceHarness.Issue(idNumber: idNumber)).ResponseAsync);

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var directory = Path.GetDirectoryName(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(harness.Database.ConnectionString).DataSource)!;
        var stored = string.Concat(Directory.GetFiles(directory).Select(f => System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f))));
        Assert.DoesNotContain(idNumber, stored);
        Assert.DoesNotContain(System.Text.Encoding.Latin1.GetString(System.Text.Encoding.UTF8.GetBytes("张三")), stored); // names are encrypted too
        Assert.DoesNotContain(idNumber, harness.Factory.Logs.AllText);
        Assert.All(responses, r => Assert.DoesNotContain(idNumber, r.ToString()));
        Assert.DoesNotContain(idNumber, failure.Status.Detail + failure.Trailers.ToString());
    }

    [Fact]
    public void SqlServer_MigrationsAndQueriesParse_AndDialectsAreInStep()
    {
        var assembly = typeof(ChongqingVet.Certificates.Grpc.CertificateGrpcService).Assembly;
        Assert.True(TSqlAssert.MigrationsParse(assembly) > 0);
        MigrationsAssert.DialectsInStep(assembly);
        var queries = TSqlAssert.QueryConstants(assembly);
        Assert.True(queries.Count >= 10, $"only {queries.Count} queries found");
        foreach (var (name, sql) in queries) TSqlAssert.Parses(sql, name);
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

    private static async Task<long> CountCertificatesAsync(CertificateServiceHarness harness)
    {
        await using var connection = await harness.Database.Factory.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM certificates");
    }
}

/// <summary>Valid synthetic ID numbers for tests.</summary>
internal static class CertificateSampleIds
{
    public static string Id(int index) => ChongqingVet.Certificates.Data.CertificateSampleData.SyntheticIdNumber(index + 500);
}
