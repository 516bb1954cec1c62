using Azure.Data.Tables;
using Cdp.Client;
using Cdp.Grains.Archive;
using Cdp.Grains.Hosting;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.IntegrationTests.Identity;

/// <summary>Identity resolution on Azure Table storage (Azurite): the same scenarios, plus restarts and a crash mid-merge.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteIdentityTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ChainedCustomers_LinkedConcurrentlyInRandomOrder_EndAsOneProfileWithEveryEventOnce()
    {
        await using var cluster = await StartAsync(TestIds.New("chain"));
        await IdentityScenarios.ChainedCustomersMergeIntoOneAsync(cluster, seed: 1);
    }

    [Fact]
    public async Task SharedIdentifiers_BlockedOrOverTheLimit_KeepPeopleApart()
    {
        await using var cluster = await StartAsync(TestIds.New("shared"));
        await IdentityScenarios.SharedIdentifiersKeepPeopleApartAsync(cluster.Client, people: 8);
    }

    [Fact]
    public async Task Unmerge_OfALinkedPair_EqualsIngestWithoutTheLink()
    {
        await using var cluster = await StartAsync(TestIds.New("unmerge"));
        await IdentityScenarios.UnmergeEqualsIngestWithoutTheLinkAsync(cluster.Client);
    }

    [Fact]
    public async Task Merge_AcrossSiloRestarts_KeepsTheSurvivorTheTombstoneAndTheJournal()
    {
        var serviceId = TestIds.New("restart");
        var ada = new ExternalId(IdentifierTypes.UserId, TestIds.New("ada"));
        var crm = new ExternalId(IdentifierTypes.CrmId, TestIds.New("crm"));
        EventReceipt a, b, link;
        await using (var first = await StartAsync(serviceId))
        {
            a = await first.Client.TrackAsync(ada, "Signed In");
            b = await first.Client.TrackAsync(crm, "Ticket Opened");
            await first.StopAsync();
        }

        await using (var second = await StartAsync(serviceId))
        {
            link = await second.Client.TrackAsync(CustomerRef.User(ada.Value).And(crm.Type, crm.Value), "Support Chat");
            Assert.Equal(a.CustomerId, link.CustomerId);
            await second.KillAsync();
        }

        await using var third = await StartAsync(serviceId);
        var profile = await third.Client.GetProfileAsync(crm);
        Assert.Equal((a.CustomerId, 3L), (profile!.CustomerId, profile.EventCount));
        var merge = Assert.Single(profile.Journal);
        Assert.Equal((IdentityAction.Merged, b.CustomerId, link.MessageId), (merge.Action, merge.OtherCustomerId, merge.MessageId));
        var tombstone = await third.Grains.GetGrain<ICustomerGrain>(b.CustomerId).GetProfileAsync();
        Assert.Equal((a.CustomerId, 3L), (tombstone!.CustomerId, tombstone.EventCount));
        Assert.Equal(a.CustomerId, await third.Grains.GetGrain<IIdentityGrain>(IdentityKeys.Of(crm)).GetCustomerAsync());

        var again = await third.Client.TrackAsync(crm, "Ticket Closed");
        Assert.Equal((a.CustomerId, false), (again.CustomerId, again.Duplicate));
    }

    [Fact]
    public async Task Crash_InTheMiddleOfAMerge_IsFinishedWhenTheSurvivorActivatesAgain()
    {
        var serviceId = TestIds.New("mid-merge");
        var ada = new ExternalId(IdentifierTypes.UserId, TestIds.New("ada"));
        var crm = new ExternalId(IdentifierTypes.CrmId, TestIds.New("crm"));
        var linkId = TestIds.New("link");
        var stall = new ArchiveStall();
        EventReceipt a, b;
        var crashed = await StartAsync(serviceId, stall);
        try
        {
            a = await crashed.Client.TrackAsync(ada, "Signed In");
            b = await crashed.Client.TrackAsync(crm, "Ticket Opened");
            stall.Customer = b.CustomerId;

            // The survivor has stored its intent and sealed the other customer, and now reads its archive: crash there.
            var linking = crashed.Client.TrackAsync(
                CustomerRef.User(ada.Value).And(crm.Type, crm.Value), "Support Chat", options: new EventOptions { MessageId = linkId });
            await stall.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await crashed.KillAsync();
            _ = linking.ContinueWith(t => t.Exception, TaskScheduler.Default);
        }
        finally
        {
            await crashed.Cluster.DisposeAsync();
        }

        await using var after = await StartAsync(serviceId);
        var profile = await after.Client.GetProfileAsync(crm);
        Assert.Equal((a.CustomerId, 2L), (profile!.CustomerId, profile.EventCount));
        Assert.Equal(b.CustomerId, Assert.Single(profile.Journal).OtherCustomerId);
        Assert.Equal(a.CustomerId, await after.Grains.GetGrain<IIdentityGrain>(IdentityKeys.Of(crm)).GetCustomerAsync());

        // The linking event was never acknowledged; its retry is applied once.
        var retried = await after.Client.TrackAsync(
            CustomerRef.User(ada.Value).And(crm.Type, crm.Value), "Support Chat", options: new EventOptions { MessageId = linkId });
        Assert.Equal((a.CustomerId, false), (retried.CustomerId, retried.Duplicate));
        Assert.Equal(3L, (await after.Client.GetProfileAsync(ada))!.EventCount);
    }

    private Task<CdpTestCluster> StartAsync(string serviceId, ArchiveStall? stall = null) =>
        CdpTestCluster.StartAsync(
            o =>
            {
                o.Storage.Provider = CdpStorageProvider.AzureTable;
                o.Storage.ConnectionString = azurite.ConnectionString;
                IdentityScenarios.Configure(o);
            },
            serviceId,
            configureSilo: stall is null ? null : s => s.Services.AddSingleton<IEventArchive>(
                new StallingArchive(new TableEventArchive(new TableServiceClient(azurite.ConnectionString), "CdpEventArchive"), stall)));

    /// <summary>Where the stalling archive stops: reads of one customer's archive never complete.</summary>
    private sealed class ArchiveStall
    {
        public volatile string? Customer;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class StallingArchive(IEventArchive inner, ArchiveStall stall) : IEventArchive
    {
        public Task<AppendResult> AppendAsync(
            string customerId, long lastSequence, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken) =>
            inner.AppendAsync(customerId, lastSequence, events, cancellationToken);

        public async Task<IReadOnlyList<(long Sequence, byte[] Json)>> ReadAsync(
            string customerId, long afterSequence, int max, CancellationToken cancellationToken)
        {
            if (customerId == stall.Customer)
            {
                stall.Reached.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return await inner.ReadAsync(customerId, afterSequence, max, cancellationToken);
        }

        public Task<(long Sequence, byte[] Json)?> FindAsync(string customerId, string messageId, CancellationToken cancellationToken) =>
            inner.FindAsync(customerId, messageId, cancellationToken);

        public Task ReplaceAsync(string customerId, long sequence, byte[] json, CancellationToken cancellationToken) =>
            inner.ReplaceAsync(customerId, sequence, json, cancellationToken);

        public Task DeleteAsync(
            string customerId, IReadOnlyList<(long Sequence, string MessageId)> events, CancellationToken cancellationToken) =>
            inner.DeleteAsync(customerId, events, cancellationToken);

        public Task<long> DeleteAllAsync(string customerId, CancellationToken cancellationToken) =>
            inner.DeleteAllAsync(customerId, cancellationToken);

        public Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
            inner.DeleteReceivedBeforeAsync(cutoff, cancellationToken);
    }
}
