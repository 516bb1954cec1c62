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

    private static async Task<List<string>> ReadAllAsync(Func<string?, int, Task<string[]>> page)
    {
        var all = new List<string>();
        string? cursor = null;
        while (true)
        {
            var ids = await page(cursor, 97);
            all.AddRange(ids);
            if (ids.Length < 97)
            {
                return all;
            }

            cursor = ids[^1];
        }
    }

    private Task<CdpTestCluster> StartAsync(string serviceId) =>
        CdpTestCluster.StartAsync(
            o =>
            {
                o.Storage.Provider = CdpStorageProvider.AzureTable;
                o.Storage.ConnectionString = azurite.ConnectionString;
            },
            serviceId);
}
