using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Data.Tests;

public class PageTokenTests
{
    private sealed record Cursor(string Code, long Id);

    private static readonly PageTokenCodec Codec = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string Filter = PageTokenCodec.Fingerprint("learner", "L0001", null);

    [Fact]
    public void Decode_RoundTrip_ReturnsCursor()
    {
        var token = Codec.Encode(new Cursor("IR-OPS", 42), Filter);
        Assert.Equal(new Cursor("IR-OPS", 42), Codec.Decode<Cursor>(token, Filter));
    }

    [Fact]
    public void Decode_Empty_MeansFirstPage() => Assert.Null(Codec.Decode<Cursor>("", Filter));

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b")]
    [InlineData("....")]
    public void Decode_Garbage_IsInvalidPageToken(string token) => AssertInvalid(() => Codec.Decode<Cursor>(token, Filter));

    [Fact]
    public void Decode_TamperedOrTruncated_IsInvalidPageToken()
    {
        var token = Codec.Encode(new Cursor("IR-OPS", 42), Filter);
        var tampered = (token[0] == 'A' ? 'B' : 'A') + token[1..];
        AssertInvalid(() => Codec.Decode<Cursor>(tampered, Filter));
        AssertInvalid(() => Codec.Decode<Cursor>(token[..^3], Filter));
    }

    [Fact]
    public void Decode_OtherKey_IsInvalidPageToken()
    {
        var other = new PageTokenCodec(new byte[32]);
        AssertInvalid(() => Codec.Decode<Cursor>(other.Encode(new Cursor("X", 1), Filter), Filter));
    }

    [Fact]
    public void Decode_OtherFilter_IsInvalidPageToken()
    {
        var token = Codec.Encode(new Cursor("IR-OPS", 42), Filter);
        AssertInvalid(() => Codec.Decode<Cursor>(token, PageTokenCodec.Fingerprint("learner", "L0002", null)));
    }

    [Theory]
    [InlineData(0, 50)]
    [InlineData(10, 10)]
    [InlineData(1000, 200)]
    public void Resolve_PageSize_DefaultsAndClamps(int requested, int expected) => Assert.Equal(expected, PageSize.Resolve(requested));

    [Fact]
    public void Resolve_NegativePageSize_IsInvalid() => Assert.Throws<ValidationException>(() => PageSize.Resolve(-1));

    [Fact]
    public void Etags_RoundTripAndRejectForgeries()
    {
        Assert.Equal(7, Etags.Parse(Etags.From(7)));
        Assert.Throws<ValidationException>(() => Etags.Parse("7"));
        Assert.Throws<ValidationException>(() => Etags.Parse(""));
    }

    private static void AssertInvalid(Action decode)
    {
        var error = Assert.Throws<ValidationException>(decode);
        Assert.Equal("page_token", Assert.Single(error.Violations).Field);
    }
}
