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
