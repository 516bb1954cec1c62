using System.Net;
using Azure.Data.Tables;
using Cdp.Grains.Hosting;
using Orleans.Configuration;

namespace Cdp.Silo;

/// <summary>Clustering by configuration: the local silo, or membership in an Azure Storage table.</summary>
internal static class ClusterWiring
{
    public static void Apply(ISiloBuilder silo, CdpHostOptions host, CdpClusterOptions cluster, IConfiguration configuration)
    {
        if (cluster.Provider == CdpClusterProvider.AzureTable)
        {
            var storage = new CdpStorageOptions();
            configuration.GetSection(CdpStorageOptions.SectionName).Bind(storage);
            var tables = new TableServiceClient(cluster.EffectiveConnectionString(storage.ConnectionString));
            silo.UseAzureStorageClustering(o =>
            {
                o.TableServiceClient = tables;
                o.TableName = cluster.Table;
            });
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = host.ClusterId;
                o.ServiceId = host.ServiceId;
            });

            if (cluster.AdvertisedAddress is { } text)
            {
                var address = IPAddress.Parse(text);
                silo.ConfigureEndpoints(address, host.SiloPort, host.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
            }
            else
            {
                silo.ConfigureEndpoints(host.SiloPort, host.GatewayPort, listenOnAnyHostAddress: true);
            }
        }
        else
        {
            silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, serviceId: host.ServiceId, clusterId: host.ClusterId);
        }

        // Orleans' own names and defaults; tests shorten the probe timings so that a killed silo is declared dead quickly.
        silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection(CdpClusterOptions.MembershipSectionName));
    }
}
