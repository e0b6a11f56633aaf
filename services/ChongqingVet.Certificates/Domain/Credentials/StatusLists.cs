using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ChongqingVet.Credentials;
using Microsoft.IdentityModel.Tokens;

namespace ChongqingVet.Certificates.Domain.Credentials;

/// <summary>A certificate's place in a status list: the list and its random index there (drawn once, stored).</summary>
public sealed record StatusListEntry(long ListId, int Index);

/// <summary>What a status list holds at one version: its size in entries and the indexes whose bit is set.</summary>
public sealed record StatusListSnapshot(long ListId, int Size, long Version, DateTimeOffset UpdatedAt, IReadOnlyList<int> RevokedIndexes);

/// <summary>The service's status lists (Data/StatusListRepository.cs). Rows only: no rule.</summary>
public interface IStatusListSource
{
    /// <summary>The list's version only (cheap: decides whether a cached credential is current); null when there is no such list.</summary>
    Task<long?> VersionAsync(long listId, CancellationToken cancellationToken);

    /// <summary>The list's set bits; null when there is no such list.</summary>
    Task<StatusListSnapshot?> SnapshotAsync(long listId, CancellationToken cancellationToken);

    /// <summary>Whether the bit at <paramref name="index"/> is set; null when there is no such list or the index is outside it.</summary>
    Task<bool?> IsSetAsync(long listId, int index, CancellationToken cancellationToken);
}

/// <summary>
/// W3C Bitstring Status List 1.0: the bitstring (bit 0 = the most significant bit of byte 0), its
/// <c>encodedList</c> (multibase base64url, prefix <c>u</c>, of the GZIP-compressed bitstring), the
/// <c>BitstringStatusListEntry</c> a credential carries and the <c>BitstringStatusListCredential</c> itself.
/// </summary>
public static class BitstringStatusList
{
    /// <summary>Entries per list: 131,072 bits = 16 KiB, the spec's minimum for herd privacy.</summary>
    public const int Size = 131_072;

    /// <summary>A list takes new entries until this many are allocated (75 %), so a random free index is found in a few draws; then the next list starts.</summary>
    public const int FillLimit = Size / 4 * 3;

    public const string Purpose = "revocation";
    public const string EntryType = "BitstringStatusListEntry";
    public const string CredentialType = "BitstringStatusListCredential";
    public const string ListType = "BitstringStatusList";

    /// <summary>The list's URL (its credential id): <c>{base}/credentials/status/{listId}</c>.</summary>
    public static string ListUrl(string baseUrl, long listId) => $"{baseUrl}/credentials/status/{listId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The list id of a status list URL of this issuer, or null.</summary>
    public static long? ListIdOf(string baseUrl, string url)
    {
        var prefix = $"{baseUrl}/credentials/status/";
        return url.StartsWith(prefix, StringComparison.Ordinal)
               && long.TryParse(url.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : null;
    }

    /// <summary>The <c>credentialStatus</c> member of a credential.</summary>
    public static JsonObject Entry(string baseUrl, StatusListEntry entry)
    {
        var list = ListUrl(baseUrl, entry.ListId);
        var index = entry.Index.ToString(CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["id"] = $"{list}#{index}",
            ["type"] = EntryType,
            ["statusPurpose"] = Purpose,
            ["statusListIndex"] = index,
            ["statusListCredential"] = list,
        };
    }

    /// <summary>The bitstring of <paramref name="size"/> bits with the given bits set (bit i = byte i/8, mask 0x80 >> i%8).</summary>
    public static byte[] Bitstring(int size, IEnumerable<int> setBits)
    {
        var bytes = new byte[size / 8];
        foreach (var bit in setBits)
        {
            if (bit < 0 || bit >= size) throw new ArgumentOutOfRangeException(nameof(setBits), bit, "outside the list");
            bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }
        return bytes;
    }

    public static bool IsSet(byte[] bitstring, int bit) => (bitstring[bit / 8] & (0x80 >> (bit % 8))) != 0;

    /// <summary>multibase base64url (no padding, prefix 'u') of the GZIP-compressed bitstring.</summary>
    public static string Encode(byte[] bitstring)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true)) gzip.Write(bitstring);
        return "u" + Base64UrlEncoder.Encode(compressed.ToArray());
    }

    /// <summary>The bitstring of an <c>encodedList</c>.</summary>
    public static byte[] Decode(string encodedList)
    {
        if (!encodedList.StartsWith('u')) throw new FormatException("encodedList must be multibase base64url (prefix 'u')");
        using var gzip = new GZipStream(new MemoryStream(Base64UrlEncoder.DecodeBytes(encodedList[1..])), CompressionMode.Decompress);
        using var bitstring = new MemoryStream();
        gzip.CopyTo(bitstring);
        return bitstring.ToArray();
    }

    /// <summary>The <c>BitstringStatusListCredential</c> of a list at one version (VC-JWT payload: the credential plus iss and jti).</summary>
    public static JsonObject Credential(string baseUrl, StatusListSnapshot list, int ttlSeconds)
    {
        var id = ListUrl(baseUrl, list.ListId);
        return new JsonObject
        {
            ["@context"] = new JsonArray(OpenBadgeCredential.VcContext),
            ["id"] = id,
            ["type"] = new JsonArray("VerifiableCredential", CredentialType),
            ["issuer"] = baseUrl,
            ["validFrom"] = list.UpdatedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["credentialSubject"] = new JsonObject
            {
                ["id"] = $"{id}#list",
                ["type"] = ListType,
                ["statusPurpose"] = Purpose,
                ["encodedList"] = Encode(Bitstring(list.Size, list.RevokedIndexes)),
                ["ttl"] = ttlSeconds * 1000L,
            },
            ["iss"] = baseUrl,
            ["jti"] = id,
        };
    }
}

/// <summary>A status list credential as served: the compact JWS, its ETag and the list version it shows.</summary>
public sealed record PublishedStatusList(string Jws, string ETag, long Version);

/// <summary>
/// Publishes the status lists as signed <c>BitstringStatusListCredential</c>s (VC-JWT, the active credential key).
/// Each request reads only the list's version; a list is rebuilt and re-signed only when its version changed since the
/// last request (the active key is fixed for the process's life).
/// </summary>
public sealed class StatusListPublisher(CredentialKeyRing keys, CredentialOptions options)
{
    private readonly Dictionary<long, PublishedStatusList> _cache = [];
    private readonly Lock _lock = new();

    /// <summary>The list's current credential, or null when there is no such list.</summary>
    public async Task<PublishedStatusList?> GetAsync(IStatusListSource source, long listId, CancellationToken cancellationToken)
    {
        if (await source.VersionAsync(listId, cancellationToken) is not { } current) return null;
        lock (_lock)
        {
            if (_cache.TryGetValue(listId, out var cached) && cached.Version == current) return cached;
        }
        if (await source.SnapshotAsync(listId, cancellationToken) is not { } snapshot) return null;
        var jws = CompactJws.Sign(BitstringStatusList.Credential(options.IssuerBaseUrl, snapshot, options.StatusListCacheSeconds), keys.Active);
        // The ETag names the key and a hash of the bytes served: a new bit or a new key gives a new ETag.
        var hash = Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(jws)).AsSpan(0, 16).ToArray());
        var published = new PublishedStatusList(jws, $"\"{keys.Active.KeyId}.{snapshot.Version.ToString(CultureInfo.InvariantCulture)}.{hash}\"", snapshot.Version);
        lock (_lock) _cache[listId] = published;
        return published;
    }
}
