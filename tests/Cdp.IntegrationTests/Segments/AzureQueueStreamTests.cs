using Azure.Storage.Queues;
using Cdp.Client;
using Cdp.Grains.Hosting;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.IntegrationTests.Segments;

/// <summary>Segment messages on Azure Queue streams (Azurite), taken by a consumer grain through implicit subscription.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureQueueStreamTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task SegmentMessages_OnAzureQueues_ReachTheConsumerGrainInOrder()
    {
        await using var cluster = await CdpTestCluster.StartAsync(
            o =>
            {
                o.Storage.Provider = CdpStorageProvider.AzureTable;
                o.Storage.ConnectionString = azurite.ConnectionString;
                o.Streams.Provider = CdpStreamProvider.AzureQueue;
            },
            TestIds.New("queues"),
            configureSilo: silo => silo.Services.Configure<CdpSegmentOptions>(o => o.CatalogRefresh = TimeSpan.Zero));
        var segment = TestIds.New("queued");
        await cluster.Client.CreateDefinitionAsync(
            new SegmentDefinition { Id = segment, Purpose = "analytics", Text = """trait("tier") = "gold" """ });
        var who = new ExternalId(IdentifierTypes.UserId, TestIds.New("consumer"));
        await cluster.Client.SetConsentAsync(who, [new ConsentChange("analytics", ConsentStatus.Granted)]);

        var entered = await cluster.Client.IdentifyAsync(who, new() { ["tier"] = "gold" });
        var exited = await cluster.Client.IdentifyAsync(who, new() { ["tier"] = "silver" });

        var received = await cluster.Grains.GetGrain<IRecordingConsumerGrain>(segment).WaitForAsync(2).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(
            [(SegmentChange.Entered, entered.MessageId), (SegmentChange.Exited, exited.MessageId)],
            received.Select(m => (m.Change, m.MessageId)));
        Assert.All(received, m => Assert.Equal(entered.CustomerId, m.CustomerId));

        // The messages went through the storage account's queues, not silo memory.
        var queues = new List<string>();
        await foreach (var queue in new QueueServiceClient(azurite.ConnectionString).GetQueuesAsync())
        {
            queues.Add(queue.Name);
        }

        Assert.Equal(CdpStreamOptions.QueueNames(4), queues.Where(q => q.StartsWith("cdp-streams-", StringComparison.Ordinal)).Order());
    }
}
