using System.Diagnostics;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Cdp.Client;
using Cdp.Grains.Hosting;
using Cdp.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cdp.IntegrationTests.Privacy;

/// <summary>Export and erasure on Azure Table storage (Azurite), checked against the bytes the storage account holds.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuritePrivacyTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string Officer = "privacy officer";

    [Fact]
    public async Task Export_OfAMergedProfile_HoldsTheProfileAndEveryArchivedEventExactly()
    {
        await using var cluster = await StartAsync();
        var person = new Person();
        var sent = person.Story();
        var receipts = await SendOneByOneAsync(cluster.Client, sent);

        var export = await cluster.Client.ExportAsync(person.Crm);

        Assert.NotNull(export);
        Assert.Equal((receipts[0].CustomerId, person.Crm), (export.Profile.CustomerId, export.Identifier));
        Assert.Equal([receipts[2].CustomerId], export.Profile.Absorbed);
        Assert.Equal(sent.Select(e => e.MessageId), export.Events.Select(e => e.Event.MessageId).Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(1, sent.Count).Select(i => (long)i), export.Events.Select(e => e.Sequence));
        var page = await cluster.Client.GetEventsAsync(person.Crm, pageSize: 100);
        Assert.Equal(page.Events.Select(e => (e.Sequence, e.Event.MessageId)), export.Events.Select(e => (e.Sequence, e.Event.MessageId)));

        using var buffer = new MemoryStream();
        export.WriteJson(buffer);
        using var json = JsonDocument.Parse(buffer.ToArray());
        var root = json.RootElement;
        Assert.Equal(export.RequestId, root.GetProperty("requestId").GetString());
        Assert.Equal(receipts[0].CustomerId, root.GetProperty("profile").GetProperty("customerId").GetString());
        Assert.Equal(person.Name, root.GetProperty("profile").GetProperty("traits").GetProperty("name").GetProperty("value").GetString());
        Assert.Equal(
            export.Events.Select(e => e.Event.MessageId),
            root.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetProperty("messageId").GetString()));

        var audit = (await cluster.Client.GetPrivacyAuditAsync()).Single(e => e.RequestId == export.RequestId);
        Assert.Equal(
            new PrivacyAuditEntry
            {
                RequestId = export.RequestId,
                Kind = PrivacyRequestKind.Export,
                RequestedBy = "tests",
                RequestedAt = audit.RequestedAt,
                Outcome = PrivacyRequestStatus.Completed,
                Duration = audit.Duration,
                IdentifierHash = PrivacyTestSupport.Hash(person.Crm),
                CustomerId = receipts[0].CustomerId,
                Events = sent.Count,
            },
            audit);
        Assert.InRange(audit.RequestedAt, export.ExportedAt - audit.Duration, export.ExportedAt);
    }

    [Fact]
    public async Task Erasure_OfAMergedProfile_LeavesNoIdentifierOrTraitInAnyStore_NotifiesAndSuppresses()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client;
        var person = new Person();
        var receipts = await SendOneByOneAsync(client, person.Story());
        var (survivor, absorbed) = (receipts[0].CustomerId, receipts[2].CustomerId);
        await PlantCanariesAsync();

        // The scan finds what is stored: before the erasure, every needle (and the canaries in a blob and a queue).
        var before = await StorageScan.FindAsync(azurite.ConnectionString, [.. person.Needles, CanaryBlob, CanaryQueue]);
        Assert.Equal(
            person.Needles.Append(CanaryBlob).Append(CanaryQueue).Order(StringComparer.Ordinal),
            before.Select(f => f.Split(" @ ")[0]).Distinct().Order(StringComparer.Ordinal));

        var (notice, subscription) = await PrivacyTestSupport.SubscribeAsync(cluster, () => survivor);
        var result = await client.EraseAsync(person.Email, Officer);
        output.WriteLine($"Erased a merged profile of 5 events in {result.Duration.TotalMilliseconds:0} ms.");

        Assert.Equal(
            new ErasureResult
            {
                RequestId = result.RequestId,
                Status = PrivacyRequestStatus.Completed,
                CustomerId = survivor,
                EventsErased = 5,
                IdentifiersErased = 3,
                CustomersErased = 2,
                RequestedAt = result.RequestedAt,
                CompletedAt = result.CompletedAt,
                Duration = result.CompletedAt!.Value - result.RequestedAt,
            },
            result);
        Assert.Equal(result, await client.GetPrivacyRequestAsync(result.RequestId));

        var after = await StorageScan.FindAsync(azurite.ConnectionString, person.Needles);
        Assert.Empty(after);
        foreach (var id in new[] { person.Email, person.User, person.Crm })
        {
            Assert.Null(await client.GetProfileAsync(id));
            Assert.Null(await client.ExplainAsync(id));
            Assert.Null(await cluster.Grains.GetGrain<IIdentityGrain>(IdentityKeys.Of(id)).GetCustomerAsync());
        }

        var hashes = new[] { person.Email, person.User, person.Crm }
            .Select(id => PrivacyTestSupport.Hash(id)).Order(StringComparer.Ordinal);
        var received = await notice.WaitAsync(TimeSpan.FromSeconds(30));
        await subscription.UnsubscribeAsync();
        Assert.Equal((1, result.RequestId, survivor), (received.Version, received.RequestId, received.CustomerId));
        Assert.Equal([absorbed], received.MergedCustomerIds);
        Assert.Equal(hashes, received.IdentifierHashes);
        Assert.InRange(received.ErasedAt, result.RequestedAt, result.CompletedAt.Value);

        var audit = (await client.GetPrivacyAuditAsync()).Single(e => e.RequestId == result.RequestId);
        Assert.Equal(
            new PrivacyAuditEntry
            {
                RequestId = result.RequestId,
                Kind = PrivacyRequestKind.Erasure,
                RequestedBy = Officer,
                RequestedAt = result.RequestedAt,
                Outcome = PrivacyRequestStatus.Completed,
                Duration = result.Duration,
                IdentifierHash = PrivacyTestSupport.Hash(person.Email),
                CustomerId = survivor,
                Events = 5,
            },
            audit);

        // Later events that carry an erased identifier are dropped, alone or beside a new identifier.
        var again = await client.TrackAsync(person.Email, "Came Back");
        var mixed = await client.TrackAsync(CustomerRef.User(TestIds.New("someone-new")).And(person.Crm.Type, person.Crm.Value), "Linked");
        Assert.Equal(new EventReceipt(again.MessageId, "", false, Suppressed: true), again);
        Assert.Equal(new EventReceipt(mixed.MessageId, "", false, Suppressed: true), mixed);
        Assert.Empty(await StorageScan.FindAsync(azurite.ConnectionString, person.Needles));

        // Asking again finds nothing: the identifier is gone.
        var repeated = await client.EraseAsync(person.Email, Officer);
        Assert.Equal((PrivacyRequestStatus.NothingFound, null, 0L), (repeated.Status, repeated.CustomerId, repeated.EventsErased));
    }

    [Fact]
    public async Task Erasure_WithFreshStartsAllowed_LetsTheIdentifierStartANewEmptyProfile()
    {
        await using var cluster = await StartAsync(o => o.Privacy.AfterErasure = AfterErasure.AllowFreshStart);
        var person = new Person();
        var first = await cluster.Client.IdentifyAsync(person.Email, new() { ["name"] = person.Name });

        var result = await cluster.Client.EraseAsync(person.Email, Officer);
        var fresh = await cluster.Client.TrackAsync(person.Email, "Signed Up Again");

        Assert.Equal((PrivacyRequestStatus.Completed, 1L, 1), (result.Status, result.EventsErased, result.IdentifiersErased));
        Assert.False(fresh.Suppressed);
        Assert.NotEqual(first.CustomerId, fresh.CustomerId);
        var profile = await cluster.Client.GetProfileAsync(person.Email);
        Assert.Equal((fresh.CustomerId, 1L, 0), (profile!.CustomerId, profile.EventCount, profile.Traits.Count));
        var record = await cluster.Grains.GetGrain<ISuppressionGrain>(PrivacyTestSupport.Hash(person.Email)).GetAsync();
        Assert.Equal<(string?, bool)>((null, false), record);

        // A device claimed for the erased customer by a lookup made before the erasure starts afresh too.
        var device = new ExternalId(IdentifierTypes.DeviceId, $"device-{Guid.NewGuid():N}");
        await cluster.Grains.GetGrain<IIdentityGrain>(IdentityKeys.Of(device)).ClaimAsync(first.CustomerId);
        var returning = await cluster.Client.TrackAsync(device, "App Opened");
        Assert.False(returning.Suppressed);
        Assert.NotEqual(first.CustomerId, returning.CustomerId);
        Assert.Equal(returning.CustomerId, await cluster.Grains.GetGrain<IIdentityGrain>(IdentityKeys.Of(device)).GetCustomerAsync());
        Assert.Null(await cluster.Grains.GetGrain<ICustomerGrain>(first.CustomerId).GetProfileAsync());
    }

    [Fact]
    public async Task Erasure_ThenEventsLookedUpBeforeIt_AreDropped_AndTheirNewIdentifierIsErasedAndSuppressed()
    {
        await using var cluster = await StartAsync();
        var person = new Person();
        var device = new ExternalId(IdentifierTypes.DeviceId, $"device-{Guid.NewGuid():N}");
        var customer = (await cluster.Client.IdentifyAsync(person.Email, new() { ["name"] = person.Name })).CustomerId;

        // An event with the email and a device seen for the first time was looked up before the erasure: the lookup
        // claimed the device for the customer, and the event has not reached it yet.
        await cluster.Grains.GetGrain<IIdentityGrain>(IdentityKeys.Of(device)).ClaimAsync(customer);
        var result = await cluster.Client.EraseAsync(person.Email, Officer);
        Assert.Equal((PrivacyRequestStatus.Completed, customer), (result.Status, result.CustomerId));

        // Now it arrives, as routed then; and a later event with the device alone finds the device's stale record.
        var late = new CdpEvent
        {
            Type = EventType.Identify, Identifiers = [person.Email, device], MessageId = TestIds.New("late"),
            ReceivedAt = DateTimeOffset.UtcNow, Traits = new() { ["phone"] = person.Phone },
        };
        var outcome = await cluster.Grains.GetGrain<ICustomerGrain>(customer).ApplyAsync([late], null);
        var later = await cluster.Client.IdentifyAsync(device, new() { ["phone"] = person.Phone });

        Assert.Equal((false, true), (outcome.Applied[0], outcome.IsDropped(0)));
        Assert.Equal(new EventReceipt(later.MessageId, "", false, Suppressed: true), later);
        Assert.Null(await cluster.Grains.GetGrain<ICustomerGrain>(customer).GetProfileAsync());
        Assert.Empty((await cluster.Grains.GetGrain<ICustomerGrain>(customer).GetEventsAsync(0, 100)).Events);
        Assert.Null(await cluster.Grains.GetGrain<IIdentityGrain>(IdentityKeys.Of(device)).GetCustomerAsync());
        var record = await cluster.Grains.GetGrain<ISuppressionGrain>(PrivacyTestSupport.Hash(device)).GetAsync();
        Assert.Equal<(string?, bool)>((result.RequestId, false), record);
        Assert.Empty(await StorageScan.FindAsync(azurite.ConnectionString, [.. person.Needles, device.Value]));
    }

    [Fact]
    public async Task Erasure_OfAnUnknownIdentifier_IsNothingFound_AndChangesNoCustomerData()
    {
        await using var cluster = await StartAsync();
        var person = new Person();
        await SendOneByOneAsync(cluster.Client, person.Story());
        var before = await SnapshotAsync();

        var nobody = new ExternalId(IdentifierTypes.Email, $"nobody.{Guid.NewGuid():N}@example.com");
        var result = await cluster.Client.EraseAsync(nobody, Officer);

        Assert.Equal(
            new ErasureResult
            {
                RequestId = result.RequestId,
                Status = PrivacyRequestStatus.NothingFound,
                RequestedAt = result.RequestedAt,
                CompletedAt = result.CompletedAt,
                Duration = result.CompletedAt!.Value - result.RequestedAt,
            },
            result);
        var after = await SnapshotAsync();

        // The only rows written are the request's own record and the audit log's.
        var changed = after.Except(before).Select(r => r.Split('|')[0] + "|" + r.Split('|')[1]).ToList();
        Assert.Equal(2, changed.Count);
        Assert.Single(changed, r => r.Contains("privacycoordinator", StringComparison.OrdinalIgnoreCase));
        Assert.Single(changed, r => r.Contains("privacyaudit", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(before.Except(after), r => !r.Contains("privacyaudit", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(5L, (await cluster.Client.GetProfileAsync(person.Crm))!.EventCount);
        var audit = (await cluster.Client.GetPrivacyAuditAsync()).Single(e => e.RequestId == result.RequestId);
        Assert.Equal((PrivacyRequestStatus.NothingFound, (string?)null, 0L), (audit.Outcome, audit.CustomerId, audit.Events));
    }

    [Fact]
    public async Task Erasure_OfTenThousandArchivedEvents_CompletesAndEmptiesThePartition()
    {
        await using var cluster = await StartAsync();
        var person = new Person();
        var events = Enumerable.Range(0, 10_000).Select(i => new CdpEvent
        {
            Type = EventType.Track,
            Event = "Page Scrolled",
            Identifiers = [person.User],
            MessageId = $"{person.User.Value}-{i}",
            Properties = new() { ["depth"] = i % 100 },
        }).ToList();
        var sending = Stopwatch.StartNew();
        var receipts = new List<EventReceipt>();
        foreach (var batch in events.Chunk(500))
        {
            receipts.AddRange(await cluster.Client.SendBatchAsync(batch));
        }

        var customerId = receipts[0].CustomerId;
        output.WriteLine($"Sent 10,000 events in {sending.Elapsed.TotalSeconds:0.0} s.");

        var erasing = Stopwatch.StartNew();
        var result = await cluster.Client.EraseAsync(person.User, Officer);
        erasing.Stop();
        output.WriteLine(
            $"Erased a profile of 10,000 archived events in {erasing.Elapsed.TotalSeconds:0.00} s " +
            $"(request duration {result.Duration.TotalSeconds:0.00} s).");

        Assert.Equal((PrivacyRequestStatus.Completed, customerId, 10_000L), (result.Status, result.CustomerId, result.EventsErased));
        var archive = new TableServiceClient(azurite.ConnectionString).GetTableClient("CdpEventArchive");
        var left = 0;
        await foreach (var _ in archive.QueryAsync<TableEntity>(e => e.PartitionKey == customerId, select: ["RowKey"]))
        {
            left++;
        }

        Assert.Equal(0, left);
    }

    private const string CanaryBlob = "canary-in-a-blob";
    private const string CanaryQueue = "canary-in-a-queue";

    // A blob and a queue message of known content show that the scan reads containers and queues too.
    private async Task PlantCanariesAsync()
    {
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("privacy-scan-canary");
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient("canary.txt").UploadAsync(BinaryData.FromString(CanaryBlob), overwrite: true);
        var queue = new QueueServiceClient(azurite.ConnectionString).GetQueueClient("privacy-scan-canary");
        await queue.CreateIfNotExistsAsync();
        await queue.ClearMessagesAsync();
        await queue.SendMessageAsync(CanaryQueue);
    }

    // Every row of every table, as "table|partition|row|timestamp".
    private async Task<HashSet<string>> SnapshotAsync()
    {
        var rows = new HashSet<string>(StringComparer.Ordinal);
        var tables = new TableServiceClient(azurite.ConnectionString);
        await foreach (var table in tables.QueryAsync())
        {
            await foreach (var entity in tables.GetTableClient(table.Name).QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
            {
                rows.Add($"{table.Name}|{entity.PartitionKey}|{entity.RowKey}|{entity.Timestamp:O}");
            }
        }

        return rows;
    }

    private static async Task<List<EventReceipt>> SendOneByOneAsync(ICdpClient client, List<CdpEvent> events)
    {
        var receipts = new List<EventReceipt>();
        foreach (var evt in events)
        {
            receipts.Add(await client.SendAsync(evt));
        }

        return receipts;
    }

    private Task<CdpTestCluster> StartAsync(Action<CdpSiloOptions>? configure = null) =>
        CdpTestCluster.StartAsync(
            o =>
            {
                o.Storage.Provider = CdpStorageProvider.AzureTable;
                o.Storage.ConnectionString = azurite.ConnectionString;
                configure?.Invoke(o);
            },
            TestIds.New("privacy"));
}
