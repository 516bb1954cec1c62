using Cdp.Grains.Archive;
using Cdp.Grains.Hosting;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.IntegrationTests.Privacy;

/// <summary>
/// Retention sweeps remove exactly the archived events received before the cutoff, with their markers, on the memory
/// archive (by receivedAt) and on the table archive (by write time). The cutoff is given explicitly, between two batches.
/// </summary>
public static class RetentionScenario
{
    public static async Task SweepsExactlyTheOldEventsAsync(
        CdpTestCluster cluster, Func<IReadOnlyList<ArchivedEvent>, DateTimeOffset> cutoffOf)
    {
        var client = cluster.Client;
        var user = new ExternalId(IdentifierTypes.UserId, TestIds.New("kept-briefly"));
        CdpEvent Track(string name) => new()
        {
            Type = EventType.Track,
            Event = name,
            Identifiers = [user],
            MessageId = $"{user.Value}-{name}",
        };

        await client.SendBatchAsync([Track("old-1"), Track("old-2"), Track("old-3")]);
        var cutoff = cutoffOf((await client.GetEventsAsync(user)).Events);

        // The next batch must be written after the cutoff: wait until the clock has passed it.
        while (DateTimeOffset.UtcNow <= cutoff.AddMilliseconds(2))
        {
            await Task.Delay(1);
        }

        await client.SendBatchAsync([Track("new-1"), Track("new-2")]);
        var result = await client.SweepRetentionAsync("retention test", cutoff);

        Assert.Equal((cutoff, 3L), (result.Cutoff, result.EventsRemoved));
        var left = (await client.GetEventsAsync(user)).Events;
        Assert.Equal([$"{user.Value}-new-1", $"{user.Value}-new-2"], left.Select(e => e.Event.MessageId));
        Assert.Equal([4L, 5L], left.Select(e => e.Sequence));

        // Profiles keep their aggregates: they are derived state, and the sweep does not rebuild them.
        Assert.Equal(5L, (await client.GetProfileAsync(user))!.EventCount);

        // The markers went with the events: the archive no longer knows the old messageIds.
        var archive = cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<IEventArchive>();
        var customerId = (await client.GetProfileAsync(user))!.CustomerId;
        Assert.Null(await archive.FindAsync(customerId, $"{user.Value}-old-1", CancellationToken.None));
        Assert.NotNull(await archive.FindAsync(customerId, $"{user.Value}-new-1", CancellationToken.None));

        var audit = (await client.GetPrivacyAuditAsync()).Last(e => e.Kind == PrivacyRequestKind.RetentionSweep);
        Assert.Equal(
            ("retention test", PrivacyRequestStatus.Completed, 3L, (string?)null, (string?)null),
            (audit.RequestedBy, audit.Outcome, audit.Events, audit.IdentifierHash, audit.CustomerId));
    }
}

public sealed class MemoryRetentionTests
{
    [Fact]
    public async Task Sweep_OnTheMemoryArchive_RemovesExactlyTheEventsReceivedBeforeTheCutoff()
    {
        await using var cluster = await CdpTestCluster.StartAsync();
        await RetentionScenario.SweepsExactlyTheOldEventsAsync(cluster, events => events.Max(e => e.Event.ReceivedAt!.Value).AddTicks(1));
    }

    [Fact]
    public async Task Sweep_WithoutACutoffWhileRetentionIsOff_IsRefused()
    {
        await using var cluster = await CdpTestCluster.StartAsync();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.Client.SweepRetentionAsync("someone"));
        Assert.Contains("Cdp:Privacy:RetentionDays is 0", error.Message, StringComparison.Ordinal);
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class AzuriteRetentionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Sweep_OnTheTableArchive_RemovesExactlyTheEventsWrittenBeforeTheCutoff()
    {
        // An archive table of its own, so that the sweep touches no other test's events.
        await using var cluster = await CdpTestCluster.StartAsync(
            o =>
            {
                o.Storage.Provider = CdpStorageProvider.AzureTable;
                o.Storage.ConnectionString = azurite.ConnectionString;
                o.Storage.ArchiveTable = "Retention" + Guid.NewGuid().ToString("N")[..12];
            },
            TestIds.New("retention"));

        // The old batch was written before its answer came back, so "now" is after every one of its rows.
        await RetentionScenario.SweepsExactlyTheOldEventsAsync(cluster, _ => DateTimeOffset.UtcNow);
    }
}
