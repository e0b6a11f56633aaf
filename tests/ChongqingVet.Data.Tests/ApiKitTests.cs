using ChongqingVet.ApiKit;
using ChongqingVet.Common.V1;
using ChongqingVet.Competitions.V1;
using ChongqingVet.Domain.Errors;
using Google.Protobuf.WellKnownTypes;

namespace ChongqingVet.Data.Tests;

/// <summary>The shared API kit: list pages, etag violations, mutable-field masks and the request_id rule.</summary>
public class ApiKitTests
{
    private static readonly PageTokenCodec Codec = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string[] Rows = Enumerable.Range(1, 7).Select(i => $"R{i:00}").ToArray();

    private static Task<Page<string>> Query(string after, int size) =>
        Task.FromResult(Page<string>.FromRows(Rows.Where(r => string.CompareOrdinal(r, after) > 0).Take(size + 1).ToArray(), size));

    [Fact]
    public async Task ListAsync_WalkingTokens_ReturnsEveryRowOnceThenNoToken()
    {
        var pages = new ListPages(Codec);
        var seen = new List<string>();
        var token = string.Empty;
        var calls = 0;
        do
        {
            var page = await pages.ListAsync(3, token, ["filter-a"], string.Empty, Query, row => row);
            seen.AddRange(page.Items);
            token = page.NextPageToken;
            calls++;
        }
        while (token.Length > 0 && calls < 10);
        Assert.Equal(Rows, seen);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task ListAsync_ZeroOrHugePageSize_UsesDefaultAndMaximum()
    {
        var pages = new ListPages(Codec);
        var sizes = new List<int>();
        Task<Page<string>> Capture(string after, int size)
        {
            sizes.Add(size);
            return Query(after, size);
        }
        await pages.ListAsync(0, "", ["f"], "", Capture, row => row);
        await pages.ListAsync(100_000, "", ["f"], "", Capture, row => row);
        await pages.ListAsync(0, "", ["f"], "", Capture, row => row, new PageLimits(20, 100));
        await pages.ListAsync(500, "", ["f"], "", Capture, row => row, new PageLimits(20, 100));
        Assert.Equal([PageSize.Default, PageSize.Maximum, 20, 100], sizes);
    }

    [Fact]
    public async Task ListAsync_TokenFromOtherFilter_IsInvalidArgumentOnPageToken()
    {
        var pages = new ListPages(Codec);
        var first = await pages.ListAsync(3, "", ["district-500101"], "", Query, row => row);
        var error = await Assert.ThrowsAsync<ValidationException>(() => pages.ListAsync(3, first.NextPageToken, ["district-500102"], "", Query, row => row));
        Assert.Equal("page_token", Assert.Single(error.Violations).Field);
    }

    [Fact]
    public async Task ListAsync_NegativePageSize_IsInvalidArgumentOnPageSize()
    {
        var error = await Assert.ThrowsAsync<ValidationException>(() => new ListPages(Codec).ListAsync(-1, "", ["f"], "", Query, row => row));
        Assert.Equal("page_size", Assert.Single(error.Violations).Field);
    }

    [Fact]
    public async Task ListWithCursorAsync_QueryCursor_IsSignedAndHandedBack()
    {
        var pages = new ListPages(Codec);
        var handed = new List<int>();
        Task<(IReadOnlyList<int> Items, int[]? Next)> Numbers(int[] after, int size)
        {
            handed.Add(after[0]);
            var items = Enumerable.Range(after[0] + 1, size).Where(n => n <= 5).ToArray();
            return Task.FromResult<(IReadOnlyList<int>, int[]?)>((items, items.Length == size && items[^1] < 5 ? [items[^1]] : null));
        }
        var first = await pages.ListWithCursorAsync<int[], int>(2, "", ["L0001"], [0], Numbers);
        var second = await pages.ListWithCursorAsync<int[], int>(2, first.NextPageToken, ["L0001"], [0], Numbers);
        var third = await pages.ListWithCursorAsync<int[], int>(2, second.NextPageToken, ["L0001"], [0], Numbers);
        Assert.Equal([1, 2, 3, 4, 5], first.Items.Concat(second.Items).Concat(third.Items));
        Assert.Equal([0, 2, 4], handed);
        Assert.Equal(string.Empty, third.NextPageToken);
    }

    [Fact]
    public void EtagFieldRead_MissingAndForeign_AddViolationsOnTheirFieldsBesideOthers()
    {
        var violations = new Violations();
        violations.Add("name", "is required");
        Assert.Equal(0, EtagField.Read("", violations, "course.etag"));
        Assert.Equal(0, EtagField.Read("7", violations));
        Assert.Equal(7, EtagField.Read(Etags.From(7), violations));
        Assert.Equal(["name", "course.etag", "etag"], violations.Items.Select(v => v.Field));
    }

    [Fact]
    public void EtagFieldRequire_Foreign_ThrowsOnField()
    {
        var error = Assert.Throws<ValidationException>(() => EtagField.Require("W/\"x\"", "result.etag"));
        Assert.Equal("result.etag", Assert.Single(error.Violations).Field);
    }

    private static readonly MutableFields<Result> ResultFields = new("award_grade", "rank", "score", "team_name");

    private static Result Current() => new()
    {
        Id = "r-1", CompetitionId = "c-1", EventCode = "E1", TeamName = "Team A", Rank = 3, Score = 88.5,
        AwardGrade = AwardGrade.SecondPrize, Participants = { new Participant { LearnerId = "L1" } },
    };

    [Fact]
    public void Apply_MaskedFields_TakesOnlyThoseAndKeepsTheRest()
    {
        var updated = ResultFields.Apply(Current(), new Result { Rank = 1, TeamName = "ignored", Id = "forged" }, new FieldMask { Paths = { "rank" } });
        Assert.Equal(1, updated.Rank);
        Assert.Equal("Team A", updated.TeamName);
        Assert.Equal("r-1", updated.Id);
        Assert.Equal(88.5, updated.Score);
    }

    [Fact]
    public void Apply_UnsetOptionalFieldInMask_ClearsIt()
    {
        var updated = ResultFields.Apply(Current(), new Result(), new FieldMask { Paths = { "score" } });
        Assert.False(updated.HasScore);
    }

    [Fact]
    public void Apply_EmptyMask_ReplacesEveryMutableFieldOnly()
    {
        var updated = ResultFields.Apply(Current(), new Result { Rank = 2, AwardGrade = AwardGrade.FirstPrize, CompetitionId = "c-other" }, null);
        Assert.Equal(2, updated.Rank);
        Assert.Equal(AwardGrade.FirstPrize, updated.AwardGrade);
        Assert.Equal("", updated.TeamName);
        Assert.False(updated.HasScore);
        Assert.Equal("c-1", updated.CompetitionId);
        Assert.Single(updated.Participants);
    }

    [Fact]
    public void Apply_ImmutableAndUnknownPaths_AreOneViolationEachOnUpdateMask()
    {
        var error = Assert.Throws<ValidationException>(() =>
            ResultFields.Apply(Current(), new Result(), new FieldMask { Paths = { "rank", "competition_id", "no_such_field" } }));
        Assert.Equal(2, error.Violations.Count);
        Assert.All(error.Violations, v => Assert.Equal("update_mask", v.Field));
        Assert.Contains("cannot be updated", error.Violations[0].Description);
        Assert.Contains("not a field", error.Violations[1].Description);
    }

    [Fact]
    public void MutableFields_AllowListWithATypo_FailsWhenBuilt() =>
        Assert.Throws<ArgumentException>(() => new MutableFields<Result>("rank", "sccore"));

    [Theory]
    [InlineData("3f2b8c1e-0d4a-4c55-9f8e-2a7b6c5d4e3f", true)]
    [InlineData("3F2B8C1E-0D4A-4C55-9F8E-2A7B6C5D4E3F", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("3f2b8c1e0d4a4c559f8e2a7b6c5d4e3f", false)]
    [InlineData("{3f2b8c1e-0d4a-4c55-9f8e-2a7b6c5d4e3f}", false)]
    [InlineData("3f2b8c1e-0d4a-4c55-9f8e-2a7b6c5d4e3g", false)]
    [InlineData("retry-1", false)]
    public void RequestIdsCheck_OnlyCanonicalUuids_Pass(string? requestId, bool valid)
    {
        var violations = new Violations();
        Assert.Equal(valid, RequestIds.Check(requestId, violations));
        Assert.Equal(valid ? [] : ["request_id"], violations.Items.Select(v => v.Field));
    }

    [Fact]
    public void RequestIdsRequire_LongerThanMax_IsInvalidArgument()
    {
        var error = Assert.Throws<ValidationException>(() => RequestIds.Require(new string('a', RequestIds.MaxLength + 1)));
        Assert.Equal("request_id", Assert.Single(error.Violations).Field);
    }
}
