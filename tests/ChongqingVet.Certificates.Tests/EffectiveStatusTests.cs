using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Data;
using ChongqingVet.Domain.Time;
using ChongqingVet.TestKit.Databases;

namespace ChongqingVet.Certificates.Tests;

/// <summary>
/// The effective status (an active certificate past its expiry reads as EXPIRED) is one rule,
/// <see cref="CertificateRules.EffectiveStatus"/>; the list's status filter restates it in SQL. These tests prove the two
/// agree on every certificate, including the day of expiry and the day after, on SQLite and PostgreSQL.
/// </summary>
public class EffectiveStatusTests
{
    public static TheoryData<DatabaseProvider> Providers => ChongqingVet.TestKit.Databases.Providers.All;

    [Theory, MemberData(nameof(Providers))]
    public async Task ListStatusFilter_AgreesWithEachCertificatesEffectiveStatus_AtTheExpiryBoundary(DatabaseProvider provider)
    {
        await using var harness = await CertificateServiceHarness.StartAsync(provider);
        var clock = harness.Clock;
        var yearly = CertificateServiceHarness.RobotOperatorType("MOHRSS-IR-YRL");
        yearly.ValidityMonths = 12;
        await harness.CreateTypeAsync(yearly);
        await harness.CreateTypeAsync();
        var today = ChinaTime.Today(clock);

        var issued = new Dictionary<string, CertificateStatus>();
        async Task<Certificate> IssueAsync(int holder, string typeCode, DateOnly issueDate, CertificateStatus expected)
        {
            var request = CertificateServiceHarness.Issue($"L{holder:D4}", StreamImportTests.IdNumber(holder));
            request.TypeCode = typeCode;
            request.IssueDate = issueDate.ToProtoDate();
            var certificate = await harness.Client.IssueCertificateAsync(request);
            issued[certificate.CertificateNumber] = expected;
            return certificate;
        }

        await IssueAsync(1, yearly.Code, today.AddYears(-2), CertificateStatus.Expired);
        await IssueAsync(2, yearly.Code, IssueDateExpiringOn(today), CertificateStatus.Active);
        await IssueAsync(3, yearly.Code, IssueDateExpiringOn(today.AddDays(-1)), CertificateStatus.Expired);
        await IssueAsync(4, yearly.Code, today.AddMonths(-1), CertificateStatus.Active);
        await IssueAsync(5, "MOHRSS-IR-OPS", today.AddYears(-20), CertificateStatus.Active); // no validity: never expires
        var revoked = await IssueAsync(6, yearly.Code, today.AddMonths(-1), CertificateStatus.Revoked);
        await harness.Client.RevokeCertificateAsync(new RevokeCertificateRequest
        {
            RequestId = Guid.NewGuid().ToString(), CertificateNumber = revoked.CertificateNumber, Reason = "r", Etag = revoked.Etag,
        });

        var all = await ListAsync(harness, CertificateStatus.Unspecified);
        Assert.Equal(issued, all.ToDictionary(c => c.CertificateNumber, c => c.Status));
        foreach (var status in new[] { CertificateStatus.Active, CertificateStatus.Expired, CertificateStatus.Revoked })
        {
            var listed = await ListAsync(harness, status);
            Assert.Equal(issued.Where(c => c.Value == status).Select(c => c.Key).Order(), listed.Select(c => c.CertificateNumber).Order());
        }

        // The next day the certificate that expired today reads as EXPIRED in both places.
        clock.Advance(TimeSpan.FromDays(1));
        var expiredNow = (await ListAsync(harness, CertificateStatus.Expired)).Select(c => c.CertificateNumber).ToHashSet();
        Assert.Equal(3, expiredNow.Count);
        Assert.All(await ListAsync(harness, CertificateStatus.Unspecified),
            c => Assert.Equal(c.Status == CertificateStatus.Expired, expiredNow.Contains(c.CertificateNumber)));
    }

    /// <summary>An issue date whose 12-month validity ends on <paramref name="expiry"/> (the last valid day).</summary>
    private static DateOnly IssueDateExpiringOn(DateOnly expiry)
    {
        for (var issue = expiry.AddMonths(-13); issue <= expiry; issue = issue.AddDays(1))
        {
            if (CertificateRules.ExpiryDate(issue, 12) == expiry) return issue;
        }
        throw new InvalidOperationException($"no issue date expires on {expiry}");
    }

    private static async Task<List<Certificate>> ListAsync(CertificateServiceHarness harness, CertificateStatus status)
    {
        var response = await harness.Client.ListCertificatesAsync(new ListCertificatesRequest { Status = status, PageSize = 100 });
        Assert.Empty(response.NextPageToken);
        return [.. response.Certificates];
    }
}
