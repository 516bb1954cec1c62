using System.Net;

namespace Cdp.Http;

/// <summary>HTTP API settings, bound from the <c>Cdp:Http</c> configuration section.</summary>
public sealed class CdpHttpOptions
{
    public const string SectionName = "Cdp:Http";

    /// <summary>The port of the HTTP API. Default: 8088; 0 turns the API off.</summary>
    public int Port { get; set; } = 8088;

    /// <summary>
    /// The address the API listens on. Default: <c>127.0.0.1</c> (this machine only); <c>0.0.0.0</c> or
    /// <c>::</c> listens on every interface, for trackers elsewhere (put TLS in front: keys travel in headers).
    /// </summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// A key with every scope, for local development only: the silo refuses to start with it outside the
    /// Development environment. At least 16 printable ASCII characters, no colon. Default: none.
    /// </summary>
    public string? BootstrapKey { get; set; }

    /// <summary>
    /// Ingestion requests served at once per silo (from reading the body to the durable answer); further
    /// requests get 429 with Retry-After. Bounds the memory held by request bodies. Default: 64.
    /// </summary>
    public int MaxConcurrentIngestRequests { get; set; } = 64;

    /// <summary>The Retry-After value of a 429 answer, in seconds. Default: 1.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>
    /// How long a key lookup is cached per silo, in seconds. A key revoked through the HTTP API stops working at
    /// once on the silo that served the call, and on the others within this time. Default: 30; 0 caches nothing.
    /// </summary>
    public int KeyCacheSeconds { get; set; } = 30;

    /// <summary>
    /// Events one API key may send through the tracking endpoints per second, on average, to this silo: each key has
    /// a bucket of <see cref="EventBurstPerKey"/> events that refills at this rate, and a call that needs more than
    /// the bucket holds gets 429 with Retry-After and changes nothing. Each silo counts on its own. Default: 0, no limit.
    /// </summary>
    public int EventsPerSecondPerKey { get; set; }

    /// <summary>
    /// The most events a key may send at once (its bucket's size); a batch of more is refused (400). Default: 0, which
    /// means one second's worth (<see cref="EventsPerSecondPerKey"/>).
    /// </summary>
    public int EventBurstPerKey { get; set; }

    /// <summary>
    /// Web origins (<c>https://shop.example</c>) whose pages may send to the tracking endpoints from the browser
    /// (CORS), or <c>*</c> for any. Only the tracking endpoints answer such requests; keys used in pages are public,
    /// so give them the <c>ingest</c> scope only. Default: none.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>The bucket size in force: <see cref="EventBurstPerKey"/>, or one second's worth when it is 0.</summary>
    public int EffectiveEventBurst => EventBurstPerKey > 0 ? EventBurstPerKey : EventsPerSecondPerKey;

    /// <summary>Every bad setting, one sentence each.</summary>
    public IEnumerable<string> Validate(bool isDevelopment)
    {
        if (Port is < 0 or > 65535)
        {
            yield return $"{SectionName}:Port is {Port}; it must be a port between 1 and 65535 (or 0 for off).";
        }

        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            yield return $"{SectionName}:ListenAddress '{ListenAddress}' is not an IP address (such as 127.0.0.1 or 0.0.0.0).";
        }

        if (BootstrapKey is { } key)
        {
            if (!isDevelopment)
            {
                yield return $"{SectionName}:BootstrapKey is set, but it is accepted only in the Development environment; "
                    + "create keys with the admin API instead.";
            }

            if (key.Length is < 16 or > ApiKeyFormat.MaxKeyLength || key.Any(c => c is < '!' or > '~' or ':'))
            {
                yield return $"{SectionName}:BootstrapKey must be 16 to {ApiKeyFormat.MaxKeyLength} printable ASCII "
                    + "characters without spaces or ':'.";
            }
        }

        if (MaxConcurrentIngestRequests is < 1 or > 100_000)
        {
            yield return $"{SectionName}:MaxConcurrentIngestRequests is {MaxConcurrentIngestRequests}; "
                + "it must be between 1 and 100000.";
        }

        if (RetryAfterSeconds is < 1 or > 3600)
        {
            yield return $"{SectionName}:RetryAfterSeconds is {RetryAfterSeconds}; it must be between 1 and 3600.";
        }

        if (KeyCacheSeconds is < 0 or > 3600)
        {
            yield return $"{SectionName}:KeyCacheSeconds is {KeyCacheSeconds}; it must be between 0 and 3600.";
        }

        foreach (var origin in AllowedOrigins)
        {
            if (!IsOrigin(origin) && !(origin == "*" && AllowedOrigins.Count == 1))
            {
                yield return $"{SectionName}:AllowedOrigins has '{origin}'; each must be an origin such as "
                    + "https://shop.example (scheme, host and port only), or a single '*' for any.";
            }
        }

        if (EventsPerSecondPerKey is < 0 or > 10_000_000)
        {
            yield return $"{SectionName}:EventsPerSecondPerKey is {EventsPerSecondPerKey}; it must be between 0 (no limit) "
                + "and 10000000.";
        }

        if (EventBurstPerKey is < 0 or > 100_000_000)
        {
            yield return $"{SectionName}:EventBurstPerKey is {EventBurstPerKey}; it must be between 0 and 100000000.";
        }
        else if (EventBurstPerKey > 0 && EventsPerSecondPerKey == 0)
        {
            yield return $"{SectionName}:EventBurstPerKey is set, but EventsPerSecondPerKey is 0 (no limit); set both.";
        }
    }

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && string.Equals(uri.GetLeftPart(UriPartial.Authority), value, StringComparison.OrdinalIgnoreCase);
}
