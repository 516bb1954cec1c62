namespace Cdp;

/// <summary>
/// How silos find each other and clients find silos. Silos (<c>Cdp:Cluster:Provider</c>) and the SDK
/// (<c>Cdp:Client:Cluster:Provider</c>) take the same values.
/// </summary>
public enum CdpClusterProvider
{
    /// <summary>Silos and clients on one machine, at fixed ports: the local silo, or a few listed gateways.</summary>
    Localhost = 0,

    /// <summary>
    /// Membership in an Azure Storage table: any number of silos on any machines; clients read the live gateways from it.
    /// </summary>
    AzureTable = 1,
}
