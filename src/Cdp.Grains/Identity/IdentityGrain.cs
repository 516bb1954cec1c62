using Cdp.Grains.Hosting;

namespace Cdp.Grains.Identity;

[GenerateSerializer, Alias("cdp.identity-state")]
public sealed class IdentityState
{
    [Id(0)] public string? CustomerId { get; set; }

    [Id(1)] public DateTimeOffset ClaimedAt { get; set; }
}

/// <summary>
/// One external identifier. Its grain runs one call at a time, so of many concurrent first claims
/// exactly one wins and every caller learns the same owner.
/// </summary>
public sealed class IdentityGrain(
    [PersistentState("identity", CdpStorageNames.Profiles)] IPersistentState<IdentityState> state,
    TimeProvider time) : Grain, IIdentityGrain
{
    public Task<string?> GetCustomerAsync() => Task.FromResult(state.State.CustomerId);

    public async Task<string> ClaimAsync(string customerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        if (state.State.CustomerId is { } owner)
        {
            return owner;
        }

        state.State.CustomerId = customerId;
        state.State.ClaimedAt = time.GetUtcNow();
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not durable, so not claimed: the caller sees the error and no one is told this owner.
            state.State.CustomerId = null;
            throw;
        }

        return customerId;
    }

    public async Task<string?> RepointAsync(string oldOwner, string newOwner)
    {
        ArgumentException.ThrowIfNullOrEmpty(oldOwner);
        ArgumentException.ThrowIfNullOrEmpty(newOwner);
        var owner = state.State.CustomerId;
        if (owner != oldOwner)
        {
            return owner;
        }

        state.State.CustomerId = newOwner;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.CustomerId = owner;
            throw;
        }

        return newOwner;
    }

    public async Task<bool> EraseAsync(string[] customerIds)
    {
        ArgumentNullException.ThrowIfNull(customerIds);
        if (state.State.CustomerId is { } owner && Array.IndexOf(customerIds, owner) < 0)
        {
            return false;
        }

        // The grain key holds the identifier, so its storage row is deleted, not left empty.
        if (state.RecordExists || state.State.CustomerId is not null)
        {
            await state.ClearStateAsync();
        }

        state.State = new IdentityState();
        DeactivateOnIdle();
        return true;
    }
}
