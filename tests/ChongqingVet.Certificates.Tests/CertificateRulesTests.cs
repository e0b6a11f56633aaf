using ChongqingVet.Certificates.Data;
using ChongqingVet.Certificates.Domain;
using ChongqingVet.Certificates.V1;
using ChongqingVet.Common.V1;
using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Certificates.Tests;

public class CertificateRulesTests
{
    [Theory]
    [InlineData(CertificateKind.OnePlusX, CertificateLevel.XIntermediate, true)]
    [InlineData(CertificateKind.OnePlusX, CertificateLevel.National3, false)]
    [InlineData(CertificateKind.MohrssSkillLevel, CertificateLevel.National1, true)]
    [InlineData(CertificateKind.MohrssSkillLevel, CertificateLevel.XSenior, false)]
    [InlineData(CertificateKind.Unspecified, CertificateLevel.XSenior, false)]
    public void KindAllows_Levels(CertificateKind kind, CertificateLevel level, bool allowed) =>
        Assert.Equal(allowed, CertificateRules.KindAllows(kind, level));

    [Fact]
    public void FormatNumber_Mohrss_MatchesNationalFormat()
    {
        var number = CertificateRules.FormatNumber(CertificateRules.MohrssPrefix("0007", "000123", CertificateLevel.National2, 2026), 42);
        Assert.True(CertificateRules.IsMohrssNumber(number), number);
        Assert.Equal("S000750000123262000042", number); // body 0007, province 50, site 000123, year 26, 二级, serial 000042
    }

    [Fact]
    public void FormatNumber_OnePlusX_IsTypeYearSerial() =>
        Assert.Equal("1X-BIM-2025-000007", CertificateRules.FormatNumber(CertificateRules.TypeYearPrefix("1X-BIM", 2025), 7));

    [Theory]
    [InlineData(0)]
    [InlineData(1_000_000)]
    public void FormatNumber_SerialOutsideSixDigits_IsRefused(long serial) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CertificateRules.FormatNumber("1X-BIM-2025-", serial));

    [Theory]
    [InlineData("123", "000001")] // body code too short
    [InlineData("0001", "12345X")] // site code not digits
    public void MohrssPrefix_MalformedCodes_AreRefused(string body, string site) =>
        Assert.Throws<ArgumentException>(() => CertificateRules.MohrssPrefix(body, site, CertificateLevel.National3, 2026));

    [Theory]
    [InlineData(0, null)]
    [InlineData(36, "2028-06-29")]
    public void ExpiryDate_FromValidityMonths(int months, string? expected) =>
        Assert.Equal(expected is null ? null : DateOnly.Parse(expected), CertificateRules.ExpiryDate(new DateOnly(2025, 6, 30), months));

    [Fact]
    public void EffectiveStatus_ActivePastExpiry_IsExpired()
    {
        Assert.Equal(CertificateStatus.Expired, CertificateRules.EffectiveStatus(CertificateStatus.Active, new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 2)));
        Assert.Equal(CertificateStatus.Active, CertificateRules.EffectiveStatus(CertificateStatus.Active, new DateOnly(2026, 1, 2), new DateOnly(2026, 1, 2)));
        Assert.Equal(CertificateStatus.Revoked, CertificateRules.EffectiveStatus(CertificateStatus.Revoked, new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 2)));
    }

    [Fact]
    public void SampleTypes_AreValid()
    {
        foreach (var type in CertificateSampleData.Types)
        {
            var violations = new Violations();
            CertificateRules.Validate(type, violations);
            Assert.False(violations.Any, type.Code + ": " + string.Join("; ", violations.Items));
        }
        Assert.All(Enumerable.Range(0, 60), i => Assert.True(NationalIdNumber.IsValid(CertificateSampleData.SyntheticIdNumber(i), new DateOnly(2026, 11, 28))));
    }

    [Fact]
    public void AesGcmFieldCipher_RoundTripsAndUsesFreshNonces()
    {
        var cipher = new AesGcmFieldCipher(new byte[32]);
        var first = cipher.Encrypt("11010519491231002X");
        var second = cipher.Encrypt("11010519491231002X");
        Assert.NotEqual(first, second);
        Assert.Equal("11010519491231002X", cipher.Decrypt(first));
        first[^1] ^= 1;
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => cipher.Decrypt(first));
    }
}
