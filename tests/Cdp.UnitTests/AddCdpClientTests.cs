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
    public void AddCdpClient_AzureTableClusteringWithoutConnectionStringAndBadTable_ListsBothAndIgnoresGatewayPorts()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() => services.AddCdpClient(o =>
        {
            o.GatewayPorts = [];
            o.Cluster = new CdpClientClusterOptions { Provider = CdpClusterProvider.AzureTable, Table = "x" };
        }));

        Assert.Equal(
            "The Cdp client settings are not valid: Cdp:Client:Cluster:ConnectionString is required when Cluster:Provider is "
            + "AzureTable. Cdp:Client:Cluster:Table 'x' must be 3 to 63 letters or digits, starting with a letter. (Parameter 'options')",
            error.Message);
    }

    [Fact]
    public void AddCdpClient_AzureTableClustering_RegistersTheClient()
    {
        var services = new ServiceCollection();

        services.AddCdpClient(o => o.Cluster = new CdpClientClusterOptions
        {
            Provider = CdpClusterProvider.AzureTable,
            ConnectionString = "UseDevelopmentStorage=true",
        });

        Assert.Single(services, s => s.ServiceType == typeof(ICdpClient));
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
