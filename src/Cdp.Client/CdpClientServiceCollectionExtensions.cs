using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Cdp.Client;

public static class CdpClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers one long-lived <see cref="ICdpClient"/> and the Orleans client it runs on, connected to
    /// the silo gateways on localhost. The Orleans client starts with the host. Calling it again changes nothing.
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

        if (options.GatewayPorts is not { Length: > 0 } ports || ports.Any(p => p is <= 0 or > 65535))
        {
            throw new ArgumentException(
                $"{CdpClientOptions.SectionName}:GatewayPorts must list at least one port between 1 and 65535.", nameof(options));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(options.ClusterId, $"{CdpClientOptions.SectionName}:ClusterId");
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ServiceId, $"{CdpClientOptions.SectionName}:ServiceId");

        services.AddOrleansClient(client => client.UseLocalhostClustering(ports, options.ServiceId, options.ClusterId));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ICdpClient>(sp =>
            new CdpClient(sp.GetRequiredService<IClusterClient>(), options, sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
