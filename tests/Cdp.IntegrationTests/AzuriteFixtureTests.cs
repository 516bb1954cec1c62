using System.Net;
using System.Net.Sockets;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests;

[Collection(AzuriteCollection.Name)]
public sealed class AzuriteFixtureTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task TablePort_AcceptsTcpConnection()
    {
        using var client = new TcpClient();

        await client.ConnectAsync(IPAddress.Loopback, azurite.TablePort);

        Assert.True(client.Connected);
    }
}
