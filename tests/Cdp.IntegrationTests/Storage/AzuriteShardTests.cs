using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Cdp.Grains.Hosting;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Storage;

/// <summary>
/// Member-list and customer-index shards on Azure Table storage (Azurite): each keeps a snapshot and a log of changes
/// in two rows, compacts now and then, and an activation after a restart replays the log onto the snapshot.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteShardTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task MemberShard_ThousandsOfConcurrentChanges_ExactMembersAfterASiloRestart()
    {
        var serviceId = TestIds.New("shard");
        var key = SegmentMembers.KeyOf(TestIds.New("seg"), 3);
        var random = new Random(23);
        var expected = new SortedSet<string>(StringComparer.Ordinal);

        await using (var before = await StartAsync(serviceId))
        {
            var shard = before.Grains.GetGrain<ISegmentMembersGrain>(key);

            // Bursts of concurrent calls, each burst for distinct customers, so the outcome does not hang on arrival
            // order; 2,000 calls over 500 customers make many compactions of a shard that grows and shrinks.
            for (var burst = 0; burst < 40; burst++)
            {
                var calls = new List<Task>();
                foreach (var customer in Enumerable.Range(0, 500).OrderBy(_ => random.Next()).Take(50))
                {
                    var id = $"cust-{customer:D3}";
                    var member = random.Next(3) > 0;
                    _ = member ? expected.Add(id) : expected.Remove(id);
                    calls.Add(shard.SetAsync(id, member));
                }

                await Task.WhenAll(calls);
            }

            Assert.Equal(expected, await ReadAllAsync(shard.GetPageAsync));
            await before.StopAsync();
        }

        await using var after = await StartAsync(serviceId);
        var restored = after.Grains.GetGrain<ISegmentMembersGrain>(key);
        Assert.Equal(expected, await ReadAllAsync(restored.GetPageAsync));

        // The restored shard goes on numbering its changes after the ones it replayed.
        await restored.SetAsync("cust-new", true);
        await restored.SetAsync(expected.Min!, false);
        expected.Add("cust-new");
        expected.Remove(expected.Min!);
        await after.StopAsync();

        await using var again = await StartAsync(serviceId);
        Assert.Equal(expected, await ReadAllAsync(again.Grains.GetGrain<ISegmentMembersGrain>(key).GetPageAsync));
    }

    [Fact]
    public async Task CustomerIndexShard_ConcurrentAdditions_ExactCountAndPagesAfterASiloRestart()
    {
        var serviceId = TestIds.New("index");
        var shardKey = Random.Shared.NextInt64(1_000_000, long.MaxValue);
        var run = TestIds.New("c");
        var expected = Enumerable.Range(0, 700).Select(i => $"{run}-{i:D4}").Order(StringComparer.Ordinal).ToList();

        await using (var before = await StartAsync(serviceId))
        {
            var shard = before.Grains.GetGrain<ICustomerIndexGrain>(shardKey);
            foreach (var chunk in expected.Chunk(100))
            {
                // Each customer twice: the second call finds it present and changes nothing.
                await Task.WhenAll(chunk.Concat(chunk).Select(shard.AddAsync));
            }

            await before.StopAsync();
        }

        await using var after = await StartAsync(serviceId);
        var restored = after.Grains.GetGrain<ICustomerIndexGrain>(shardKey);
        Assert.Equal(expected.Count, await restored.CountAsync());
        Assert.Equal(expected, await ReadAllAsync(restored.GetPageAsync));
    }

    [Fact]
    public async Task MemberShard_LargerThanOnePage_IsStoredAcrossRows_AndOnlyTheCurrentPagesStay()
    {
        var serviceId = TestIds.New("pages");
        var segment = TestIds.New("seg");
        var key = SegmentMembers.KeyOf(segment, 5);
        var expected = Enumerable.Range(0, 700).Select(i => $"cust-{i:D4}").ToList();

        await using (var before = await StartAsync(serviceId, pageSize: 100))
        {
            var shard = before.Grains.GetGrain<ISegmentMembersGrain>(key);
            foreach (var chunk in expected.Chunk(50))
            {
                await Task.WhenAll(chunk.Select(id => shard.SetAsync(id, true)));
            }

            // Back below one page: once a compaction writes the snapshot as one row again, the pages go. 128 changes
            // one after another make at least one compaction after the set is small.
            await Task.WhenAll(expected.Skip(60).Select(id => shard.SetAsync(id, false)));
            expected = expected[..60];
            await ToggleAsync(shard, "cust-toggled", 128);
            Assert.Empty(await PageRowsAsync(serviceId));

            foreach (var chunk in Enumerable.Range(700, 500).Select(i => $"cust-{i:D4}").Chunk(50))
            {
                await Task.WhenAll(chunk.Select(id => shard.SetAsync(id, true)));
                expected.AddRange(chunk);
            }

            await ToggleAsync(shard, "cust-toggled", 128);
            await before.StopAsync();
        }

        // 560 or 561 ids at the last compaction: six rows of one generation, every earlier generation removed.
        var rows = await PageRowsAsync(serviceId);
        Assert.Equal(6, rows.Count);
        Assert.Single(rows.Select(r => r[..r.LastIndexOf('-')]).Distinct());

        await using var after = await StartAsync(serviceId, pageSize: 100);
        Assert.Equal(expected, await ReadAllAsync(after.Grains.GetGrain<ISegmentMembersGrain>(key).GetPageAsync));
    }

    [Fact]
    public async Task CustomerIndexShard_BeyondWhatOneTableRowHolds_KeepsEveryCustomerAcrossARestart()
    {
        // One table row holds about 25,000 customer ids; 30,000 with the default page size take three rows.
        var serviceId = TestIds.New("big");
        var shardKey = Random.Shared.NextInt64(1_000_000, long.MaxValue);
        var expected = Enumerable.Range(0, 30_000).Select(_ => "c" + Guid.NewGuid().ToString("N"))
            .Order(StringComparer.Ordinal).ToList();

        await using (var before = await StartAsync(serviceId))
        {
            var shard = before.Grains.GetGrain<ICustomerIndexGrain>(shardKey);
            foreach (var chunk in expected.Chunk(2_000))
            {
                await Task.WhenAll(chunk.Select(shard.AddAsync));
            }

            await before.StopAsync();
        }

        await using var after = await StartAsync(serviceId);
        var restored = after.Grains.GetGrain<ICustomerIndexGrain>(shardKey);
        Assert.Equal(expected.Count, await restored.CountAsync());
        Assert.Equal(expected, await ReadAllAsync(restored.GetPageAsync, 5_000));
    }

    private static async Task<List<string>> ReadAllAsync(Func<string?, int, Task<string[]>> page, int size = 97)
    {
        var all = new List<string>();
        string? cursor = null;
        while (true)
        {
            var ids = await page(cursor, size);
            all.AddRange(ids);
            if (ids.Length < size)
            {
                return all;
            }

            cursor = ids[^1];
        }
    }

    /// <summary>Adds and removes one id, one call after another, <paramref name="times"/> changes in all.</summary>
    private static async Task ToggleAsync(ISegmentMembersGrain shard, string id, int times)
    {
        for (var i = 0; i < times; i++)
        {
            await shard.SetAsync(id, i % 2 == 0);
        }
    }

    /// <summary>The row keys of the member-list page rows in the state table of a service that has one shard.</summary>
    private async Task<List<string>> PageRowsAsync(string serviceId)
    {
        var table = new TableClient(azurite.ConnectionString, new CdpSiloOptions().Storage.StateTable);
        var rows = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
        {
            if (row.PartitionKey.StartsWith(serviceId + "_segmentmembers_", StringComparison.Ordinal)
                && row.RowKey.StartsWith("segment-members-", StringComparison.Ordinal)
                && row.RowKey != "segment-members-log")
            {
                rows.Add(row.RowKey);
            }
        }

        return rows;
    }

    private Task<CdpTestCluster> StartAsync(string serviceId, int? pageSize = null) =>
        CdpTestCluster.StartAsync(
            o =>
            {
                o.Storage.Provider = CdpStorageProvider.AzureTable;
                o.Storage.ConnectionString = azurite.ConnectionString;
            },
            serviceId,
            configureSilo: silo =>
            {
                if (pageSize is { } size)
                {
                    silo.Services.Configure<CdpSegmentOptions>(o => o.SnapshotPageSize = size);
                }
            });
}
