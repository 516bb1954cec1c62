namespace Cdp.Client;

/// <summary>Client settings, bound from the <c>Cdp:Client</c> configuration section.</summary>
public sealed class CdpClientOptions
{
    public const string SectionName = "Cdp:Client";

    /// <summary>
    /// The silo gateway ports to connect to on localhost, with <see cref="CdpClusterProvider.Localhost"/>
    /// clustering (list every silo of a local cluster). Default: 30000.
    /// </summary>
    public int[] GatewayPorts { get; set; } = [30000];

    /// <summary>The Orleans cluster id; must match the silo's. Default: <c>cdp-local</c>.</summary>
    public string ClusterId { get; set; } = "cdp-local";

    /// <summary>The Orleans service id; must match the silo's. Default: <c>cdp</c>.</summary>
    public string ServiceId { get; set; } = "cdp";

    /// <summary>The source recorded on events that name none, e.g. <c>billing-service</c>. Default: none.</summary>
    public string? Source { get; set; }

    /// <summary>How the client finds the silos; the same setting as the silos' <c>Cdp:Cluster</c>.</summary>
    public CdpClientClusterOptions Cluster { get; set; } = new();

    /// <summary>Where the silos' streams travel; the same setting as the silos' <c>Cdp:Streams</c>.</summary>
    public CdpClientStreamOptions Streams { get; set; } = new();
}

/// <summary>The client side of <c>Cdp:Streams</c>, bound from <c>Cdp:Client:Streams</c>; must match the silos.</summary>
public sealed class CdpClientStreamOptions
{
    /// <summary>Default: <see cref="CdpStreamProvider.Memory"/>.</summary>
    public CdpStreamProvider Provider { get; set; } = CdpStreamProvider.Memory;

    /// <summary>The Azure Storage connection string of the stream queues; required for AzureQueue.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The number of stream queues; must match the silos' <c>Cdp:Streams:QueueCount</c>. Default: 4.</summary>
    public int QueueCount { get; set; } = 4;
}

/// <summary>How the client finds silos, bound from <c>Cdp:Client:Cluster</c>.</summary>
public sealed class CdpClientClusterOptions
{
    /// <summary>
    /// <see cref="CdpClusterProvider.Localhost"/>: the gateways in <see cref="CdpClientOptions.GatewayPorts"/> on
    /// this machine. <see cref="CdpClusterProvider.AzureTable"/>: the live gateways listed in the silos' membership
    /// table, refreshed as silos come and go. Default: Localhost.
    /// </summary>
    public CdpClusterProvider Provider { get; set; } = CdpClusterProvider.Localhost;

    /// <summary>The Azure Storage connection string of the membership table; required for AzureTable.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The membership table; must match the silos' <c>Cdp:Cluster:Table</c>. Default: <c>OrleansSiloInstances</c>.</summary>
    public string Table { get; set; } = "OrleansSiloInstances";
}
