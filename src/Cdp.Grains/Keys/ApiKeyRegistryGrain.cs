using System.Security.Cryptography;
using Cdp.Grains.Hosting;

namespace Cdp.Grains.Keys;

[GenerateSerializer, Alias("cdp.api-key-registry-state")]
public sealed class ApiKeyRegistryState
{
    [Id(0)] public List<StoredApiKey> Keys { get; set; } = [];
}

[GenerateSerializer, Alias("cdp.stored-api-key")]
public sealed class StoredApiKey
{
    [Id(0)] public required ApiKeyInfo Info { get; set; }

    /// <summary>SHA-256 of the full key; the key itself is never stored.</summary>
    [Id(1)] public required byte[] Hash { get; set; }
}

/// <summary>
/// Holds every API key of the deployment in one grain state. Keys are few (people and systems, not customers),
/// so one activation answers every lookup from memory; a change is acknowledged only once it is written.
/// </summary>
public sealed class ApiKeyRegistryGrain(
    [PersistentState("apikeys", CdpStorageNames.Profiles)] IPersistentState<ApiKeyRegistryState> state,
    TimeProvider time) : Grain, IApiKeyRegistryGrain
{
    /// <summary>Keys kept, revoked ones included; bounds the state (and so its storage entity).</summary>
    public const int MaxKeys = 1000;

    public const int MaxNameLength = 100;

    public async Task<CreatedApiKey> CreateAsync(string name, ApiScopes scopes)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength)
        {
            throw new ArgumentException($"A key needs a name of 1 to {MaxNameLength} characters.", nameof(name));
        }

        if (scopes == ApiScopes.None || (scopes & ~ApiScopes.All) != 0)
        {
            throw new ArgumentException("A key needs at least one known scope.", nameof(scopes));
        }

        if (state.State.Keys.Count >= MaxKeys)
        {
            throw new ArgumentException($"The registry holds {MaxKeys} keys, its limit; none can be added.", nameof(name));
        }

        var (id, key) = ApiKeyFormat.NewKey();
        var info = new ApiKeyInfo(id, name.Trim(), scopes, time.GetUtcNow());
        var stored = new StoredApiKey { Info = info, Hash = ApiKeyFormat.Hash(key) };
        state.State.Keys.Add(stored);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not written, so not created: the caller never sees the key.
            state.State.Keys.Remove(stored);
            throw;
        }

        return new CreatedApiKey(info, key);
    }

    public Task<ApiKeyInfo[]> ListAsync() => Task.FromResult(state.State.Keys.Select(k => k.Info).ToArray());

    public async Task<bool> RevokeAsync(string id)
    {
        var stored = state.State.Keys.Find(k => k.Info.Id == id);
        if (stored is null)
        {
            return false;
        }

        if (stored.Info.RevokedAt is not null)
        {
            return true;
        }

        var before = stored.Info;
        stored.Info = before with { RevokedAt = time.GetUtcNow() };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            stored.Info = before;
            throw;
        }

        return true;
    }

    public Task<ApiKeyInfo?> AuthenticateAsync(string id, byte[] keyHash)
    {
        var stored = state.State.Keys.Find(k => k.Info.Id == id);
        var match = stored is { Info.RevokedAt: null } && keyHash is not null &&
            CryptographicOperations.FixedTimeEquals(stored.Hash, keyHash);
        return Task.FromResult(match ? stored!.Info : null);
    }
}
