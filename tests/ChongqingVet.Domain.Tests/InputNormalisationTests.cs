using ChongqingVet.Domain.Codes;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Domain.Tests;

public class LegacyIdNumberTests
{
    private static readonly DateOnly Today = new(2026, 11, 28);

    [Theory]
    [InlineData("110105491231002", "11010519491231002X")] // DOMAIN.md §8 vector
    [InlineData(" 110105491231002 ", "11010519491231002X")]
    [InlineData("440524800101001", "440524198001010013")]
    public void Normalize_ValidFifteenDigits_BecomesTheEighteenDigitForm(string fifteen, string eighteen)
    {
        Assert.Equal(eighteen, NationalIdNumber.Normalize(fifteen));
        Assert.Null(NationalIdNumber.Validate(NationalIdNumber.Normalize(fifteen), Today));
        Assert.Equal(NationalIdNumber.Normalize(eighteen), NationalIdNumber.Normalize(fifteen)); // one identity
    }

    [Theory]
    [InlineData("110105491330002")] // 30th month: not a real date, stays as typed (validation says why)
    [InlineData("11010549123100A")]
    [InlineData("011010491231002")] // address code cannot start with 0
    public void Normalize_FifteenCharactersNotValidInForm_IsNotConverted(string value) =>
        Assert.Equal(value, NationalIdNumber.Normalize(value));

    [Fact]
    public void Mask_LegacyNumber_IsTheMaskOfItsEighteenDigitForm() =>
        Assert.Equal(NationalIdNumber.Mask("11010519491231002X"), NationalIdNumber.Mask("110105491231002"));

    [Fact]
    public void ToEighteen_InsertsCenturyAndComputesCheck() =>
        Assert.Equal("11010519491231002X", NationalIdNumber.ToEighteen("110105491231002"));
}

public class PersonNameTests
{
    [Theory]
    [InlineData("阿卜杜拉·买买提", "阿卜杜拉·买买提")]
    [InlineData("阿卜杜拉•买买提", "阿卜杜拉·买买提")] // U+2022 bullet
    [InlineData("阿卜杜拉．买买提", "阿卜杜拉·买买提")] // U+FF0E full-width full stop
    [InlineData("阿卜杜拉.买买提", "阿卜杜拉·买买提")]
    [InlineData("阿卜杜拉・买买提", "阿卜杜拉·买买提")] // U+30FB katakana middle dot
    [InlineData(" 张　三 ", "张三")] // ideographic space U+3000 (NFKC: a space), trimmed and removed
    [InlineData("Ｌｉ Ｍｉｎｇ", "LiMing")] // full-width Latin letters (NFKC)
    [InlineData("李 明", "李明")]
    public void IndexForm_EquivalentSpellings_AreEqual(string typed, string expected) =>
        Assert.Equal(expected, PersonName.IndexForm(typed));

    [Fact]
    public void Normalize_KeepsOneInnerSpace_ForDisplay() =>
        Assert.Equal("Li Ming", PersonName.Normalize("  Ｌｉ   Ｍｉｎｇ "));

    [Theory]
    [InlineData("张\u200B三")]
    [InlineData("张\u200C三")]
    [InlineData("张\u200D三")]
    [InlineData("张\u2060三")]
    [InlineData("\uFEFF张三")]
    [InlineData("张\u200E三")]
    [InlineData("张\u200F三")]
    [InlineData("张\u202A三")]
    [InlineData("张\u202E三")]
    [InlineData("张\u2066三")]
    [InlineData("张\u2069三")]
    [InlineData("张\u0000三")]
    [InlineData("张\n三")]
    [InlineData("张\u007F三")]
    public void Validate_ControlZeroWidthAndBidi_AreRejected(string name) =>
        Assert.Contains("control, zero-width or bidirectional", PersonName.Validate(name));

    [Theory]
    [InlineData(null, "is required")]
    [InlineData("  ", "is required")]
    public void Validate_EmptyOrMalformed_SaysWhy(string? name, string expected) =>
        Assert.Contains(expected, PersonName.Validate(name));

    [Fact]
    public void Validate_LoneSurrogate_IsNotWellFormed() =>
        Assert.Contains("well-formed", PersonName.Validate("张" + (char)0xD800 + "三"));

    [Fact]
    public void Validate_TooLongAfterNormalisation_IsRejected()
    {
        Assert.Null(PersonName.Validate(new string('张', 100)));
        Assert.Contains("at most 100", PersonName.Validate(new string('张', 101)));
    }
}

public class EnumAndDateCheckTests
{
    private enum Sample
    {
        Unspecified = 0,
        One = 1,
    }

    [Fact]
    public void CheckEnum_UndefinedValue_NamesTheField()
    {
        var violations = new Violations();
        Assert.False(violations.CheckEnum((Sample)77, "status"));
        Assert.True(violations.CheckEnum(Sample.Unspecified, "filter")); // a filter may be unset
        Assert.False(violations.CheckEnum(Sample.Unspecified, "level", required: true));
        Assert.True(violations.CheckEnum(Sample.One, "level", required: true));
        Assert.Equal(["status", "level"], violations.Items.Select(v => v.Field));
        Assert.Contains("77", violations.Items[0].Description);
        Assert.Equal("is required", violations.Items[1].Description);
    }

    [Fact]
    public void CheckDate_Bounds_AreInclusive()
    {
        var violations = new Violations();
        var today = new DateOnly(2026, 11, 28);
        Assert.True(violations.CheckDate(DateBounds.Earliest, "a", DateBounds.Earliest, today));
        Assert.True(violations.CheckDate(today, "b", DateBounds.Earliest, today));
        Assert.False(violations.CheckDate(new DateOnly(1949, 9, 30), "c", DateBounds.Earliest, today));
        Assert.False(violations.CheckDate(today.AddDays(1), "d", DateBounds.Earliest, today));
        Assert.False(violations.CheckDate(null, "e", DateBounds.Earliest, today));
        Assert.True(violations.CheckDate(null, "f", DateBounds.Earliest, today, required: false));
        Assert.Equal(["c", "d", "e"], violations.Items.Select(v => v.Field));
    }

    [Theory]
    [InlineData(1948, false)]
    [InlineData(1949, true)]
    [InlineData(2027, true)]
    [InlineData(2028, false)]
    public void IsYear_Between1949AndNextYear(int year, bool expected) =>
        Assert.Equal(expected, DateBounds.IsYear(year, new DateOnly(2026, 11, 28)));
}
