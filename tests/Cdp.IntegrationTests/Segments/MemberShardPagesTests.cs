using Cdp.Grains.Hosting;
using Cdp.Grains.Segments;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Cdp.IntegrationTests.Segments;

/// <summary>
/// A member-list shard larger than one page on the memory storage of a local silo: its snapshot goes to page rows, a
/// later snapshot removes the rows of the one it replaces, and a new activation reads the pages back.
/// </summary>
public sealed class MemberShardPagesTests
{
    [Fact]
    public async Task LargeShard_OnMemoryStorage_ReplacesItsPages_AndReadsThemBackAfterCollection()
    {
        await using var cluster = await CdpTestCluster.StartAsync(
            configureSilo: silo => silo.Services.Configure<CdpSegmentOptions>(o => o.SnapshotPageSize = 100));
        var storage = cluster.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(CdpStorageNames.Profiles);
        var key = SegmentMembers.KeyOf(TestIds.New("seg"), 0);
        var shard = cluster.Grains.GetGrain<ISegmentMembersGrain>(key);
        var grainId = shard.GetGrainId();
        var expected = new List<string>();

        await AddAsync(0, 300);
        var first = await HeadAsync();
        await AddAsync(300, 600);
        var second = await HeadAsync();

        Assert.True(first.Pages >= 2, $"{first.Pages} pages after 300 members");
        Assert.NotEqual(first.Generation, second.Generation);
        Assert.False(await PageExistsAsync(first.Generation, 0));
        Assert.True(await PageExistsAsync(second.Generation, second.Pages - 1));

        await cluster.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(expected, await ReadAllAsync());

        async Task AddAsync(int from, int to)
        {
            foreach (var chunk in Enumerable.Range(from, to - from).Select(i => $"cust-{i:D4}").Chunk(50))
            {
                await Task.WhenAll(chunk.Select(id => shard.SetAsync(id, true)));
                expected.AddRange(chunk);
            }
        }

        async Task<SegmentMembersState> HeadAsync()
        {
            var head = new GrainState<SegmentMembersState>(new SegmentMembersState());
            await storage.ReadStateAsync("segment-members", grainId, head);
            return head.State ?? throw new InvalidOperationException("The shard has no stored snapshot.");
        }

        async Task<bool> PageExistsAsync(Guid generation, int page)
        {
            var state = new GrainState<IdSetPage>(new IdSetPage());
            await storage.ReadStateAsync($"segment-members-{generation:N}-{page}", grainId, state);
            return state.RecordExists;
        }

        async Task<List<string>> ReadAllAsync()
        {
            var all = new List<string>();
            string? cursor = null;
            string[] page;
            do
            {
                page = await shard.GetPageAsync(cursor, 250);
                all.AddRange(page);
                cursor = page.LastOrDefault();
            }
            while (page.Length == 250);

            return all;
        }
    }
}
