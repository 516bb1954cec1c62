using System.Globalization;
using Cdp.Grains.Segments;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;

namespace Cdp.UnitTests.Segments;

public sealed class LoggedIdSetTests
{
    [Fact]
    public async Task Changes_WriteOnlyTheLog_UntilItIsLongEnough_ThenTheSnapshotOnce_AndTheLogIsTrimmed()
    {
        var (storage, set, compactAt) = await OneChangeBeforeCompactionAsync();
        Assert.Equal((0, compactAt - 1, compactAt - 1), (storage.Snapshot.Writes, storage.Log.Writes, storage.Log.Stored.Changes.Count));

        await set.SetAsync("c999", present: true);

        Assert.Equal((1, compactAt), (storage.Snapshot.Writes, storage.Log.Writes));
        Assert.Equal(compactAt, storage.Snapshot.Stored.Members.Count);
        Assert.Equal(compactAt, storage.Snapshot.Stored.UpTo);
        Assert.Empty(storage.Log.Stored.Changes);
        Assert.Equal(set.Ids, (await storage.OpenAsync()).Ids);
    }

    [Fact]
    public async Task Activation_ReplaysTheLogOntoTheSnapshot_SkippingWhatTheSnapshotHolds_AndNumbersOnFromTheLast()
    {
        // A compaction whose snapshot was stored but whose trimmed log was not: entries 4 and 5 are in the snapshot.
        var storage = new Storage();
        storage.Snapshot.Stored = new SegmentMembersState { Members = ["a", "c"], UpTo = 5 };
        storage.Log.Stored = new IdSetLog
        {
            Changes = [new(4, "b", true), new(5, "c", true), new(6, "d", true), new(7, "a", false)],
        };

        var set = await storage.OpenAsync();
        Assert.Equal(["c", "d"], set.Ids);

        await set.SetAsync("e", present: true);
        Assert.Equal([new(6, "d", true), new(7, "a", false), new(8, "e", true)], storage.Log.Stored.Changes);
        Assert.Equal(["c", "d", "e"], (await storage.OpenAsync()).Ids);
    }

    [Fact]
    public async Task AFailedSnapshotWrite_FailsItsCaller_KeepsTheLog_AndTheNextChangeCompacts()
    {
        var (storage, set, compactAt) = await OneChangeBeforeCompactionAsync();

        storage.Snapshot.Gate = () => Task.FromException(new TimeoutException("storage unavailable"));
        await Assert.ThrowsAsync<TimeoutException>(() => set.SetAsync("lost-then-kept", present: true));

        // Storage holds what it held before the failed call; the change lives on in memory only.
        Assert.Equal(compactAt - 1, storage.Log.Stored.Changes.Count);
        Assert.DoesNotContain("lost-then-kept", (await storage.OpenAsync()).Ids);

        storage.Snapshot.Gate = null;
        await set.SetAsync("after", present: true);

        Assert.Equal(compactAt + 1, storage.Snapshot.Stored.Members.Count);
        Assert.Contains("lost-then-kept", (await storage.OpenAsync()).Ids);
        Assert.Empty(storage.Log.Stored.Changes);
    }

    [Fact]
    public async Task AChangeMadeWhileTheSnapshotIsWritten_StaysInTheLog_AndIsStored()
    {
        var (storage, set, compactAt) = await OneChangeBeforeCompactionAsync();

        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        storage.Snapshot.Gate = () => held.Task;
        var compacting = set.SetAsync("c998", present: true);
        var late = set.SetAsync("late", present: true);
        held.SetResult();
        await Task.WhenAll(compacting, late);

        Assert.DoesNotContain("late", storage.Snapshot.Stored.Members);
        Assert.Equal([new(compactAt + 1, "late", true)], storage.Log.Stored.Changes);
        Assert.Equal(set.Ids, (await storage.OpenAsync()).Ids);
        Assert.Equal(compactAt + 1, set.Ids.Count);
    }

