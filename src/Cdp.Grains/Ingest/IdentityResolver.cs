namespace Cdp.Grains.Ingest;

/// <summary>
/// Turns an event's identifiers (highest priority first) into one customer: the owner of the
/// highest-priority known identifier, or a new customer when none is known. New identifiers are claimed
/// for that customer; identifiers that another customer holds are recorded as conflicts on both.
/// </summary>
internal sealed class IdentityResolver(IGrainFactory grains)
{
    public async Task<string> ResolveAsync(ExternalId[] ids, string messageId, DateTimeOffset now)
    {
        var owners = await Task.WhenAll(ids.Select(id => Identity(id).GetCustomerAsync()));

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

        var claims = new List<Task>();
        for (var i = 0; i < ids.Length; i++)
        {
            if (i != ownerIndex)
            {
                claims.Add(AttachAsync(ids[i], owners[i], customerId, messageId, now));
            }
        }

        await Task.WhenAll(claims);
        return customerId;
    }

    private async Task AttachAsync(ExternalId id, string? owner, string customerId, string messageId, DateTimeOffset now)
    {
        owner ??= await Identity(id).ClaimAsync(customerId);
        if (owner == customerId)
        {
            return;
        }

        var conflict = new IdentityConflict
        {
            Identifier = id,
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
