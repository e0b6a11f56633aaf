using ChongqingVet.Domain.Codes;

namespace ChongqingVet.Domain.Tests;

public class NationalIdNumberTests
{
    private static readonly DateOnly Today = new(2026, 11, 28);

    [Theory]
    [InlineData("11010519491231002X")]
    [InlineData("440524188001010014")]
    [InlineData("11010519491231002x")] // lowercase x is accepted and normalised
    [InlineData("110105491231002")] // legacy 15-digit form
    [InlineData("810000199001010000")] // Hong Kong residence permit prefix, same checksum
    public void Validate_KnownValidNumbers_ReturnsNull(string id)
    {
        Assert.Null(NationalIdNumber.Validate(id, Today));
    }

    [Fact]
    public void ComputeCheckCharacter_DomainVectors_MatchPublishedSums()
    {
        Assert.Equal('X', NationalIdNumber.ComputeCheckCharacter("11010519491231002"));
        Assert.Equal('4', NationalIdNumber.ComputeCheckCharacter("44052418800101001"));
    }

    [Theory]
    [InlineData("110105194912310021", "check character")]
    [InlineData("440524188001010015", "check character")]
    [InlineData("110105200002300011", "does not exist")] // 30 February
    [InlineData("110105203001010011", "future")]
    [InlineData("1101051949123100", "18 characters")]
    [InlineData("11010519491231002Y", "digit or X")]
    [InlineData("110105491330002", "does not exist")]
    public void Validate_InvalidNumbers_SaysWhy(string id, string expected)
    {
        var error = NationalIdNumber.Validate(id, Today);
        Assert.NotNull(error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Validate_FutureBirthDate_IsRejectedEvenWithCorrectCheckCharacter()
    {
        var first17 = "11010520300101001";
        var id = first17 + NationalIdNumber.ComputeCheckCharacter(first17);
        Assert.Contains("future", NationalIdNumber.Validate(id, Today));
    }

    [Fact]
    public void Mask_EighteenCharacters_ShowsOnlyTheRegionNeverTheCheckCharacter()
    {
        Assert.Equal("1101**************", NationalIdNumber.Mask("11010519491231002x"));
        Assert.Equal("1101**************", NationalIdNumber.Mask("1101**********002X"));
    }
}

public class UnifiedSocialCreditCodeTests
{
    [Fact]
    public void Validate_DomainVector_IsValid()
    {
        Assert.Null(UnifiedSocialCreditCode.Validate("91350100M000100Y43"));
        Assert.Equal('3', UnifiedSocialCreditCode.ComputeCheckCharacter("91350100M000100Y4"));
    }

    [Theory]
    [InlineData("91350100M000100Y44", "check character")]
    [InlineData("91350100M000100Y4", "18 characters")]
    [InlineData("91350100I000100Y43", "without I, O, S, V, Z")]
    [InlineData("91350100O000100Y43", "without I, O, S, V, Z")]
    [InlineData("91350100S000100Y43", "without I, O, S, V, Z")]
    [InlineData("91350100V000100Y43", "without I, O, S, V, Z")]
    [InlineData("91350100Z000100Y43", "without I, O, S, V, Z")]
    [InlineData("", "required")]
    public void Validate_InvalidCodes_SaysWhy(string code, string expected)
    {
        Assert.Contains(expected, UnifiedSocialCreditCode.Validate(code));
    }
}

public class SkillCodeAndLearnerIdTests
{
    [Theory]
    [InlineData("PLC", true)]
    [InlineData("IR-OPS.2", true)]
    [InlineData("ab", false)]
    [InlineData("plc-basic", false)]
    [InlineData("A B", false)]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", false)]
    public void SkillCode_Format_IsChecked(string code, bool valid) => Assert.Equal(valid, SkillCode.IsValid(code));

    [Theory]
    [InlineData("L000123", true)]
    [InlineData("stu_2024-01", true)]
    [InlineData("-abc", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    public void LearnerId_Format_IsChecked(string id, bool valid) => Assert.Equal(valid, LearnerId.IsValid(id));
}

public class ChongqingDistrictsTests
{
    [Fact]
    public void Current_HasThirtyEightDistrictsAndCounties() => Assert.Equal(38, ChongqingDistricts.Current.Count());

    [Theory]
    [InlineData("500118", false, null)]
    [InlineData("500228", false, "replaced by 500155")]
    [InlineData("510101", false, "not a Chongqing")]
    [InlineData("CQ-LJXQ", false, "functional zone")]
    [InlineData("CQ-LJXQ", true, null)]
    public void Validate_Codes(string code, bool allowZones, string? expected)
    {
        var error = ChongqingDistricts.Validate(code, allowZones);
        if (expected is null) Assert.Null(error);
        else Assert.Contains(expected, error);
    }
}
