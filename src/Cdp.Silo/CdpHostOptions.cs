using System.Net;
using Orleans.Configuration;

namespace Cdp.Silo;

/// <summary>Host settings, bound from the <c>Cdp:Silo</c> configuration section.</summary>
public sealed class CdpHostOptions
{
    public const string SectionName = "Cdp:Silo";

    /// <summary>Silo-to-silo port. Default: 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port clients (the SDK) connect to. Default: 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The HTTP port of the Orleans Dashboard, on 127.0.0.1. Default: 8080; 0 turns the dashboard off.</summary>
    public int DashboardPort { get; set; } = 8080;

    /// <summary>Default: <c>cdp-local</c>; clients must use the same.</summary>
    public string ClusterId { get; set; } = "cdp-local";

    /// <summary>Default: <c>cdp</c>; clients must use the same. Storage is kept per service id.</summary>
    public string ServiceId { get; set; } = "cdp";

    /// <summary>Every bad setting, one sentence each.</summary>
    public IEnumerable<string> Validate()
    {
        foreach (var (name, port, allowZero) in new[]
                 {
                     (nameof(SiloPort), SiloPort, false),
                     (nameof(GatewayPort), GatewayPort, false),
                     (nameof(DashboardPort), DashboardPort, true),
                 })
        {
            if (port is < 0 or > 65535 || (port == 0 && !allowZero))
            {
                var off = allowZero ? " (or 0 for off)" : "";
                yield return $"{SectionName}:{name} is {port}; it must be a port between 1 and 65535{off}.";
            }
        }

        if (SiloPort == GatewayPort || (DashboardPort != 0 && (DashboardPort == SiloPort || DashboardPort == GatewayPort)))
        {
            yield return $"{SectionName}: SiloPort, GatewayPort and DashboardPort must differ.";
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            yield return $"{SectionName}:ClusterId must not be empty.";
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            yield return $"{SectionName}:ServiceId must not be empty.";
        }
    }
}

/// <summary>How silos find each other, bound from the <c>Cdp:Cluster</c> configuration section.</summary>
public sealed class CdpClusterOptions
{
    public const string SectionName = "Cdp:Cluster";

    /// <summary>The section bound to Orleans' <c>ClusterMembershipOptions</c> (probe and vote timings).</summary>
    public const string MembershipSectionName = "Cdp:Cluster:Membership";

    /// <summary>
    /// <see cref="CdpClusterProvider.Localhost"/> (default): one silo on this machine (or several at known ports,
    /// for tests). <see cref="CdpClusterProvider.AzureTable"/>: membership in an Azure Storage table, for any
    /// number of silos; needs <c>Cdp:Storage:Provider</c> AzureTable, since every silo must see the same data.
    /// </summary>
    public CdpClusterProvider Provider { get; set; } = CdpClusterProvider.Localhost;

    /// <summary>The Azure Storage connection string of the membership table. Default: <c>Cdp:Storage:ConnectionString</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The membership table (clients read the same one). Default: <c>OrleansSiloInstances</c>.</summary>
    public string Table { get; set; } = "OrleansSiloInstances";

    /// <summary>
    /// The IP address this silo gives other silos and clients, with AzureTable. Default: none, which means the
    /// machine's own address (what a VM or a Kubernetes pod needs); <c>127.0.0.1</c> for several silos on one
    /// machine, as <c>run-local.ps1 -Silos N</c> and the tests set it. A silo listens on every interface unless
    /// it advertises a loopback address. Localhost clustering always uses 127.0.0.1.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>The connection string in force: this section's, or else the storage one.</summary>
    public string? EffectiveConnectionString(string? storageConnectionString) =>
        string.IsNullOrWhiteSpace(ConnectionString) ? storageConnectionString : ConnectionString;

    /// <summary>Every bad setting, one sentence each.</summary>
    public IEnumerable<string> Validate(string? storageConnectionString, bool storageIsDurable)
    {
        if (!Enum.IsDefined(Provider))
        {
            yield return $"{SectionName}:Provider must be Localhost or AzureTable.";
            yield break;
        }

        if (Provider != CdpClusterProvider.AzureTable)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(EffectiveConnectionString(storageConnectionString)))
        {
            yield return $"{SectionName}:ConnectionString (or Cdp:Storage:ConnectionString) is required when Provider is AzureTable.";
        }

        if (Table is not { Length: >= 3 and <= 63 } table || !char.IsAsciiLetter(table[0]) || !table.All(char.IsAsciiLetterOrDigit))
        {
            yield return $"{SectionName}:Table '{Table}' must be 3 to 63 letters or digits, starting with a letter.";
        }

        if (AdvertisedAddress is { } address && !IPAddress.TryParse(address, out _))
        {
            yield return $"{SectionName}:AdvertisedAddress '{address}' is not an IP address (such as 127.0.0.1 or 10.0.0.4).";
        }

        if (!storageIsDurable)
        {
            yield return $"{SectionName}:Provider AzureTable needs Cdp:Storage:Provider AzureTable: memory storage lives in "
                + "one silo, so silos of a cluster would not see each other's profiles and events.";
        }
    }

    /// <summary>The few membership timings whose bad values would stop failure detection; every one is listed.</summary>
    public static IEnumerable<string> ValidateMembership(ClusterMembershipOptions membership)
    {
        foreach (var (name, value) in new[]
                 {
                     (nameof(membership.ProbeTimeout), membership.ProbeTimeout),
                     (nameof(membership.IAmAliveTablePublishTimeout), membership.IAmAliveTablePublishTimeout),
                     (nameof(membership.TableRefreshTimeout), membership.TableRefreshTimeout),
                     (nameof(membership.DeathVoteExpirationTimeout), membership.DeathVoteExpirationTimeout),
                 })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"{MembershipSectionName}:{name} is {value}; it must be more than zero.";
            }
        }

        if (membership.NumMissedProbesLimit < 1)
        {
            yield return $"{MembershipSectionName}:NumMissedProbesLimit is {membership.NumMissedProbesLimit}; it must be at least 1.";
        }

        if (membership.NumVotesForDeathDeclaration < 1)
        {
            yield return $"{MembershipSectionName}:NumVotesForDeathDeclaration is {membership.NumVotesForDeathDeclaration}; "
                + "it must be at least 1.";
        }
    }
}
