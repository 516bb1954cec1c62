namespace Cdp.Client;

/// <summary>Client settings, bound from the <c>Cdp:Client</c> configuration section.</summary>
public sealed class CdpClientOptions
{
    public const string SectionName = "Cdp:Client";

    /// <summary>The silo gateway ports to connect to on localhost. Default: 30000.</summary>
    public int[] GatewayPorts { get; set; } = [30000];

    /// <summary>The Orleans cluster id; must match the silo's. Default: <c>cdp-local</c>.</summary>
    public string ClusterId { get; set; } = "cdp-local";

    /// <summary>The Orleans service id; must match the silo's. Default: <c>cdp</c>.</summary>
    public string ServiceId { get; set; } = "cdp";

    /// <summary>The source recorded on events that name none, e.g. <c>billing-service</c>. Default: none.</summary>
    public string? Source { get; set; }
}
