using System.Globalization;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Cdp.Grains.Segments;

/// <summary>
/// The whole-set half of a logged id set's storage: the sorted ids (in this row for a small set, in pages of their
/// own for a large one), and the last change they hold.
/// </summary>
internal interface IIdSetSnapshot
{
    /// <summary>Ids, sorted (ordinal), when the set fits one page; empty when <see cref="Pages"/> is above zero.</summary>
    List<string> Ids { get; set; }

    /// <summary>Every change numbered up to this one is in the snapshot; later ones are only in the log.</summary>
    long UpTo { get; set; }

    /// <summary>How many pages of <see cref="Generation"/> hold the ids; zero when they are in <see cref="Ids"/>.</summary>
    int Pages { get; set; }

    /// <summary>Names the pages of the current snapshot; every compaction that writes pages starts a new one.</summary>
    Guid Generation { get; set; }
}

/// <summary>One change to a logged id set, numbered in the order it was made.</summary>
[GenerateSerializer, Alias("cdp.id-set-change")]
public readonly record struct IdSetChange(
    [property: Id(0)] long Sequence,
    [property: Id(1)] string Id,
    [property: Id(2)] bool Present);

/// <summary>One page of a large snapshot: a run of its sorted ids.</summary>
[GenerateSerializer, Alias("cdp.id-set-page")]
public sealed class IdSetPage
{
    [Id(0)] public List<string> Ids { get; set; } = [];
}

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
/// A snapshot of more than one page of ids is split across rows of its own (<see cref="IdSetPages"/>), written under a
/// new generation before the snapshot row points at it, so no set outgrows a storage row and a crash mid-compaction
/// leaves the previous snapshot whole. Writes are grouped (<see cref="StateWrites"/>). On activation the log is
/// replayed onto the snapshot, skipping the changes the snapshot already holds, so a crash between the writes of a
/// compaction loses nothing. Used on the grain's own scheduler only; load it in <c>OnActivateAsync</c>.
/// </summary>
internal sealed class LoggedIdSet<TSnapshot>
    where TSnapshot : IIdSetSnapshot
{
    /// <summary>The log never compacts before this many changes: small sets are cheaper to log than to rewrite.</summary>
    public const int MinimumLog = 64;

    private readonly IPersistentState<TSnapshot> _snapshot;
    private readonly IPersistentState<IdSetLog> _log;
    private readonly IdSetPages _pages;
    private readonly int _pageSize;
    private readonly StateWrites _writes;
    private readonly List<string> _ids;
    private string?[] _pageTags;
    private long _sequence;

    private LoggedIdSet(
        IPersistentState<TSnapshot> snapshot, IPersistentState<IdSetLog> log, IdSetPages pages, int pageSize,
        List<string> ids, string?[] pageTags)
    {
        _snapshot = snapshot;
        _log = log;
        _pages = pages;
        _pageSize = pageSize;
        _ids = ids;
        _pageTags = pageTags;
        _writes = new StateWrites(WriteAsync);

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
    public IReadOnlyList<string> Ids => _ids;

    /// <summary>
    /// Builds the set from its stored states (already read, as Orleans does before activation) and, for a large
    /// snapshot, its pages; a snapshot of at most <paramref name="pageSize"/> ids is written in its own row.
    /// </summary>
    public static async Task<LoggedIdSet<TSnapshot>> LoadAsync(
        IPersistentState<TSnapshot> snapshot, IPersistentState<IdSetLog> log, IdSetPages pages, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var head = snapshot.State;
        if (head.Pages == 0)
        {
            return new LoggedIdSet<TSnapshot>(snapshot, log, pages, pageSize, head.Ids, []);
        }

        var (ids, tags) = await pages.ReadAsync(head.Generation, head.Pages);
        return new LoggedIdSet<TSnapshot>(snapshot, log, pages, pageSize, ids, tags);
    }

    /// <summary>Adds or removes an id; completes once storage holds the change (or, when nothing changed, at once).</summary>
    public Task SetAsync(string id, bool present)
    {
        if (!Apply(_ids, id, present))
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
        var start = 0;
        if (after is not null)
        {
            var index = _ids.BinarySearch(after, StringComparer.Ordinal);
            start = index >= 0 ? index + 1 : ~index;
        }

        var count = Math.Clamp(_ids.Count - start, 0, size);
        var page = new string[count];
        _ids.CopyTo(start, page, 0, count);
        return page;
    }

    /// <summary>The log length at which a set of <paramref name="count"/> ids is written whole.</summary>
    public static int CompactAt(int count) => Math.Max(MinimumLog, (int)Math.Sqrt(2.0 * count));

    private async Task WriteAsync()
    {
        var changes = _log.State.Changes;
        if (changes.Count >= CompactAt(_ids.Count))
        {
            // The snapshot is taken before the first await, so changes made during the writes are not in it: their
            // numbers are above UpTo, and they stay in the log.
            var upTo = _sequence;
            await WriteSnapshotAsync(upTo);
            changes.RemoveAll(c => c.Sequence <= upTo);
        }

        await _log.WriteStateAsync();
    }

    private async Task WriteSnapshotAsync(long upTo)
    {
        var head = _snapshot.State;
        var before = (head.Ids, head.UpTo, head.Pages, head.Generation);
        var oldTags = _pageTags;
        string?[] newTags = [];
        if (_ids.Count <= _pageSize)
        {
            // Storage serializes the state before its first await, so the live list can be the one written.
            (head.Ids, head.Pages, head.Generation) = (_ids, 0, Guid.Empty);
        }
        else
        {
            var generation = Guid.NewGuid();
            var pages = new List<string>[(_ids.Count + _pageSize - 1) / _pageSize];
            for (var k = 0; k < pages.Length; k++)
            {
                pages[k] = _ids.GetRange(k * _pageSize, Math.Min(_pageSize, _ids.Count - (k * _pageSize)));
            }

            // Pages first, under a name no earlier snapshot used; until the snapshot row points at them they are
            // unread, so a failure here (or a crash) leaves the stored snapshot as it was.
            newTags = await _pages.WriteAsync(generation, pages);
            (head.Ids, head.Pages, head.Generation) = ([], pages.Length, generation);
        }

        head.UpTo = upTo;
        try
        {
            await _snapshot.WriteStateAsync();
        }
        catch
        {
            // The stored row may hold either snapshot now, so neither generation's pages can be removed.
            (head.Ids, head.UpTo, head.Pages, head.Generation) = before;
            throw;
        }

        _pageTags = newTags;
        if (oldTags.Length > 0)
        {
            await _pages.RemoveAsync(before.Generation, oldTags);
        }
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

/// <summary>
/// The rows a large snapshot of a logged id set is split across, in the grain's own storage: page k of generation g
/// is the state <c>{prefix}-{g}-{k}</c>. Each page holds a run of the sorted ids, so a set never outgrows a row.
/// </summary>
internal sealed partial class IdSetPages(IGrainStorage storage, GrainId grainId, string prefix, ILogger logger)
{
    /// <summary>Reads every page of a generation, in order; throws if one is missing (the snapshot row names them).</summary>
    public async Task<(List<string> Ids, string?[] Tags)> ReadAsync(Guid generation, int count)
    {
        var states = new GrainState<IdSetPage>[count];
        var reads = new Task[count];
        for (var k = 0; k < count; k++)
        {
            states[k] = new GrainState<IdSetPage>(new IdSetPage());
            reads[k] = storage.ReadStateAsync(Name(generation, k), grainId, states[k]);
        }

        await Task.WhenAll(reads);
        var ids = new List<string>(states.Sum(s => s.State?.Ids.Count ?? 0));
        var tags = new string?[count];
        for (var k = 0; k < count; k++)
        {
            if (!states[k].RecordExists || states[k].State is not { } page)
            {
                throw new InvalidOperationException(
                    $"Page {k} of {count} of snapshot {generation:N} of {prefix} {grainId} is missing from storage.");
            }

            ids.AddRange(page.Ids);
            tags[k] = states[k].ETag;
        }

        return (ids, tags);
    }

    /// <summary>Writes the pages of a new generation (all at once); returns their storage tags, for removal later.</summary>
    public async Task<string?[]> WriteAsync(Guid generation, List<string>[] pages)
    {
        var states = new GrainState<IdSetPage>[pages.Length];
        var writes = new Task[pages.Length];
        for (var k = 0; k < pages.Length; k++)
        {
            states[k] = new GrainState<IdSetPage>(new IdSetPage { Ids = pages[k] });
            writes[k] = storage.WriteStateAsync(Name(generation, k), grainId, states[k]);
        }

        await Task.WhenAll(writes);
        return [.. states.Select(s => s.ETag)];
    }

    /// <summary>
    /// Removes the pages of a generation no snapshot row names any more. A failure is logged and left: the rows are
    /// never read again, and what is stored stays whole.
    /// </summary>
    public async Task RemoveAsync(Guid generation, string?[] tags)
    {
        var removals = new Task[tags.Length];
        for (var k = 0; k < tags.Length; k++)
        {
            var state = new GrainState<IdSetPage>(new IdSetPage()) { ETag = tags[k], RecordExists = true };
            removals[k] = storage.ClearStateAsync(Name(generation, k), grainId, state);
        }

        try
        {
            await Task.WhenAll(removals);
        }
        catch (Exception ex)
        {
            LogRemoveFailed(logger, ex, tags.Length, generation, prefix, grainId);
        }
    }

    private string Name(Guid generation, int page) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}-{generation:N}-{page}");

    [LoggerMessage(EventId = 6030, Level = LogLevel.Warning,
        Message = "Could not remove the {Count} page(s) of the replaced snapshot {Generation} of {Prefix} {GrainId}; "
            + "they are no longer read and stay in storage")]
    private static partial void LogRemoveFailed(
        ILogger logger, Exception exception, int count, Guid generation, string prefix, GrainId grainId);
}
