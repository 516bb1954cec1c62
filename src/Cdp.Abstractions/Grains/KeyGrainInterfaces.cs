namespace Cdp;

/// <summary>
/// The registry of API keys (one grain, key 0): keys with their scopes, stored as SHA-256 digests only.
/// Every silo's HTTP layer asks it on a cache miss; it answers from memory once active.
/// </summary>
[Alias("cdp.IApiKeyRegistryGrain")]
public interface IApiKeyRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Creates a key; the returned <see cref="CreatedApiKey.Key"/> is the only copy of its secret.</summary>
    /// <exception cref="ArgumentException">The name is empty or too long, no scope is given, or the registry is full.</exception>
    [Alias("create")]
    Task<CreatedApiKey> CreateAsync(string name, ApiScopes scopes);

    /// <summary>Every key, revoked ones included, oldest first.</summary>
    [Alias("list")]
    Task<ApiKeyInfo[]> ListAsync();

    /// <summary>Revokes a key; false when no key has that id. Revoking twice is harmless.</summary>
    [Alias("revoke")]
    Task<bool> RevokeAsync(string id);

    /// <summary>The key with this id and digest, when it exists and is not revoked; otherwise null.</summary>
    [Alias("authenticate")]
    Task<ApiKeyInfo?> AuthenticateAsync(string id, byte[] keyHash);
}
