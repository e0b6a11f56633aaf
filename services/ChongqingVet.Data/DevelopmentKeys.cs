using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChongqingVet.Data;

/// <summary>
/// The one rule for every secret key a service reads from its settings (page tokens, idempotency, audit, holder identity):
/// <list type="bullet">
/// <item>A key that is set is always checked (base64 and its length); a bad one stops start-up with the setting's name.</item>
/// <item>A missing key is replaced by a development stand-in only when the environment is Development or Testing
/// <b>and</b> <c>DevelopmentKeys:Allow</c> (environment <c>DevelopmentKeys__Allow</c>) is <c>true</c>; a warning then
/// names the setting. In every other case start-up fails with a message naming the missing setting (never a value).
/// The opt-in is ignored outside Development and Testing.</item>
/// </list>
/// The local suite (AppHost) and the test hosts opt in; Kubernetes manifests set real keys and never opt in.
/// </summary>
public static class DevelopmentKeys
{
    /// <summary>The opt-in setting: <c>true</c> lets Development and Testing replace missing keys.</summary>
    public const string AllowSetting = "DevelopmentKeys:Allow";

    /// <summary>The environment name of test hosts (next to Development, the only other one that may opt in).</summary>
    public const string TestingEnvironment = "Testing";

    /// <summary>Development or Testing: the environments in which development stand-ins can be allowed at all.</summary>
    public static bool IsDevelopmentEnvironment(IHostEnvironment environment) =>
        environment.IsDevelopment() || environment.IsEnvironment(TestingEnvironment);

    /// <summary>Whether a missing key may be replaced: Development or Testing, and <c>DevelopmentKeys:Allow=true</c>.</summary>
    public static bool AreAllowed(IConfiguration configuration, IHostEnvironment environment)
    {
        var text = configuration[AllowSetting];
        var allow = false;
        if (!string.IsNullOrWhiteSpace(text) && !bool.TryParse(text.Trim(), out allow))
            throw new InvalidOperationException($"{AllowSetting} ({EnvironmentVariable(AllowSetting)}) must be true or false.");
        return allow && IsDevelopmentEnvironment(environment);
    }

    /// <summary>
    /// Reads the base64 key <paramref name="key"/>. Set: checked and returned. Missing: the result of
    /// <paramref name="developmentKey"/> when <see cref="AreAllowed"/> (with a warning through <paramref name="logger"/> that
    /// says what the stand-in means, <paramref name="consequence"/>); otherwise an <see cref="InvalidOperationException"/>
    /// naming the setting. The stand-in may be null (e.g. the audit chain then hashes without a key).
    /// </summary>
    public static byte[]? Read(IConfiguration configuration, IHostEnvironment environment, ILogger logger,
        KeySetting key, Func<byte[]?> developmentKey, string consequence)
    {
        var text = configuration[key.Name];
        if (!string.IsNullOrWhiteSpace(text)) return key.Parse(text);

        if (!AreAllowed(configuration, environment))
        {
            throw new InvalidOperationException(
                $"{key.Name} ({EnvironmentVariable(key.Name)}) is required: {key.Requirement}. This environment is " +
                $"'{environment.EnvironmentName}'. Only Development or Testing with {AllowSetting}=true " +
                $"({EnvironmentVariable(AllowSetting)}=true) may run without it, on a development key.");
        }
        logger.LogWarning(
            "{Setting} is not set; {AllowSetting} is true in {Environment}, so a development key is used: {Consequence}. Never run real data like this.",
            key.Name, AllowSetting, environment.EnvironmentName, consequence);
        return developmentKey();
    }

    /// <summary>
    /// A logger for settings read while the host is being built (no logging exists yet): what it receives is written
    /// to the host's real logger (category <paramref name="category"/>) when the host starts.
    /// </summary>
    public static ILogger StartupLogger(IHostApplicationBuilder builder, string category)
    {
        var deferred = new DeferredLogger(category);
        // Not AddHostedService: that adds one service per type, and every caller needs its own writer.
        builder.Services.AddSingleton<IHostedService>(provider => new DeferredLogWriter(deferred, provider.GetRequiredService<ILoggerFactory>()));
        return deferred;
    }

    /// <summary>
    /// A fixed, publicly known 32-byte development key derived from <paramref name="seed"/>: the same in every process
    /// and after a restart, so stored data (idempotency fingerprints, page tokens, encrypted sample holders) stays
    /// usable across restarts of a local suite. Never a secret.
    /// </summary>
    public static byte[] Fixed(string seed) => System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed));

    /// <summary>"Section:Key" → "Section__Key", the environment variable that sets it.</summary>
    public static string EnvironmentVariable(string setting) => setting.Replace(":", "__", StringComparison.Ordinal);

    private sealed class DeferredLogger(string category) : ILogger
    {
        private readonly List<Action<ILogger>> _entries = [];

        public string Category => category;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_entries) _entries.Add(logger => logger.Log(logLevel, eventId, state, exception, formatter));
        }

        public void WriteTo(ILogger logger)
        {
            lock (_entries)
            {
                foreach (var entry in _entries) entry(logger);
                _entries.Clear();
            }
        }
    }

    private sealed class DeferredLogWriter(DeferredLogger deferred, ILoggerFactory loggers) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            deferred.WriteTo(loggers.CreateLogger(deferred.Category));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>A secret key setting: its name and how long its base64 value must decode to.</summary>
public sealed record KeySetting(string Name, int Length, bool ExactLength = false)
{
    /// <summary>What the value must be, for messages: "base64, at least 32 bytes".</summary>
    public string Requirement => $"base64, {(ExactLength ? "exactly" : "at least")} {Length} bytes";

    /// <summary>Decodes and checks a present value; a bad one fails naming the setting, never echoing the value.</summary>
    public byte[] Parse(string text)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{Name} must be base64.");
        }
        if (ExactLength ? key.Length != Length : key.Length < Length)
            throw new InvalidOperationException($"{Name} must decode to {(ExactLength ? "" : "at least ")}{Length} bytes.");
        return key;
    }
}
