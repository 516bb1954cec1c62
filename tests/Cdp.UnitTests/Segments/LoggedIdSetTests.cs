using Cdp.Grains.Segments;

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
        Assert.Equal(set.Ids, storage.Open().Ids);
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

        var set = storage.Open();
        Assert.Equal(["c", "d"], set.Ids);

        await set.SetAsync("e", present: true);
        Assert.Equal([new(6, "d", true), new(7, "a", false), new(8, "e", true)], storage.Log.Stored.Changes);
        Assert.Equal(["c", "d", "e"], storage.Open().Ids);
    }

    [Fact]
    public async Task AFailedSnapshotWrite_FailsItsCaller_KeepsTheLog_AndTheNextChangeCompacts()
    {
        var (storage, set, compactAt) = await OneChangeBeforeCompactionAsync();

        storage.Snapshot.Gate = () => Task.FromException(new TimeoutException("storage unavailable"));
        await Assert.ThrowsAsync<TimeoutException>(() => set.SetAsync("lost-then-kept", present: true));

        // Storage holds what it held before the failed call; the change lives on in memory only.
        Assert.Equal(compactAt - 1, storage.Log.Stored.Changes.Count);
        Assert.DoesNotContain("lost-then-kept", storage.Open().Ids);

        storage.Snapshot.Gate = null;
        await set.SetAsync("after", present: true);

        Assert.Equal(compactAt + 1, storage.Snapshot.Stored.Members.Count);
        Assert.Contains("lost-then-kept", storage.Open().Ids);
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
        Assert.Equal(set.Ids, storage.Open().Ids);
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
            var set = storage.Open();
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
        Assert.Equal(expected, storage.Open().Ids);
        Assert.Equal(changes / 64, storage.Snapshot.Writes);
        Assert.Equal(changes % 64, storage.Log.Stored.Changes.Count);
    }

    [Fact]
    public void Page_ReturnsTheIdsAfterTheCursor_UpToTheSize()
    {
        var storage = new Storage();
        storage.Snapshot.Stored = new SegmentMembersState { Members = ["a", "b", "d", "e"] };
        var set = storage.Open();

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

    // A new, small set whose next change compacts: the log holds one change less than the compaction length.
    private static async Task<(Storage Storage, LoggedIdSet<SegmentMembersState> Set, int CompactAt)> OneChangeBeforeCompactionAsync()
    {
        var storage = new Storage();
        var set = storage.Open();
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
            new(s => new SegmentMembersState { Members = [.. s.Members], UpTo = s.UpTo }) { Stored = new() };

        public Store<IdSetLog> Log { get; } = new(s => new IdSetLog { Changes = [.. s.Changes] }) { Stored = new() };

        public LoggedIdSet<SegmentMembersState> Open() => new(new Activation<SegmentMembersState>(Snapshot), new Activation<IdSetLog>(Log));
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
}
