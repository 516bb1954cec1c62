using System.Security.Cryptography;
using System.Text;

namespace Cdp;

/// <summary>What an API key may do. A key holds any combination; no scope implies another.</summary>
[Flags]
public enum ApiScopes
{
    None = 0,

    /// <summary>Send events (the tracking endpoints).</summary>
    Ingest = 1,

    /// <summary>Read profiles and archived events; personal data stays masked without <see cref="ReadPersonalData"/>.</summary>
    ReadProfiles = 2,

    /// <summary>See personal data (trait and identifier values, raw events) in what <see cref="ReadProfiles"/> reads.</summary>
    ReadPersonalData = 4,

    /// <summary>Create and change segments and computed traits.</summary>
    ManageSegments = 8,

    /// <summary>File and follow export and erasure requests.</summary>
    PrivacyRequests = 16,

    /// <summary>Create, list and revoke API keys.</summary>
    Admin = 32,

    All = Ingest | ReadProfiles | ReadPersonalData | ManageSegments | PrivacyRequests | Admin,
}

/// <summary>The text names of scopes, as the HTTP API and the docs spell them.</summary>
public static class ApiScopeNames
{
    private static readonly (ApiScopes Scope, string Name)[] Names =
    [
        (ApiScopes.Ingest, "ingest"),
        (ApiScopes.ReadProfiles, "profiles:read"),
        (ApiScopes.ReadPersonalData, "personal:read"),
        (ApiScopes.ManageSegments, "segments:manage"),
        (ApiScopes.PrivacyRequests, "privacy"),
        (ApiScopes.Admin, "admin"),
    ];

    /// <summary>Every scope name, in a fixed order.</summary>
    public static IEnumerable<string> All => Names.Select(n => n.Name);

    public static IReadOnlyList<string> ToNames(ApiScopes scopes) =>
        [.. Names.Where(n => (scopes & n.Scope) != 0).Select(n => n.Name)];

    public static bool TryParse(string name, out ApiScopes scope)
    {
        foreach (var (value, text) in Names)
        {
            if (string.Equals(text, name, StringComparison.Ordinal))
            {
                scope = value;
                return true;
            }
        }

        scope = ApiScopes.None;
        return false;
    }
}

/// <summary>An API key as listed: never its secret, which only its creator sees, once.</summary>
[GenerateSerializer, Immutable, Alias("cdp.api-key-info")]
public sealed record ApiKeyInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] ApiScopes Scopes,
    [property: Id(3)] DateTimeOffset CreatedAt)
{
    /// <summary>When the key was revoked; a revoked key is kept in the list, and authenticates nothing.</summary>
    [Id(4)] public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>A new key with its secret: the only time the full key is available. Store it; it cannot be shown again.</summary>
[GenerateSerializer, Immutable, Alias("cdp.created-api-key")]
public sealed record CreatedApiKey([property: Id(0)] ApiKeyInfo Info, [property: Id(1)] string Key);

/// <summary>
/// The form of API keys: <c>cdp_</c>, a public id of 16 hex digits, <c>_</c>, and a secret of 32 random bytes
/// (base64url). Only the SHA-256 digest of the whole key is stored. The secret is random and 256 bits long, so
/// the digest cannot be reversed or searched: a slow password hash (PBKDF2, Argon2) protects low-entropy
/// passwords against guessing and would add nothing here but cost per request.
/// </summary>
public static class ApiKeyFormat
{
    public const string Prefix = "cdp_";

    private const int IdBytes = 8;
    private const int SecretBytes = 32;

    /// <summary>The longest text accepted as a key before anything is looked up.</summary>
    public const int MaxKeyLength = 128;

    /// <summary>A new key: its public id and the full key text.</summary>
    public static (string Id, string Key) NewKey()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        return (id, string.Concat(Prefix, id, "_", secret));
    }

    /// <summary>The key's public id, or null when the text does not have the form of a key.</summary>
    public static string? TryGetId(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        const int IdLength = IdBytes * 2;
        if (key.Length > MaxKeyLength || key.Length < Prefix.Length + IdLength + 2 ||
            !key.StartsWith(Prefix, StringComparison.Ordinal) || key[Prefix.Length + IdLength] != '_')
        {
            return null;
        }

        var id = key.AsSpan(Prefix.Length, IdLength);
        foreach (var c in id)
        {
            if (c is (< '0' or > '9') and (< 'a' or > 'f'))
            {
                return null;
            }
        }

        return id.ToString();
    }

    /// <summary>The SHA-256 digest of the key's UTF-8 bytes: what is stored and compared.</summary>
    public static byte[] Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
