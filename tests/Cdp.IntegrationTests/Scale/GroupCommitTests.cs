using Cdp.Client;
using Cdp.Grains.Ingest;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Cdp.IntegrationTests.Scale;

/// <summary>Group commit: calls for one customer that arrive while its write is in flight share the next write.</summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task CallsQueuedBehindAWrite_ArePersistedTogetherInOneWrite_AndEachIsAcknowledgedAfterIt()
    {
        await using var cluster = await CdpTestCluster.StartAsync(configureSilo: FaultyArchive.Install);
        var silo = (InProcessSiloHandle)cluster.Cluster.Silos[0];
        var archive = FaultyArchive.Of(silo);
        var coalescer = silo.ServiceProvider.GetRequiredService<ApplyCoalescer>();
        var user = new ExternalId(IdentifierTypes.UserId, TestIds.New("busy"));
        var created = await cluster.Client.TrackAsync(user, "Signed In");
        var (callsBefore, eventsBefore) = coalescer.Totals;
        var writesBefore = archive.Written;

        archive.Hold();
        var first = cluster.Client.TrackAsync(user, "Product Viewed");
        await archive.WaitUntilHeldAsync(1).WaitAsync(TimeSpan.FromSeconds(30));
        var queued = Enumerable.Range(0, 19).Select(i => cluster.Client.TrackAsync(user, "Product Viewed")).ToList();
        await coalescer.WhenWaitingAsync(created.CustomerId, 19).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(first.IsCompleted);
        Assert.DoesNotContain(queued, q => q.IsCompleted);
        archive.Release();
        var receipts = await Task.WhenAll(queued.Prepend(first));

        Assert.All(receipts, r => Assert.Equal((created.CustomerId, false), (r.CustomerId, r.Duplicate)));
        Assert.Equal(2, archive.Written - writesBefore);
        Assert.Equal((2L, 20L), (coalescer.Totals.Calls - callsBefore, coalescer.Totals.Events - eventsBefore));
        var profile = await cluster.Client.GetProfileAsync(user);
        Assert.Equal((21L, 20L), (profile!.EventCount, profile.Events["Product Viewed"].Count));
    }
}
