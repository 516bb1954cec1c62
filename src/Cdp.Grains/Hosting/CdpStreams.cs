using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;

namespace Cdp.Grains.Hosting;

/// <summary>The Orleans stream provider that erasure notices and segment and trigger messages travel on.</summary>
public static class CdpStreamHosting
{
    /// <summary>The grain storage Orleans keeps explicit stream subscriptions in.</summary>
    public const string PubSubStorage = "PubSubStore";

    /// <summary>
    /// Adds the memory stream provider <see cref="SegmentStreams.Provider"/> and, when none is registered yet, memory
    /// storage for stream subscriptions. Safe to call more than once, and alongside other code that registers the
    /// same provider: whoever registers it first wins.
    /// </summary>
    public static ISiloBuilder AddCdpStreams(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!HasKeyed<IStreamProvider>(builder.Services, SegmentStreams.Provider))
        {
            builder.AddMemoryStreams(SegmentStreams.Provider);
        }

        if (!HasKeyed<Orleans.Storage.IGrainStorage>(builder.Services, PubSubStorage))
        {
            builder.AddMemoryGrainStorage(PubSubStorage);
        }

        return builder;
    }

    /// <summary>Whether a keyed service of the type is registered under the key.</summary>
    public static bool HasKeyed<T>(IServiceCollection services, string key)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.Any(s => s.IsKeyedService && s.ServiceType == typeof(T) && Equals(s.ServiceKey, key));
    }
}
