using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Domain.Tests;

/// <summary>Required text refuses NUL and bidirectional controls (found by the bad-input battery: names were stored with them).</summary>
public class RequireTextCharacterTests
{
    [Theory]
    [InlineData("a\0b")]
    [InlineData("invoice\u202Efdp.exe")]
    [InlineData("x\u2067y")]
    public void NulAndBidiControls_AreViolations(string value)
    {
        var violations = new Violations();
        Assert.False(violations.RequireText(value, "name"));
        Assert.Equal("name", Assert.Single(violations.Items).Field);
    }

    [Theory]
    [InlineData("全国职业院校技能大赛（中职组）")]
    [InlineData("Line one\nline two")]
    public void OrdinaryText_IsFine(string value) => Assert.True(new Violations().RequireText(value, "name"));
}
