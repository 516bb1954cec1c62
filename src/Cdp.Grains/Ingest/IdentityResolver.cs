namespace Cdp.Grains.Ingest;

/// <summary>
/// Turns an event's identifiers (highest priority first) into one customer. When every identifier already
/// belongs to one customer, that is the answer, from lookups alone. Otherwise the earliest of the owners
/// settles the event (claiming new identifiers, merging the other owners, or refusing under the rules),
/// and a refusal sets the event's lowest-priority identifier aside before the next attempt.
/// </summary>
internal sealed class IdentityResolver(IGrainFactory grains, Privacy.SuppressionCheck? suppression = null)
{
    private const int MaxRounds = 16;

    /// <summary>The customer id answered for an event that carries an erased identifier: it goes to no customer.</summary>
    public const string Suppressed = "";

    /// <summary>
    /// Resolves one event. <paramref name="known"/> holds owners learned earlier in the same batch (it
    /// spares their lookups) and receives the owners of this event's identifiers.
    /// </summary>
    /// <returns>The customer, and the identifiers the event keeps (those set aside are gone).</returns>
    public async Task<(string CustomerId, ExternalId[] Identifiers)> ResolveAsync(
        ExternalId[] ids, string messageId, DateTimeOffset eventTime, Dictionary<ExternalId, string> known)
    {
        if (ids.Length == 0)
        {
            throw new ArgumentException("An event reaches resolution with at least one identifier.", nameof(ids));
        }

        for (var round = 0; round < MaxRounds; round++)
        {
            var owners = await OwnersAsync(ids, known);
            if (suppression is not null && Array.IndexOf(owners, null) >= 0 &&
                await suppression.AnySuppressedAsync(grains, ids.Where((_, i) => owners[i] is null)))
            {
                return (Suppressed, ids);
            }

            if (Array.TrueForAll(owners, o => o is null))
            {
                // A first sighting. Concurrent first events race for the top identifier; its grain picks one winner.
                owners[0] = known[ids[0]] = await Identity(ids[0]).ClaimAsync(CustomerIds.New());
            }

            if (SingleOwner(owners) is { } owner)
            {
                return (owner, ids);
            }

            var target = owners.Where(o => o is not null).Min(StringComparer.Ordinal)!;
            var outcome = await grains.GetGrain<ICustomerGrain>(target).ResolveAsync(new ResolveRequest(messageId, ids, owners, eventTime));
            switch (outcome.Status)
            {
                case ResolveStatus.Resolved:
                    foreach (var id in ids)
                    {
                        known[id] = outcome.CustomerId;
                    }

                    return (outcome.CustomerId, ids);
                case ResolveStatus.Redirect:
                    // The customer passes on what it learned: survivors of merged owners, or an earlier owner.
                    for (var i = 0; i < ids.Length; i++)
                    {
                        if (outcome.Owners?[i] is { } learned)
                        {
                            known[ids[i]] = learned;
                        }
                    }

                    break;
                case ResolveStatus.Demote:
                    ids = [.. ids.Where(id => id != outcome.Demoted)];
                    break;
            }
        }

        throw new InvalidOperationException($"The identifiers of event {messageId} did not settle on one customer; try again.");
    }

    private async Task<string?[]> OwnersAsync(ExternalId[] ids, Dictionary<ExternalId, string> known)
    {
        var owners = new string?[ids.Length];
        List<Task>? lookups = null;
        for (var i = 0; i < ids.Length; i++)
        {
            if (!known.TryGetValue(ids[i], out owners[i]))
            {
                (lookups ??= []).Add(LookUpAsync(ids, owners, i, known));
            }
        }

        if (lookups is not null)
        {
            await Task.WhenAll(lookups);
        }

        return owners;
    }

    private async Task LookUpAsync(ExternalId[] ids, string?[] owners, int i, Dictionary<ExternalId, string> known)
    {
        owners[i] = await Identity(ids[i]).GetCustomerAsync();
        if (owners[i] is { } owner)
        {
            known[ids[i]] = owner;
        }
    }

    private static string? SingleOwner(string?[] owners)
    {
        var first = owners[0];
        foreach (var owner in owners)
        {
            if (owner is null || owner != first)
            {
                return null;
            }
        }

        return first;
    }

    private IIdentityGrain Identity(ExternalId id) => grains.GetGrain<IIdentityGrain>(IdentityKeys.Of(id));
}

/// <summary>New ids: time-ordered (UUID version 7), so ids sort by creation and the earliest customer survives a merge.</summary>
internal static class CustomerIds
{
    public static string New() => "c" + Guid.CreateVersion7().ToString("N");
}

internal static class MessageIds
{
    public static string New() => Guid.CreateVersion7().ToString();
}
