using ChongqingVet.Data;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.ApiKit;

/// <summary>Default and maximum page size of one list method (AIP-158); the proto documents the same numbers.</summary>
public readonly record struct PageLimits(int Default, int Maximum)
{
    public static readonly PageLimits Standard = new(PageSize.Default, PageSize.Maximum);
}

/// <summary>One page as the Grpc layer maps it: the rows and the token of the next page ("" on the last page).</summary>
public sealed record ListPage<TItem>(IReadOnlyList<TItem> Items, string NextPageToken);

/// <summary>
/// The one list-page helper (AIP-158): resolves the page size, binds the page token to the list's filter values,
/// decodes and verifies the token (a forged token or one from another filter is INVALID_ARGUMENT on page_token),
/// runs the keyset query and signs the next token. Every List method of the four services goes through it.
/// </summary>
public sealed class ListPages(PageTokenCodec tokens)
{
    /// <summary>
    /// A list whose query returns <see cref="Page{T}"/> (rows fetched with limit + 1); <paramref name="cursorOf"/> is the
    /// keyset cursor of a row, <paramref name="first"/> the cursor of the first page.
    /// </summary>
    public async Task<ListPage<TItem>> ListAsync<TCursor, TItem>(
        int pageSize,
        string? pageToken,
        object?[] filter,
        TCursor first,
        Func<TCursor, int, Task<Page<TItem>>> query,
        Func<TItem, TCursor> cursorOf,
        PageLimits? limits = null)
    {
        var (size, fingerprint, after) = Open(pageSize, pageToken, filter, first, limits);
        var page = await query(after, size);
        return new ListPage<TItem>(page.Items, page.HasMore && page.Items.Count > 0 ? tokens.Encode(cursorOf(page.Items[^1]), fingerprint) : string.Empty);
    }

    /// <summary>A list whose query computes the next cursor itself (null on the last page), e.g. evidence and match lists.</summary>
    public async Task<ListPage<TItem>> ListWithCursorAsync<TCursor, TItem>(
        int pageSize,
        string? pageToken,
        object?[] filter,
        TCursor first,
        Func<TCursor, int, Task<(IReadOnlyList<TItem> Items, TCursor? Next)>> query,
        PageLimits? limits = null)
    {
        var (size, fingerprint, after) = Open(pageSize, pageToken, filter, first, limits);
        var (items, next) = await query(after, size);
        return new ListPage<TItem>(items, next is null ? string.Empty : tokens.Encode(next, fingerprint));
    }

    /// <summary>
    /// One page of a learner's records with the evidence they give (the learner-record contract): the records are paged
    /// by their string key as in <see cref="ListAsync{TCursor, TItem}"/>; <paramref name="evidence"/> then reads the
    /// evidence of exactly this page's records, those with a key after the page's start and up to its last key.
    /// </summary>
    public async Task<(ListPage<TRecord> Records, IReadOnlyList<TEvidence> Evidence)> ListWithEvidenceAsync<TRecord, TEvidence>(
        int pageSize,
        string? pageToken,
        object?[] filter,
        Func<string, int, Task<Page<TRecord>>> records,
        Func<TRecord, string> keyOf,
        Func<(string After, string Through), Task<IReadOnlyList<TEvidence>>> evidence,
        PageLimits? limits = null)
    {
        var (size, fingerprint, after) = Open(pageSize, pageToken, filter, string.Empty, limits);
        var page = await records(after, size);
        if (page.Items.Count == 0) return (new ListPage<TRecord>(page.Items, string.Empty), []);
        var through = keyOf(page.Items[^1]);
        var next = page.HasMore ? tokens.Encode(through, fingerprint) : string.Empty;
        return (new ListPage<TRecord>(page.Items, next), await evidence((after, through)));
    }

    /// <summary>Adds a violation on page_size when it is negative (to report it with a request's other violations).</summary>
    public static void CheckSize(int pageSize, Violations violations, string field = "page_size") =>
        violations.Check(pageSize >= 0, field, "must not be negative");

    private (int Size, string Fingerprint, TCursor After) Open<TCursor>(int pageSize, string? pageToken, object?[] filter, TCursor first, PageLimits? limits)
    {
        var (defaultSize, maximum) = limits ?? PageLimits.Standard;
        var size = PageSize.Resolve(pageSize, defaultSize, maximum);
        var fingerprint = PageTokenCodec.Fingerprint(filter);
        var after = tokens.Decode<TCursor>(pageToken, fingerprint);
        return (size, fingerprint, after ?? first);
    }
}
