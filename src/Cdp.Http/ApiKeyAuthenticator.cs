using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cdp.Http;

/// <summary>Who is calling: the key's id and name, and its scopes.</summary>
internal sealed record Caller(string KeyId, string Name, ApiScopes Scopes)
{
    public bool Has(ApiScopes scope) => (Scopes & scope) == scope;
}

/// <summary>
/// Turns the Authorization header into a <see cref="Caller"/>. The key is taken from Basic authentication (the
/// user name, as the Segment and RudderStack SDKs send their write key; the password is ignored) or from a Bearer
/// token. Text that does not have the form of a key is refused without any lookup; other keys are looked up in
/// the key registry grain and the answer, found or not, is cached for <see cref="CdpHttpOptions.KeyCacheSeconds"/>.
/// </summary>
internal sealed class ApiKeyAuthenticator
{
    private const int MaxHeaderLength = 512;
    private const int MaxCachedKeys = 10_000;

    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly TimeSpan _cacheFor;
    private readonly byte[]? _bootstrapHash;
    private readonly ConcurrentDictionary<string, CachedKey> _cache = new(StringComparer.Ordinal);

    public ApiKeyAuthenticator(IGrainFactory grains, IOptions<CdpHttpOptions> options, TimeProvider time)
    {
        _grains = grains;
        _time = time;
        _cacheFor = TimeSpan.FromSeconds(options.Value.KeyCacheSeconds);
        _bootstrapHash = options.Value.BootstrapKey is { } key ? ApiKeyFormat.Hash(key) : null;
    }

    /// <summary>The caller, or null when the request carries no valid key.</summary>
    public async Task<Caller?> AuthenticateAsync(HttpRequest request)
    {
        var key = KeyFrom(request.Headers.Authorization.ToString());
        if (key is null)
        {
            return null;
        }

        var hash = ApiKeyFormat.Hash(key);
        if (_bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(hash, _bootstrapHash))
        {
            return new Caller("bootstrap", "development", ApiScopes.All);
        }

        var id = ApiKeyFormat.TryGetId(key);
        if (id is null)
        {
            return null;
        }

        var cacheKey = Convert.ToHexString(hash);
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(cacheKey, out var cached) && cached.Expires > now)
        {
            return cached.Caller;
        }

        var info = await _grains.GetGrain<IApiKeyRegistryGrain>(0).AuthenticateAsync(id, hash);
        var caller = info is null ? null : new Caller(info.Id, info.Name, info.Scopes);
        if (_cacheFor > TimeSpan.Zero)
        {
            // A flood of distinct made-up keys must not grow the cache without bound.
            if (_cache.Count >= MaxCachedKeys)
            {
                _cache.Clear();
            }

            _cache[cacheKey] = new CachedKey(caller, id, now + _cacheFor);
        }

        return caller;
    }

    /// <summary>Forgets every cached answer for the key with this id (after it was revoked here).</summary>
    public void Forget(string keyId)
    {
        foreach (var (cacheKey, cached) in _cache)
        {
            if (cached.KeyId == keyId)
            {
                _cache.TryRemove(cacheKey, out _);
            }
        }
    }

    internal static string? KeyFrom(string header)
    {
        if (header.Length is 0 or > MaxHeaderLength)
        {
            return null;
        }

        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = header[7..].Trim();
            return token.Length == 0 ? null : token;
        }

        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        Span<byte> decoded = stackalloc byte[MaxHeaderLength];
        if (!Convert.TryFromBase64String(header[6..].Trim(), decoded, out var length))
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(decoded[..length]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var user = colon < 0 ? text : text[..colon];
        return user.Length == 0 ? null : user;
    }

    private sealed record CachedKey(Caller? Caller, string KeyId, DateTimeOffset Expires);
}

/// <summary>
/// Bounds the ingestion requests served at once. Never waits: a request that finds it full is answered 429 at
/// once, which is what the Segment and RudderStack SDKs retry with backoff.
/// </summary>
internal sealed class IngestLimiter(IOptions<CdpHttpOptions> options)
{
    private readonly int _limit = options.Value.MaxConcurrentIngestRequests;
    private int _inFlight;

    /// <summary>Requests holding a place now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _inFlight) <= _limit)
        {
            return true;
        }

        Interlocked.Decrement(ref _inFlight);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);
}

/// <summary>
/// The per-key event rate of the tracking endpoints (<see cref="CdpHttpOptions.EventsPerSecondPerKey"/>): a token
/// bucket per key, as large as the burst and refilled continuously at the rate. Off when the rate is 0, and then it
/// costs a caller nothing. Buckets exist only for keys that authenticated, so their number is bounded by the keys.
/// </summary>
internal sealed class KeyRateLimiter(IOptions<CdpHttpOptions> options, TimeProvider time)
{
    private readonly double _rate = options.Value.EventsPerSecondPerKey;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    public bool Enabled => _rate > 0;

    /// <summary>The most events a key may send at once.</summary>
    public int Burst { get; } = options.Value.EffectiveEventBurst;

    public int Rate => (int)_rate;

    /// <summary>
    /// Takes <paramref name="events"/> from the key's bucket, or nothing when it holds fewer; then
    /// <paramref name="wait"/> is how long until it holds enough. Call only with at most <see cref="Burst"/> events.
    /// </summary>
    public bool TryTake(string keyId, int events, out TimeSpan wait)
    {
        var now = time.GetTimestamp();
        var bucket = _buckets.GetOrAdd(keyId, static (_, state) => new Bucket(state.Burst, state.Now), (Burst, Now: now));
        lock (bucket)
        {
            // A caller that read the clock before another one refilled the bucket adds nothing.
            if (now > bucket.Stamp)
            {
                bucket.Tokens = Math.Min(Burst, bucket.Tokens + (time.GetElapsedTime(bucket.Stamp, now).TotalSeconds * _rate));
                bucket.Stamp = now;
            }

            if (bucket.Tokens >= events)
            {
                bucket.Tokens -= events;
                wait = TimeSpan.Zero;
                return true;
            }

            wait = TimeSpan.FromSeconds((events - bucket.Tokens) / _rate);
            return false;
        }
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens { get; set; } = tokens;

        public long Stamp { get; set; } = stamp;
    }
}
