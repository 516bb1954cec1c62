namespace Cdp.Grains.Segments;

/// <summary>The whole-set half of a logged id set's storage: the sorted ids, and the last change they hold.</summary>
internal interface IIdSetSnapshot
{
    /// <summary>Ids, sorted (ordinal).</summary>
    List<string> Ids { get; }

    /// <summary>Every change numbered up to this one is in <see cref="Ids"/>; later ones are only in the log.</summary>
    long UpTo { get; set; }
}

/// <summary>One change to a logged id set, numbered in the order it was made.</summary>
[GenerateSerializer, Alias("cdp.id-set-change")]
public readonly record struct IdSetChange(
    [property: Id(0)] long Sequence,
    [property: Id(1)] string Id,
    [property: Id(2)] bool Present);

/// <summary>The log half of a logged id set's storage: the changes made since the snapshot, oldest first.</summary>
[GenerateSerializer, Alias("cdp.id-set-log")]
public sealed class IdSetLog
{
    [Id(0)] public List<IdSetChange> Changes { get; set; } = [];
}

/// <summary>
/// A sorted set of ids kept in two grain states: a snapshot of the whole set and a log of the changes since. A change
/// writes only the log, which stays short; once the log reaches about √(2n) entries for a set of n ids, the next write
/// stores the snapshot and trims the log, so each change costs O(√n) bytes of storage writes instead of the whole set.
/// Writes are grouped (<see cref="StateWrites"/>). On activation the log is replayed onto the snapshot, skipping the
/// changes the snapshot already holds, so a crash between the two writes of a compaction loses nothing.
/// Used on the grain's own scheduler only; build it in <c>OnActivateAsync</c>, after the states are read.
/// </summary>
internal sealed class LoggedIdSet<TSnapshot>
    where TSnapshot : IIdSetSnapshot
{
    /// <summary>The log never compacts before this many changes: small sets are cheaper to log than to rewrite.</summary>
    public const int MinimumLog = 64;

    private readonly IPersistentState<TSnapshot> _snapshot;
    private readonly IPersistentState<IdSetLog> _log;
    private readonly StateWrites _writes;
    private long _sequence;

    public LoggedIdSet(IPersistentState<TSnapshot> snapshot, IPersistentState<IdSetLog> log)
    {
        _snapshot = snapshot;
        _log = log;
        _writes = new StateWrites(WriteAsync);

        var ids = snapshot.State.Ids;
        var upTo = snapshot.State.UpTo;
        var changes = log.State.Changes;
        _sequence = upTo;
        foreach (var change in changes)
        {
            if (change.Sequence > upTo)
            {
                Apply(ids, change.Id, change.Present);
                _sequence = Math.Max(_sequence, change.Sequence);
            }
        }

        changes.RemoveAll(c => c.Sequence <= upTo);
    }

    /// <summary>The ids, sorted (ordinal); read-only to callers.</summary>
    public IReadOnlyList<string> Ids => _snapshot.State.Ids;

    /// <summary>Adds or removes an id; completes once storage holds the change (or, when nothing changed, at once).</summary>
    public Task SetAsync(string id, bool present)
    {
        if (!Apply(_snapshot.State.Ids, id, present))
        {
            // Nothing to change here, but a failed write may have left an earlier change for this id unstored.
            return _writes.Unsaved ? _writes.WriteAsync() : Task.CompletedTask;
        }

        _log.State.Changes.Add(new IdSetChange(++_sequence, id, present));
        return _writes.WriteAsync();
    }

    /// <summary>Ids after <paramref name="after"/> (ordinal), at most <paramref name="size"/>.</summary>
    public string[] Page(string? after, int size)
    {
        var ids = _snapshot.State.Ids;
        var start = 0;
        if (after is not null)
        {
            var index = ids.BinarySearch(after, StringComparer.Ordinal);
            start = index >= 0 ? index + 1 : ~index;
        }

        var count = Math.Clamp(ids.Count - start, 0, size);
        var page = new string[count];
        ids.CopyTo(start, page, 0, count);
        return page;
    }

    /// <summary>The log length at which a set of <paramref name="count"/> ids is written whole.</summary>
    public static int CompactAt(int count) => Math.Max(MinimumLog, (int)Math.Sqrt(2.0 * count));

    private async Task WriteAsync()
    {
        var changes = _log.State.Changes;
        if (changes.Count >= CompactAt(_snapshot.State.Ids.Count))
        {
            // Storage serializes the state before its first await, so changes made during the write are not in it:
            // their numbers are above UpTo, and they stay in the log.
            var upTo = _sequence;
            _snapshot.State.UpTo = upTo;
            await _snapshot.WriteStateAsync();
            changes.RemoveAll(c => c.Sequence <= upTo);
        }

        await _log.WriteStateAsync();
    }

    private static bool Apply(List<string> ids, string id, bool present)
    {
        var index = ids.BinarySearch(id, StringComparer.Ordinal);
        if (present == index >= 0)
        {
            return false;
        }

        if (present)
        {
            ids.Insert(~index, id);
        }
        else
        {
            ids.RemoveAt(index);
        }

        return true;
    }
}
