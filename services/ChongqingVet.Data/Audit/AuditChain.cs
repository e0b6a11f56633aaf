using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data.Audit;

/// <summary>
/// Audit settings: <c>Audit:Retention</c> (TimeSpan, default and minimum 184 days — 等保 2.0 asks for six months),
/// <c>Audit:CleanupInterval</c> (TimeSpan, default 1 day) and <c>Audit:HmacKey</c> (base64, at least 32 bytes; the
/// same on every replica and kept for as long as the records). With a key the chain is HMAC-SHA256, so nobody
/// without the key can rewrite records and recompute the chain; without one it is SHA-256, which still detects
/// edits and deletions made without recomputing. The key is required; only Development or Testing with
/// <c>DevelopmentKeys:Allow=true</c> may run without it (<see cref="DevelopmentKeys"/>), on the keyless SHA-256 chain.
/// </summary>
public sealed class AuditOptions
{
    public static readonly TimeSpan MinimumRetention = TimeSpan.FromDays(184);

    /// <summary>The chain's key: base64, at least 32 bytes, the same on every replica.</summary>
    public static readonly KeySetting HmacKeySetting = new("Audit:HmacKey", 32);

    public TimeSpan Retention { get; init; } = MinimumRetention;

    public TimeSpan CleanupInterval { get; init; } = TimeSpan.FromDays(1);

    /// <summary>A secret: never logged or shown.</summary>
    public byte[]? HmacKey { get; init; }

    /// <summary>Reads and checks the settings; a bad value stops start-up with the key's name (never the key itself).</summary>
    public static AuditOptions FromConfiguration(IConfiguration configuration, IHostEnvironment environment, ILogger logger)
    {
        var retention = ReadTimeSpan(configuration, "Audit:Retention", MinimumRetention);
        if (retention < MinimumRetention)
            throw new InvalidOperationException("Audit:Retention must be at least 184 days (等保 2.0: six months of audit records).");
        var interval = ReadTimeSpan(configuration, "Audit:CleanupInterval", TimeSpan.FromDays(1));
        if (interval < TimeSpan.FromMinutes(1))
            throw new InvalidOperationException("Audit:CleanupInterval must be at least one minute.");

        // The development stand-in is no key at all: the chain is then plain SHA-256, as it always was in development.
        var key = DevelopmentKeys.Read(configuration, environment, logger, HmacKeySetting, () => null,
            "the chain is SHA-256 without a key, which anyone with database access can recompute");
        return new AuditOptions { Retention = retention, CleanupInterval = interval, HmacKey = key };
    }

    private static TimeSpan ReadTimeSpan(IConfiguration configuration, string key, TimeSpan fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) || value <= TimeSpan.Zero)
            throw new InvalidOperationException($"{key} must be a positive time span such as 184.00:00:00.");
        return value;
    }
}

/// <summary>
/// The chain's hash function and canonical encoding (docs/AUDIT.md). A record's hash is HMAC-SHA256(key, E) —
/// SHA-256(E) without a key — where E is the ASCII tag <c>cqv-audit-record/1</c>, then sequence and time (unix ms)
/// as 8-byte big-endian integers, then client id, subject, method, resource, outcome and trace id, each as a
/// 4-byte big-endian length and its UTF-8 bytes, then the 32-byte previous hash. Lengths make the encoding
/// unambiguous: no two different records encode alike. The head's seal is the same function over the tag
/// <c>cqv-audit-head/1</c>, last sequence, last hash, anchor sequence and anchor hash.
/// </summary>
public sealed class AuditChain(byte[]? hmacKey)
{
    public const int HashLength = 32;

    private static readonly byte[] RecordTag = Encoding.ASCII.GetBytes("cqv-audit-record/1");
    private static readonly byte[] HeadTag = Encoding.ASCII.GetBytes("cqv-audit-head/1");

    /// <summary>The previous hash of the first record ever written: 32 zero bytes.</summary>
    public static byte[] Genesis => new byte[HashLength];

    public string Algorithm => hmacKey is null ? "SHA-256" : "HMAC-SHA256";

    public byte[] HashRecord(long sequence, long timeUnixMilliseconds, string clientId, string subject, string method,
        string resource, string outcome, string traceId, byte[] previousHash)
    {
        using var buffer = new MemoryStream(256);
        buffer.Write(RecordTag);
        WriteInt64(buffer, sequence);
        WriteInt64(buffer, timeUnixMilliseconds);
        foreach (var text in (string[])[clientId, subject, method, resource, outcome, traceId]) WriteText(buffer, text);
        buffer.Write(previousHash);
        return Hash(buffer);
    }

    public byte[] HashRecord(AuditEntry entry) => HashRecord(entry.Sequence, entry.Time.ToUnixTimeMilliseconds(), entry.ClientId,
        entry.Subject, entry.Method, entry.Resource, entry.Outcome, entry.TraceId, entry.PreviousHash);

    public byte[] SealHead(long lastSequence, byte[] lastHash, long anchorSequence, byte[] anchorHash)
    {
        using var buffer = new MemoryStream(128);
        buffer.Write(HeadTag);
        WriteInt64(buffer, lastSequence);
        buffer.Write(lastHash);
        WriteInt64(buffer, anchorSequence);
        buffer.Write(anchorHash);
        return Hash(buffer);
    }

    private byte[] Hash(MemoryStream buffer)
    {
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        return hmacKey is null ? SHA256.HashData(bytes) : HMACSHA256.HashData(hmacKey, bytes);
    }

    private static void WriteInt64(MemoryStream buffer, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        buffer.Write(bytes);
    }

    private static void WriteText(MemoryStream buffer, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        buffer.Write(length);
        buffer.Write(bytes);
    }
}
