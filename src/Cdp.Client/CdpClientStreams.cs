using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Streams;

namespace Cdp.Client;

/// <summary>The client side of the stream provider that segment and trigger messages travel on.</summary>
public static class CdpClientStreams
{
    /// <summary>
    /// Adds the memory stream provider <see cref="SegmentStreams.Provider"/> to an Orleans client, unless it is there
    /// already (from an earlier call or other code). Subscribing with <see cref="ICdpClient.SubscribeAsync"/> needs it.
    /// </summary>
    public static IClientBuilder AddCdpClientStreams(this IClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var registered = builder.Services.Any(s =>
            s.IsKeyedService && s.ServiceType == typeof(IStreamProvider) && Equals(s.ServiceKey, SegmentStreams.Provider));
        if (!registered)
        {
            builder.AddMemoryStreams(SegmentStreams.Provider);
        }

        return builder;
    }
}
