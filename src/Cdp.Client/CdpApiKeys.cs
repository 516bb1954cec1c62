namespace Cdp.Client;

/// <summary>
/// Creates, lists and revokes the API keys of the HTTP API. Registered by <c>AddCdpClient</c> beside
/// <see cref="ICdpClient"/>. A revoked key stops working at once on the silo that served the revocation
/// over HTTP, and on every other silo within the HTTP layer's key cache time (<c>Cdp:Http:KeyCacheSeconds</c>).
/// </summary>
public interface ICdpApiKeys
{
    /// <summary>A new key; <see cref="CreatedApiKey.Key"/> is the only copy of its secret, so keep it.</summary>
    /// <exception cref="ArgumentException">The name is empty or over 100 characters, or no scope is given.</exception>
    Task<CreatedApiKey> CreateAsync(string name, ApiScopes scopes, CancellationToken cancellationToken = default);

    /// <summary>Every key, revoked ones included, oldest first; never a secret.</summary>
    Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Revokes the key with this id; false when there is none.</summary>
    Task<bool> RevokeAsync(string id, CancellationToken cancellationToken = default);
}

/// <summary>The <see cref="ICdpApiKeys"/> over an Orleans client (or a silo's own grain factory).</summary>
public sealed class CdpApiKeys : ICdpApiKeys
{
    private readonly IGrainFactory _grains;

    public CdpApiKeys(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _grains = grains;
    }

    private IApiKeyRegistryGrain Registry => _grains.GetGrain<IApiKeyRegistryGrain>(0);

    public async Task<CreatedApiKey> CreateAsync(string name, ApiScopes scopes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (scopes == ApiScopes.None || (scopes & ~ApiScopes.All) != 0)
        {
            throw new ArgumentException("A key needs at least one known scope.", nameof(scopes));
        }

        return await Registry.CreateAsync(name, scopes).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken = default) =>
        await Registry.ListAsync().WaitAsync(cancellationToken).ConfigureAwait(false);

    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return await Registry.RevokeAsync(id).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
