using System.Collections.Concurrent;
using ChongqingVet.Domain.Errors;

namespace ChongqingVet.Certificates.Domain;

/// <summary>
/// Public verification answers anyone, so it is the one place a guesser could probe holder identities: each
/// certificate number takes at most <see cref="VerificationOptions.PerNumberPerWindow"/> attempts per window, and
/// after <see cref="VerificationOptions.FailuresBeforeLockout"/> wrong name/ID guesses within the window the number is
/// locked for <see cref="VerificationOptions.Lockout"/> (RESOURCE_EXHAUSTED with RetryInfo). State is per replica;
/// the per-address limit of public methods applies on top.
/// </summary>
public sealed class VerificationGuard(VerificationOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, NumberState> _numbers = new(StringComparer.OrdinalIgnoreCase);
    private long _lastPruneTicks;

    /// <summary>Call before looking the number up; throws when the number is locked or asked too often.</summary>
    public void Admit(string number)
    {
        var now = clock.GetUtcNow();
        var state = _numbers.GetOrAdd(number, _ => new NumberState());
        lock (state)
        {
            if (state.LockedUntil > now)
                throw Limited("VERIFICATION_LOCKED", "Too many wrong guesses for this certificate number; verification is locked.", state.LockedUntil - now);
            state.Reset(now, options.Window);
            if (state.Attempts >= options.PerNumberPerWindow)
                throw Limited("VERIFICATION_RATE_LIMITED", "Too many verifications of this certificate number.", state.WindowStart + options.Window - now);
            state.Attempts++;
        }
        if (_numbers.Count > options.MaxTrackedNumbers) Prune(now);
    }

    /// <summary>Records the outcome: a holder that did not match counts towards the lock-out.</summary>
    public void Record(string number, bool holderMatched)
    {
        if (holderMatched || !_numbers.TryGetValue(number, out var state)) return;
        var now = clock.GetUtcNow();
        lock (state)
        {
            state.Failures++;
            if (state.Failures >= options.FailuresBeforeLockout) state.LockedUntil = now + options.Lockout;
        }
    }

    /// <summary>Drops numbers whose window and lock have passed; at most once a minute, so a full table costs no call a scan.</summary>
    private void Prune(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastPruneTicks);
        if (now.UtcTicks - last < TimeSpan.TicksPerMinute || Interlocked.CompareExchange(ref _lastPruneTicks, now.UtcTicks, last) != last) return;
        foreach (var (number, state) in _numbers)
            lock (state)
                if (state.LockedUntil <= now && state.WindowStart + options.Window <= now) _numbers.TryRemove(number, out _);
    }

    private static RateLimitedException Limited(string reason, string message, TimeSpan retryAfter) =>
        new(reason, message, retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.FromSeconds(1));

    private sealed class NumberState
    {
        public DateTimeOffset WindowStart;
        public int Attempts;
        public int Failures;
        public DateTimeOffset LockedUntil;

        public void Reset(DateTimeOffset now, TimeSpan window)
        {
            if (now - WindowStart < window) return;
            WindowStart = now;
            Attempts = 0;
            Failures = 0;
        }
    }
}

/// <summary><c>Verification:*</c> limits of public certificate verification.</summary>
public sealed class VerificationOptions
{
    public int PerNumberPerWindow { get; set; } = 20;
    public int FailuresBeforeLockout { get; set; } = 5;
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);
    public TimeSpan Lockout { get; set; } = TimeSpan.FromHours(1);
    public int MaxTrackedNumbers { get; set; } = 100_000;
}
