using Cdp.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.UnitTests;

public sealed class AddCdpClientTests
{
    [Fact]
    public void AddCdpClient_SeveralBadSettings_ListsEveryOne()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() => services.AddCdpClient(o =>
        {
            o.GatewayPorts = [];
            o.ClusterId = " ";
            o.ServiceId = "";
        }));

        Assert.Contains("Cdp:Client:GatewayPorts", error.Message, StringComparison.Ordinal);
        Assert.Contains("Cdp:Client:ClusterId", error.Message, StringComparison.Ordinal);
        Assert.Contains("Cdp:Client:ServiceId", error.Message, StringComparison.Ordinal);
        Assert.Empty(services);
    }

    [Fact]
    public void AddCdpClient_CalledTwice_RegistersOneClient()
    {
        var services = new ServiceCollection();

        services.AddCdpClient(o => o.Source = "first");
        services.AddCdpClient(o => o.Source = "second");

        Assert.Single(services, s => s.ServiceType == typeof(ICdpClient));
    }
}