    [Fact]
    public async Task ManyConcurrentChanges_AcrossActivations_StoreExactlyTheSetMade()
    {
        var random = new Random(17);
        var storage = new Storage();
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        var changes = 0;
        for (var activation = 0; activation < 5; activation++)
        {
            var set = await storage.OpenAsync();
            Assert.Equal(expected, set.Ids);
            Assert.True(storage.Log.Stored.Changes.Count < 64);
            for (var burst = 0; burst < 40; burst++)
            {
                var writes = new List<Task>();
                for (var i = 0; i < 25; i++)
                {
                    var id = $"c{random.Next(400):D3}";
                    var present = random.Next(3) > 0;
                    if (present ? expected.Add(id) : expected.Remove(id))
                    {
                        changes++;
                    }

                    writes.Add(set.SetAsync(id, present));
                }

                await Task.WhenAll(writes);
            }

        }

        // Storage answers at once here, so every write holds one change: with at most 400 ids the log is written
        // whole every 64 changes and emptied, across activations too.
        Assert.Equal(expected, (await storage.OpenAsync()).Ids);
        Assert.Equal(changes / 64, storage.Snapshot.Writes);
        Assert.Equal(changes % 64, storage.Log.Stored.Changes.Count);
    }

    [Fact]
    public async Task ALargeSet_IsStoredAcrossPages_OfOneGeneration_AndTheReplacedPagesAreRemoved()
    {
        var storage = new Storage { PageSize = 100 };
        var set = await storage.OpenAsync();

        // Compactions at 64, 128, 192 and 256 ids: one row, then two, two and three pages.
        var ids = Enumerable.Range(0, 256).Select(i => $"c{i * 7 % 256:D3}").ToList();
        foreach (var id in ids)
        {
            await set.SetAsync(id, present: true);
        }

        var head = storage.Snapshot.Stored;
        Assert.Equal((3, 256L), (head.Pages, head.UpTo));
        Assert.Empty(head.Members);
        var sorted = ids.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [sorted[..100], sorted[100..200], sorted[200..]],
            Enumerable.Range(0, 3).Select(k => storage.Pages.Rows[$"segment-members-{head.Generation:N}-{k}"].Ids));
        Assert.Equal(3, storage.Pages.Rows.Count);
        Assert.Equal((2 + 2 + 3, 2 + 2), (storage.Pages.Writes, storage.Pages.Removals));
        Assert.Equal(sorted, (await storage.OpenAsync()).Ids);
    }

    [Fact]
    public async Task ASetThatShrinksBelowAPage_GoesBackToOneRow_AndItsPagesAreRemoved()
    {
        var (storage, set) = await PagedAsync(128);

        Assert.Equal(2, storage.Snapshot.Stored.Pages);
        for (var i = 0; i < 64; i++)
        {
            await set.SetAsync($"c{i:D3}", present: false);
        }

        Assert.Equal((0, Guid.Empty), (storage.Snapshot.Stored.Pages, storage.Snapshot.Stored.Generation));
        Assert.Equal(Enumerable.Range(64, 64).Select(i => $"c{i:D3}"), storage.Snapshot.Stored.Members);
        Assert.Empty(storage.Pages.Rows);
        Assert.Equal(set.Ids, (await storage.OpenAsync()).Ids);
    }

    [Fact]
    public async Task AFailedPageWrite_FailsItsCaller_LeavesTheStoredSnapshotWhole_AndTheNextChangeCompacts()
    {
        var (storage, set) = await PagedAsync(191);

        var stored = (await storage.OpenAsync()).Ids.ToList();
        var generation = storage.Snapshot.Stored.Generation;
        storage.Pages.Gate = () => Task.FromException(new TimeoutException("storage unavailable"));
        await Assert.ThrowsAsync<TimeoutException>(() => set.SetAsync("c191", present: true));

        Assert.Equal(generation, storage.Snapshot.Stored.Generation);
        Assert.Equal(stored, (await storage.OpenAsync()).Ids);

        storage.Pages.Gate = null;
        await set.SetAsync("c192", present: true);

        Assert.NotEqual(generation, storage.Snapshot.Stored.Generation);
        Assert.Equal(2, storage.Pages.Rows.Count);
        Assert.Equal(stored.Append("c191").Append("c192"), (await storage.OpenAsync()).Ids);
    }

    [Fact]
    public async Task AFailedSnapshotWrite_AfterItsPages_KeepsThePreviousGeneration_AndOnlyThoseUnreadPagesAreLeft()
    {
        var (storage, set) = await PagedAsync(191);

        var generation = storage.Snapshot.Stored.Generation;
        storage.Snapshot.Gate = () => Task.FromException(new TimeoutException("storage unavailable"));
        await Assert.ThrowsAsync<TimeoutException>(() => set.SetAsync("c191", present: true));

        // The new pages are stored, but the snapshot row still names the previous generation, whose pages stay: an
        // activation reads its 128 ids and replays the 63 logged changes.
        Assert.Equal(generation, storage.Snapshot.Stored.Generation);
        Assert.Equal(4, storage.Pages.Rows.Count);
        Assert.Equal(191, (await storage.OpenAsync()).Ids.Count);

        storage.Snapshot.Gate = null;
        await set.SetAsync("c192", present: true);

        // The failed generation's two pages are never named again and stay; the previous generation's are removed.
        var current = storage.Snapshot.Stored.Generation;
        Assert.Equal(4, storage.Pages.Rows.Count);
        Assert.Equal(2, storage.Pages.Rows.Keys.Count(name => name.Contains($"{current:N}", StringComparison.Ordinal)));
        Assert.DoesNotContain(storage.Pages.Rows.Keys, name => name.Contains($"{generation:N}", StringComparison.Ordinal));
        Assert.Equal(193, (await storage.OpenAsync()).Ids.Count);
    }

    [Fact]
    public async Task Activation_WithAPageMissing_FailsAndNamesIt()
    {
        var (storage, set) = await PagedAsync(128);

        var generation = storage.Snapshot.Stored.Generation;
        storage.Pages.Rows.Remove($"segment-members-{generation:N}-1");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(storage.OpenAsync);
        Assert.StartsWith($"Page 1 of 2 of snapshot {generation:N} of segment-members", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_ReturnsTheIdsAfterTheCursor_UpToTheSize()
    {
        var storage = new Storage();
        storage.Snapshot.Stored = new SegmentMembersState { Members = ["a", "b", "d", "e"] };
        var set = await storage.OpenAsync();

        Assert.Equal(["a", "b"], set.Page(null, 2));
        Assert.Equal(["d", "e"], set.Page("b", 10));
        Assert.Equal(["d"], set.Page("c", 1));
        Assert.Empty(set.Page("e", 10));
    }

    [Fact]
    public void CompactionLength_GrowsWithTheSquareRootOfTheSet()
    {
        Assert.Equal(64, LoggedIdSet<SegmentMembersState>.CompactAt(0));
        Assert.Equal(64, LoggedIdSet<SegmentMembersState>.CompactAt(2_048));
        Assert.Equal(447, LoggedIdSet<SegmentMembersState>.CompactAt(100_000));
    }

    // A set of 100 ids per page holding c000, c001, … added one after another: its last compaction was at the last
    // multiple of 64.
    private static async Task<(Storage Storage, LoggedIdSet<SegmentMembersState> Set)> PagedAsync(int count)
    {
        var storage = new Storage { PageSize = 100 };
        var set = await storage.OpenAsync();
        for (var i = 0; i < count; i++)
        {
            await set.SetAsync($"c{i:D3}", present: true);
        }

        return (storage, set);
    }

    // A new, small set whose next change compacts: the log holds one change less than the compaction length.
    private static async Task<(Storage Storage, LoggedIdSet<SegmentMembersState> Set, int CompactAt)> OneChangeBeforeCompactionAsync()
    {
        var storage = new Storage();
        var set = await storage.OpenAsync();
        var compactAt = LoggedIdSet<SegmentMembersState>.CompactAt(0);
        for (var i = 0; i < compactAt - 1; i++)
        {
            await set.SetAsync($"c{i:D3}", present: true);
        }

        return (storage, set, compactAt);
    }

    /// <summary>
    /// The two stored states of one shard. <see cref="Open"/> activates a set on fresh state objects read from what is
    /// stored, as a new activation would; earlier activations keep their own.
    /// </summary>
    private sealed class Storage
    {
        public Store<SegmentMembersState> Snapshot { get; } =
            new(s => new SegmentMembersState
            {
                Members = [.. s.Members], UpTo = s.UpTo, Pages = s.Pages, Generation = s.Generation,
            }) { Stored = new() };

        public Store<IdSetLog> Log { get; } = new(s => new IdSetLog { Changes = [.. s.Changes] }) { Stored = new() };

        public PageRows Pages { get; } = new();

        public int PageSize { get; set; } = 10_000;

        public Task<LoggedIdSet<SegmentMembersState>> OpenAsync() =>
            LoggedIdSet<SegmentMembersState>.LoadAsync(
                new Activation<SegmentMembersState>(Snapshot),
                new Activation<IdSetLog>(Log),
                new IdSetPages(Pages, GrainId.Create("shard", "s1"), "segment-members", NullLogger.Instance),
                PageSize);
    }

    /// <summary>What storage holds for one state, and how writes reach it.</summary>
    private sealed class Store<T>(Func<T, T> copy)
    {
        public required T Stored { get; set; }

        public int Writes { get; set; }

        /// <summary>Awaited by each write after the state is copied and before it is stored; may throw.</summary>
        public Func<Task>? Gate { get; set; }

        public T Copy(T value) => copy(value);
    }

    /// <summary>
    /// One activation's state over a store: a write copies the state at once (as storage serializes it before its
    /// first await), passes the gate, and only then replaces what is stored.
    /// </summary>
    private sealed class Activation<T>(Store<T> store) : IPersistentState<T>
    {
        public T State { get; set; } = store.Copy(store.Stored);

        public string? Etag { get; set; }

        public bool RecordExists => true;

        public async Task WriteStateAsync()
        {
            var written = store.Copy(State);
            if (store.Gate is { } gate)
            {
                await gate();
            }

            store.Stored = written;
            store.Writes++;
        }

        public Task ReadStateAsync()
        {
            State = store.Copy(store.Stored);
            return Task.CompletedTask;
        }

        public Task ClearStateAsync() => throw new NotSupportedException("Logged id sets are never cleared.");
    }

    /// <summary>
    /// Page rows as grain storage keeps them, by state name, with a tag per write that a removal must match. A write
    /// copies the page at once (as storage serializes it before its first await), passes the gate, then stores it.
    /// </summary>
    private sealed class PageRows : IGrainStorage
    {
        private int _tags;

        public Dictionary<string, (List<string> Ids, string Tag)> Rows { get; } = [];

        public int Writes { get; private set; }

        public int Removals { get; private set; }

        public Func<Task>? Gate { get; set; }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var found = Rows.TryGetValue(stateName, out var row);
            grainState.State = found ? (T)(object)new IdSetPage { Ids = [.. row.Ids] } : default!;
            (grainState.ETag, grainState.RecordExists) = (found ? row.Tag : null, found);
            return Task.CompletedTask;
        }

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var ids = ((IdSetPage)(object)grainState.State!).Ids.ToList();
            if (Gate is { } gate)
            {
                await gate();
            }

            Assert.False(Rows.ContainsKey(stateName), $"Page {stateName} is written twice.");
            var tag = (++_tags).ToString(CultureInfo.InvariantCulture);
            Rows[stateName] = (ids, tag);
            (grainState.ETag, grainState.RecordExists) = (tag, true);
            Writes++;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            Assert.True(
                Rows.TryGetValue(stateName, out var row) && row.Tag == grainState.ETag, $"Page {stateName} removed with a stale tag.");
            Rows.Remove(stateName);
            Removals++;
            return Task.CompletedTask;
        }
    }
}
