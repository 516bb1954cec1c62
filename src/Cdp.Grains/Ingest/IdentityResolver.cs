namespace Cdp.Grains.Ingest;

/// <summary>
/// Turns an event's identifiers (highest priority first) into one customer: the owner of the
/// highest-priority known identifier, or a new customer when none is known. New identifiers are claimed
/// for that customer; identifiers that another customer holds are recorded as conflicts on both.
/// </summary>
internal sealed class IdentityResolver(IGrainFactory grains)
{
    /// <summary>
    /// Resolves one event. <paramref name="known"/> holds owners learned earlier in the same batch (it
    /// spares their lookups) and receives the owners of this event's identifiers.
    /// </summary>
    public async Task<string> ResolveAsync(ExternalId[] ids, string messageId, DateTimeOffset now, Dictionary<ExternalId, string> known)
    {
        if (ids.Length == 0)
        {
            throw new ArgumentException("An event reaches resolution with at least one identifier.", nameof(ids));
        }

        var owners = new string?[ids.Length];
        List<Task>? lookups = null;
        for (var i = 0; i < ids.Length; i++)
        {
            if (!known.TryGetValue(ids[i], out owners[i]))
            {
                (lookups ??= []).Add(LookUpAsync(ids, owners, i));
            }
        }

        if (lookups is not null)
        {
            await Task.WhenAll(lookups);
        }

        var ownerIndex = Array.FindIndex(owners, o => o is not null);
        string customerId;
        if (ownerIndex < 0)
        {
            // A first sighting. Concurrent first events race for the top identifier; its grain picks one winner.
            ownerIndex = 0;
            customerId = await Identity(ids[0]).ClaimAsync(CustomerIds.New());
            owners[0] = customerId;
        }
        else
        {
            customerId = owners[ownerIndex]!;
        }

        List<Task>? claims = null;
        for (var i = 0; i < ids.Length; i++)
        {
            if (i != ownerIndex && owners[i] != customerId)
            {
                (claims ??= []).Add(AttachAsync(ids, owners, i, customerId, messageId, now));
            }
        }

        if (claims is not null)
        {
            await Task.WhenAll(claims);
        }

        for (var i = 0; i < ids.Length; i++)
        {
            known[ids[i]] = owners[i]!;
        }

        return customerId;
    }

    private async Task LookUpAsync(ExternalId[] ids, string?[] owners, int i) =>
        owners[i] = await Identity(ids[i]).GetCustomerAsync();

    // Claims identifier i for the customer unless someone holds it; a holder other than the customer is a conflict.
    private async Task AttachAsync(ExternalId[] ids, string?[] owners, int i, string customerId, string messageId, DateTimeOffset now)
    {
        var owner = owners[i] ??= await Identity(ids[i]).ClaimAsync(customerId);
        if (owner == customerId)
        {
            return;
        }

        var conflict = new IdentityConflict
        {
            Identifier = ids[i],
            OwnerCustomerId = owner,
            RoutedCustomerId = customerId,
            MessageId = messageId,
            DetectedAt = now,
        };
        await Task.WhenAll(
            grains.GetGrain<ICustomerGrain>(owner).RecordConflictAsync(conflict),
            grains.GetGrain<ICustomerGrain>(customerId).RecordConflictAsync(conflict));
    }

    private IIdentityGrain Identity(ExternalId id) => grains.GetGrain<IIdentityGrain>(IdentityKeys.Of(id));
}

/// <summary>New ids: time-ordered (UUID version 7), so ids sort roughly by creation.</summary>
internal static class CustomerIds
{
    public static string New() => "c" + Guid.CreateVersion7().ToString("N");
}

internal static class MessageIds
{
    public static string New() => Guid.CreateVersion7().ToString();
}
