using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data;

/// <summary>
/// Settings of the idempotency store, the same keys in every service:
/// <list type="bullet">
/// <item><c>Idempotency:HashKey</c> — a secret, base64, at least 32 bytes, the same on every replica: the HMAC-SHA256
/// key of the stored request fingerprints, so a database backup does not let anyone brute-force the personal data
/// (ID numbers, names) of a request from its hash. Handled exactly like <c>PageTokens:SigningKey</c>: required (start-up
/// fails with the key's name) unless <see cref="DevelopmentKeys"/> allows its fixed development key, with a warning.</item>
/// <item><c>Idempotency:Retention</c> — how long a stored response answers retries (TimeSpan, default 7 days).</item>
/// <item><c>Idempotency:CleanupInterval</c> — how often older rows are deleted (TimeSpan, default 1 hour).</item>
/// </list>
/// </summary>
public sealed class IdempotencyOptions
{
    public const string HashKeySetting = "Idempotency:HashKey";
    public const string RetentionSetting = "Idempotency:Retention";
    public const string CleanupIntervalSetting = "Idempotency:CleanupInterval";

    private static readonly KeySetting HashKeyRequirement = new(HashKeySetting, 32);

    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(7);
    public static readonly TimeSpan DefaultCleanupInterval = TimeSpan.FromHours(1);

    public IdempotencyOptions(byte[] hashKey, TimeSpan? retention = null, TimeSpan? cleanupInterval = null)
    {
        if (hashKey.Length < 32) throw new ArgumentException("The idempotency hash key must have at least 32 bytes.", nameof(hashKey));
        HashKey = hashKey;
        Retention = retention ?? DefaultRetention;
        CleanupInterval = cleanupInterval ?? DefaultCleanupInterval;
        if (Retention <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(retention), "must be positive");
        if (CleanupInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(cleanupInterval), "must be positive");
    }

    /// <summary>The HMAC-SHA256 key of request fingerprints. A secret: never logged.</summary>
    internal byte[] HashKey { get; }

    public TimeSpan Retention { get; }

    public TimeSpan CleanupInterval { get; }

    /// <summary>Options with a random key (tests, tools); never for a service that has replicas or restarts.</summary>
    public static IdempotencyOptions WithRandomKey(TimeSpan? retention = null, TimeSpan? cleanupInterval = null) =>
        new(RandomNumberGenerator.GetBytes(32), retention, cleanupInterval);

    /// <summary>Reads and checks the settings; a missing or bad value stops start-up with the key's name (never its value).</summary>
    public static IdempotencyOptions FromConfiguration(IConfiguration configuration, IHostEnvironment environment, ILogger logger)
    {
        var retention = ReadPositiveTimeSpan(configuration, RetentionSetting, DefaultRetention);
        var interval = ReadPositiveTimeSpan(configuration, CleanupIntervalSetting, DefaultCleanupInterval);

        var key = DevelopmentKeys.Read(configuration, environment, logger, HashKeyRequirement, () => DevelopmentKeys.Fixed("chongqingvet-dev-idempotency"),
            "a fixed, publicly known key hashes stored requests (retries after a restart still replay)")!;
        return new IdempotencyOptions(key, retention, interval);
    }

    private static TimeSpan ReadPositiveTimeSpan(IConfiguration configuration, string setting, TimeSpan fallback)
    {
        var text = configuration[setting];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!TimeSpan.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var value) || value <= TimeSpan.Zero)
            throw new InvalidOperationException($"{setting} must be a positive TimeSpan such as 7.00:00:00 (days.hours:minutes:seconds).");
        return value;
    }
}
