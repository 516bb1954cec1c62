using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Cdp.Client;

public static class CdpClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers one long-lived <see cref="ICdpClient"/>, <see cref="ICdpApiKeys"/> and the Orleans client they
    /// run on, connected to the silo gateways on localhost. The Orleans client starts with the host. Calling it
    /// again changes nothing.
    /// </summary>
    public static IServiceCollection AddCdpClient(this IServiceCollection services, Action<CdpClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new CdpClientOptions();
        configure?.Invoke(options);
        return Register(services, options);
    }

    /// <summary>
    /// As <see cref="AddCdpClient(IServiceCollection, Action{CdpClientOptions})"/>, with settings from a
    /// configuration section (usually <c>Cdp:Client</c>).
    /// </summary>
    public static IServiceCollection AddCdpClient(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        var options = new CdpClientOptions();
        section.Bind(options);
        return Register(services, options);
    }

    private static IServiceCollection Register(IServiceCollection services, CdpClientOptions options)
    {
        if (services.Any(s => s.ServiceType == typeof(ICdpClient)))
        {
            return services;
        }

        var failures = new List<string>();
        if (options.GatewayPorts is not { Length: > 0 } || options.GatewayPorts.Any(p => p is <= 0 or > 65535))
        {
            failures.Add($"{CdpClientOptions.SectionName}:GatewayPorts must list at least one port between 1 and 65535.");
        }

        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            failures.Add($"{CdpClientOptions.SectionName}:ClusterId must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.ServiceId))
        {
            failures.Add($"{CdpClientOptions.SectionName}:ServiceId must not be empty.");
        }

        if (failures.Count > 0)
        {
            throw new ArgumentException("The Cdp client settings are not valid: " + string.Join(" ", failures), nameof(options));
        }

        var ports = options.GatewayPorts;
        services.AddOrleansClient(client => client.UseLocalhostClustering(ports, options.ServiceId, options.ClusterId).AddCdpStreams());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ICdpClient>(sp =>
            new CdpClient(sp.GetRequiredService<IClusterClient>(), options, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ICdpApiKeys>(sp => new CdpApiKeys(sp.GetRequiredService<IClusterClient>()));
        return services;
    }
}

public static class CdpClientBuilderExtensions
{
    /// <summary>
    /// Adds Cdp's stream provider (<see cref="CdpStreams.ProviderName"/>) to an Orleans client, so that it can subscribe
    /// to Cdp's streams, such as erasure notices. <c>AddCdpClient</c> does it already. Calling it again changes nothing.
    /// </summary>
    public static IClientBuilder AddCdpStreams(this IClientBuilder client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (client.Services.Any(s => s.ServiceType == typeof(CdpStreamsMarker)))
        {
            return client;
        }

        client.Services.AddSingleton<CdpStreamsMarker>();
        return client.AddMemoryStreams(CdpStreams.ProviderName);
    }

    private sealed class CdpStreamsMarker;
}
