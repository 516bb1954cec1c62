using Orleans.Streams;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Cdp.Client;

public static class CdpClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers one long-lived <see cref="ICdpClient"/>, <see cref="ICdpApiKeys"/> and the Orleans client they
    /// run on, connected to the silo gateways on localhost or, with <see cref="CdpClusterProvider.AzureTable"/>
    /// clustering, to the live gateways in the silos' membership table. The Orleans client starts with the host.
    /// Calling it again changes nothing. Bad settings throw <see cref="ArgumentException"/> listing every one.
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

    /// <summary>Every bad setting, one sentence each.</summary>
    internal static List<string> Validate(CdpClientOptions options)
    {
        const string section = CdpClientOptions.SectionName;
        var failures = new List<string>();
        var cluster = options.Cluster;
        if (cluster is null)
        {
            failures.Add($"{section}:Cluster must not be null.");
        }
        else if (!Enum.IsDefined(cluster.Provider))
        {
            failures.Add($"{section}:Cluster:Provider must be Localhost or AzureTable.");
        }
        else if (cluster.Provider == CdpClusterProvider.AzureTable)
        {
            if (string.IsNullOrWhiteSpace(cluster.ConnectionString))
            {
                failures.Add($"{section}:Cluster:ConnectionString is required when Cluster:Provider is AzureTable.");
            }

            if (cluster.Table is not { Length: >= 3 and <= 63 } table
                || !char.IsAsciiLetter(table[0])
                || !table.All(char.IsAsciiLetterOrDigit))
            {
                failures.Add($"{section}:Cluster:Table '{cluster.Table}' must be 3 to 63 letters or digits, starting with a letter.");
            }
        }

        if (cluster?.Provider != CdpClusterProvider.AzureTable
            && (options.GatewayPorts is not { Length: > 0 } || options.GatewayPorts.Any(p => p is <= 0 or > 65535)))
        {
            failures.Add($"{section}:GatewayPorts must list at least one port between 1 and 65535.");
        }

        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            failures.Add($"{section}:ClusterId must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.ServiceId))
        {
            failures.Add($"{section}:ServiceId must not be empty.");
        }

        if (options.Streams is { Provider: CdpStreamProvider.AzureQueue } streams &&
            (string.IsNullOrWhiteSpace(streams.ConnectionString) || streams.QueueCount is < 1 or > 64))
        {
            failures.Add($"{section}:Streams:ConnectionString is required, and QueueCount between 1 and 64, "
                + "when Streams:Provider is AzureQueue.");
        }

        return failures;
    }

    private static IServiceCollection Register(IServiceCollection services, CdpClientOptions options)
    {
        if (services.Any(s => s.ServiceType == typeof(ICdpClient)))
        {
            return services;
        }

        var failures = Validate(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException("The Cdp client settings are not valid: " + string.Join(" ", failures), nameof(options));
        }

        var ports = options.GatewayPorts;
        var cluster = options.Cluster;
        services.AddOrleansClient(client =>
        {
            if (cluster.Provider == CdpClusterProvider.AzureTable)
            {
                var tables = new TableServiceClient(cluster.ConnectionString);
                client.UseAzureStorageClustering(o =>
                {
                    o.TableServiceClient = tables;
                    o.TableName = cluster.Table;
                });
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
            }
            else
            {
                client.UseLocalhostClustering(ports, options.ServiceId, options.ClusterId);
            }

            client.AddCdpStreams(options.Streams);
        });
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
    public static IClientBuilder AddCdpStreams(this IClientBuilder client, CdpClientStreamOptions? streams = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var registered = client.Services.Any(s =>
            s.IsKeyedService && s.ServiceType == typeof(IStreamProvider) && Equals(s.ServiceKey, CdpStreams.ProviderName));
        if (registered)
        {
            return client;
        }

        if (streams is { Provider: CdpStreamProvider.AzureQueue, ConnectionString: { } connection })
        {
            var queues = new Azure.Storage.Queues.QueueServiceClient(connection);
            var names = Enumerable.Range(0, streams.QueueCount).Select(i => $"cdp-streams-{i}").ToList();
            void Configure(Microsoft.Extensions.Options.OptionsBuilder<Orleans.Configuration.AzureQueueOptions> o) => o.Configure(q =>
            {
                q.QueueServiceClient = queues;
                q.QueueNames = names;
            });

            return client.AddAzureQueueStreams(CdpStreams.ProviderName, Configure);
        }

        return client.AddMemoryStreams(CdpStreams.ProviderName);
    }
}
