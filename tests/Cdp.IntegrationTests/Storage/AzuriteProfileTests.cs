using Cdp.Client;
using Cdp.Grains.Hosting;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Storage;

/// <summary>Profiles, identities and the archive on Azure Table storage (Azurite), across silo restarts and crashes.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteProfileTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Workload_TenThousandEvents_ExactProfilesSurviveASiloRestart()
    {
        var serviceId = TestIds.New("restart");
        var workload = Workload.Create(customers: 1_000, events: 10_000, duplicateShare: 0.1, seed: 7);

        await using (var before = await StartAsync(serviceId))
        {
            var receipts = await workload.SendAsync(before.Client, batchSize: 100, parallel: 4);
            Assert.Equal(workload.SendOrder.Count - workload.UniqueEvents.Count, receipts.Count(r => r.Duplicate));
            await workload.AssertProfilesAsync(before.Client);
            await before.StopAsync();
        }

        await using var after = await StartAsync(serviceId);
        await workload.AssertProfilesAsync(after.Client);

        // The applied-messageId memory is durable too: every event sent again is recognized.
        var resent = await after.Client.SendBatchAsync(workload.UniqueEvents.Take(300).ToList());
        Assert.All(resent, r => Assert.True(r.Duplicate));
        await workload.AssertProfilesAsync(after.Client);
    }

    [Fact]
    public async Task Crash_SnapshotBehindTheArchive_ProfileIsRebuiltFromTheArchive()
    {
        var serviceId = TestIds.New("crash");
        var workload = Workload.Create(customers: 20, events: 400, duplicateShare: 0.1, seed: 11);

        // Snapshots only every 1,000 events: after the crash, the stored snapshots hold nothing of these events.
        var crashed = await StartAsync(serviceId, o => o.Profile.SnapshotEvery = 1_000);
        try
        {
            await workload.SendAsync(crashed.Client, batchSize: 50, parallel: 2);
            await crashed.KillAsync();
        }
        finally
        {
            await crashed.Cluster.DisposeAsync();
        }

        await using var after = await StartAsync(serviceId);
        await workload.AssertProfilesAsync(after.Client);
        var resent = await after.Client.SendBatchAsync(workload.UniqueEvents.Take(50).ToList());
        Assert.All(resent, r => Assert.True(r.Duplicate));
    }

    [Fact]
    public async Task Identifiers_WithKeyUnfriendlyCharactersAndLongValues_ResolveAfterRestart()
    {
        var serviceId = TestIds.New("keys");
        var run = TestIds.New("k");
        ExternalId[] ids =
        [
            new("crm_id", $"{run}/slash\\back#hash?query"),
            new("device_id", $"{run}-ünïcødé-设备-\t-tab"),
            new("loyalty_id", run + new string('x', 900)),
        ];
        string customerId;
        await using (var before = await StartAsync(serviceId))
        {
            var receipt = await before.Client.IdentifyAsync(
                new CustomerRef { UserId = run, Identifiers = ids }, new() { ["plan"] = "pro" });
            customerId = receipt.CustomerId;
            await before.StopAsync();
        }

        await using var after = await StartAsync(serviceId);
        foreach (var id in ids)
        {
            var profile = await after.Client.GetProfileAsync(id);
            Assert.Equal(customerId, profile?.CustomerId);
            Assert.True(profile!.HasIdentifier(id));
        }
    }

    [Fact]
    public async Task GetEvents_OnTableStorage_PagesEveryEventOnceInOrder()
    {
        await using var cluster = await StartAsync(TestIds.New("paging"));
        var userId = TestIds.New("pager");
        var sent = Enumerable.Range(0, 130).Select(i => new CdpEvent
        {
            Type = EventType.Track,
            UserId = userId,
            Event = "Step",
            MessageId = $"{userId}-{i:D3}",
            Properties = new() { ["step"] = i, ["note"] = "ok" },
        }).ToList();
        await cluster.Client.SendBatchAsync(sent);

        var read = await cluster.Client.ReadAllEventsAsync(new ExternalId(IdentifierTypes.UserId, userId), pageSize: 40).ToListAsync();

        Assert.Equal(sent.Select(e => e.MessageId), read.Select(e => e.Event.MessageId));
        Assert.Equal(Enumerable.Range(1, 130).Select(i => (long)i), read.Select(e => e.Sequence));
        Assert.Equal(sent[77].Properties!["step"], read[77].Event.Properties!["step"]);
    }

    [Fact]
    public async Task Retry_OfACallThatCommittedButWasNotAcknowledged_IsReportedDuplicateAndIsInTheProfile()
    {
        await using var cluster = await StartAsync(TestIds.New("lost-ack"));
        var userId = TestIds.New("lost-ack");
        var first = await cluster.Client.TrackAsync(CustomerRef.User(userId), "Signed In");

        // The archive holds an event that the grain never applied: a commit whose answer was lost.
        var lost = await ArchiveWrites.AppendBehindTheGrainAsync(cluster.Cluster.Silos[0], first.CustomerId, 1, new CdpEvent
        {
            Type = EventType.Track,
            UserId = userId,
            Event = "Order Completed",
            MessageId = TestIds.New("m"),
            Properties = new() { ["revenue"] = 30 },
        });

        var retry = await cluster.Client.SendAsync(lost);

        Assert.True(retry.Duplicate);
        var profile = await cluster.Client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, userId));
        Assert.Equal((2L, 2L), (profile!.EventCount, profile.Sequence));
        Assert.Equal((1L, 30m), (profile.Events["Order Completed"].Count, profile.Events["Order Completed"].Sum));
    }

    private Task<CdpTestCluster> StartAsync(string serviceId, Action<CdpSiloOptions>? configure = null) =>
        CdpTestCluster.StartAsync(
            o =>
            {
                o.Storage.Provider = CdpStorageProvider.AzureTable;
                o.Storage.ConnectionString = azurite.ConnectionString;
                configure?.Invoke(o);
            },
            serviceId);
}
