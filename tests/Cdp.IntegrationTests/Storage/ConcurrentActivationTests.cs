using Cdp.Client;
using Cdp.Grains.Hosting;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Storage;

/// <summary>
/// Two activations of one customer at once, as can happen for a moment after a silo failure: here two separate
/// clusters on the same storage, each with its own activation. Each writer's archive appends and snapshot writes
/// run into the other's (a taken sequence number, a stale ETag); neither may overwrite the other or lose its events.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConcurrentActivationTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task TwoActivations_WritingInTurn_RecoverFromEachOthersWritesAndLoseNothing()
    {
        var serviceId = TestIds.New("two-writers");
        var user = new ExternalId(IdentifierTypes.UserId, TestIds.New("user"));
        await using var first = await StartAsync(serviceId);
        await using var second = await StartAsync(serviceId);

        // Each call after the first lands on an activation whose view is one write behind the other's.
        var receipts = new List<EventReceipt>();
        for (var i = 0; i < 6; i++)
        {
            var client = i % 2 == 0 ? first.Client : second.Client;
            receipts.Add(await client.TrackAsync(user, "Order Completed", new() { ["revenue"] = i + 1 },
                new EventOptions { MessageId = $"{user.Value}-{i}" }));
        }

        Assert.Single(receipts.Select(r => r.CustomerId).Distinct());
        Assert.All(receipts, r => Assert.False(r.Duplicate));
        var fromFirst = await first.Client.GetProfileAsync(user);
        var fromSecond = await second.Client.GetProfileAsync(user);
        Assert.Equal((5L, 15m), (fromFirst!.EventCount, fromFirst.Events["Order Completed"].Sum));
        Assert.Equal((6L, 21m), (fromSecond!.EventCount, fromSecond.Events["Order Completed"].Sum));

        // A retry through the other writer is recognized from the archive's markers.
        var retry = await first.Client.TrackAsync(user, "Order Completed", new() { ["revenue"] = 6 },
            new EventOptions { MessageId = $"{user.Value}-5" });
        Assert.True(retry.Duplicate);

        await first.StopAsync();
        await second.StopAsync();
        await using var fresh = await StartAsync(serviceId);
        var profile = await fresh.Client.GetProfileAsync(user);
        Assert.Equal((6L, 21m, 6L), (profile!.EventCount, profile.Events["Order Completed"].Sum, profile.Sequence));
        var archived = new List<string>();
        await foreach (var evt in fresh.Client.ReadAllEventsAsync(user))
        {
            archived.Add(evt.Event.MessageId!);
        }

        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"{user.Value}-{i}"), archived);
    }

    private Task<CdpTestCluster> StartAsync(string serviceId) =>
        CdpTestCluster.StartAsync(
            o =>
            {
                o.Storage.Provider = CdpStorageProvider.AzureTable;
                o.Storage.ConnectionString = azurite.ConnectionString;
                o.Profile.SnapshotEvery = 1;
            },
            serviceId);
}
