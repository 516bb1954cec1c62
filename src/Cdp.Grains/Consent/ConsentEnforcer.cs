using Cdp.Grains.Domain;

namespace Cdp.Grains.Consent;

/// <summary>
/// The one check every exit makes before data leaves the platform for a purpose (segment memberships and triggers
/// on streams, destinations, exports to other systems): only customers whose consent for that purpose (and
/// channel) is granted and unexpired pass. Unknown, denied and expired all mean no.
/// </summary>
public sealed class ConsentEnforcer(ConsentCatalog catalog, TimeProvider time)
{
    /// <summary>True when the profile may leave the platform for the purpose (and channel) now.</summary>
    /// <exception cref="CdpValidationException">The purpose or channel is not in the deployment's catalog.</exception>
    public bool Allows(CustomerProfile profile, string purpose, string? channel = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var (name, channelName) = Check(purpose, channel);
        return profile.ConsentFor(name, channelName, time.GetUtcNow()) == ConsentStatus.Granted;
    }

    /// <summary>The items whose profile allows the purpose; the others are dropped.</summary>
    public IEnumerable<T> Filter<T>(IEnumerable<T> items, Func<T, CustomerProfile?> profileOf, string purpose, string? channel = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(profileOf);
        var (name, channelName) = Check(purpose, channel);
        return FilterIterator(items, profileOf, name, channelName);
    }

    /// <summary>The purpose and channel in the catalog's names.</summary>
    /// <exception cref="CdpValidationException">Either is unknown.</exception>
    public (string Purpose, string? Channel) Check(string purpose, string? channel)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        var name = catalog.PurposeOf(purpose) ?? throw new CdpValidationException(new CdpValidationError(
            "purpose", CdpValidationRule.NotFound,
            $"'{purpose}' is not a consent purpose of this deployment; the purposes are {string.Join(", ", catalog.Purposes)}."));
        if (channel is not null && !catalog.HasChannel(name, channel))
        {
            throw new CdpValidationException(new CdpValidationError(
                "channel", CdpValidationRule.NotFound, $"'{channel}' is not a channel of purpose '{name}'."));
        }

        return (name, channel is null ? null : ConsentCatalog.Normalize(channel));
    }

    private IEnumerable<T> FilterIterator<T>(IEnumerable<T> items, Func<T, CustomerProfile?> profileOf, string purpose, string? channel)
    {
        var now = time.GetUtcNow();
        foreach (var item in items)
        {
            if (profileOf(item) is { } profile && profile.ConsentFor(purpose, channel, now) == ConsentStatus.Granted)
            {
                yield return item;
            }
        }
    }
}
