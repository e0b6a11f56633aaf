using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChongqingVet.Domain.Errors;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data;

/// <summary>Page sizes: 0 means the default, negative is invalid, larger than the maximum is clamped to it.</summary>
public static class PageSize
{
    public const int Default = 50;
    public const int Maximum = 200;

    public static int Resolve(int requested, int defaultSize = Default, int maximum = Maximum, string field = "page_size")
    {
        if (requested < 0) throw new ValidationException(field, "must not be negative");
        return requested == 0 ? defaultSize : Math.Min(requested, maximum);
    }
}

/// <summary>One page of rows and the cursor of its last row when more rows follow.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, bool HasMore)
{
    /// <summary>Builds a page from rows fetched with limit + 1 (the extra row only says that more follow).</summary>
    public static Page<T> FromRows(IReadOnlyList<T> rows, int pageSize) =>
        rows.Count > pageSize ? new Page<T>(rows.Take(pageSize).ToArray(), true) : new Page<T>(rows, false);
}

/// <summary>
/// Opaque, tamper-evident page tokens: a keyset cursor signed with HMAC-SHA256 and bound to the list's filter.
/// A forged, truncated or garbage token, or one used with another filter, is INVALID_ARGUMENT on page_token.
/// The key comes from <c>PageTokens:SigningKey</c> (base64, at least 32 bytes, the same on every replica); a missing
/// key stops start-up unless <see cref="DevelopmentKeys"/> allows its fixed development key.
/// </summary>
public sealed class PageTokenCodec
{
    private const string Field = "page_token";
    private readonly byte[] _key;

    public PageTokenCodec(byte[] key)
    {
        if (key.Length < 32) throw new ArgumentException("The page-token signing key must have at least 32 bytes.", nameof(key));
        _key = key;
    }

    /// <summary>The signing key's setting: base64, at least 32 bytes, the same on every replica.</summary>
    public static readonly KeySetting SigningKeySetting = new("PageTokens:SigningKey", 32);

    /// <summary>Reads the key under the <see cref="DevelopmentKeys"/> rule (the development stand-in is a fixed key).</summary>
    public static PageTokenCodec FromConfiguration(IConfiguration configuration, IHostEnvironment environment, ILogger logger) =>
        new(DevelopmentKeys.Read(configuration, environment, logger, SigningKeySetting,
            () => DevelopmentKeys.Fixed("chongqingvet-dev-page-tokens"), "a fixed, publicly known key signs page tokens")!);

    /// <summary>A short, stable fingerprint of the filter values a token is bound to.</summary>
    public static string Fingerprint(params object?[] filterValues)
    {
        var text = JsonSerializer.Serialize(filterValues.Select(v => v?.ToString() ?? "\u0000"));
        return Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));
    }

    public string Encode<TCursor>(TCursor cursor, string filterFingerprint)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Envelope<TCursor>(filterFingerprint, cursor));
        var signature = HMACSHA256.HashData(_key, payload);
        return Base64Url.Encode(payload) + "." + Base64Url.Encode(signature);
    }

    /// <summary>Decodes a token; an empty token means the first page and returns <c>default</c>.</summary>
    public TCursor? Decode<TCursor>(string? pageToken, string filterFingerprint)
    {
        if (string.IsNullOrEmpty(pageToken)) return default;
        var dot = pageToken.IndexOf('.');
        if (dot <= 0 || pageToken.Length > 4096) throw Invalid();
        var payload = Base64Url.TryDecode(pageToken[..dot]);
        var signature = Base64Url.TryDecode(pageToken[(dot + 1)..]);
        if (payload is null || signature is null) throw Invalid();
        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, payload), signature)) throw Invalid();

        Envelope<TCursor>? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope<TCursor>>(payload);
        }
        catch (JsonException)
        {
            throw Invalid();
        }
        if (envelope is null || envelope.Cursor is null) throw Invalid();
        if (envelope.Filter != filterFingerprint)
            throw new ValidationException(Field, "belongs to a list with other filters; start again without a page token");
        return envelope.Cursor;
    }

    private static ValidationException Invalid() => new(Field, "is not a page token this service issued");

    private sealed record Envelope<TCursor>(string Filter, TCursor Cursor);

    private static class Base64Url
    {
        public static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static byte[]? TryDecode(string text)
        {
            var base64 = text.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var buffer = new byte[base64.Length];
            return Convert.TryFromBase64String(base64, buffer, out var written) ? buffer[..written] : null;
        }
    }
}
