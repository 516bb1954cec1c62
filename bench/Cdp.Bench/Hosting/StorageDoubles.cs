using Cdp.Grains.Archive;
using Orleans.Storage;

namespace Cdp.Bench.Hosting;

/// <summary>
/// Counts what the customer grains ask of the real archive: append calls (each one or more table
/// transactions of up to 50 events) and the events in them.
/// </summary>
public sealed class CountingArchive(IEventArchive inner) : IEventArchive
{
    private long _appends;
    private long _transactions;
    private long _events;

    public long Appends => Interlocked.Read(ref _appends);

    /// <summary>Entity-group transactions the appends needed (the table archive puts 50 events in one).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    public long Events => Interlocked.Read(ref _events);

    public Task<AppendResult> AppendAsync(
        string customerId, long lastSequence, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _appends);
        Interlocked.Add(ref _transactions, (events.Count + 49) / 50);
        Interlocked.Add(ref _events, events.Count);
        return inner.AppendAsync(customerId, lastSequence, events, cancellationToken);
    }

    public Task<IReadOnlyList<(long Sequence, byte[] Json)>> ReadAsync(
        string customerId, long afterSequence, int max, CancellationToken cancellationToken) =>
        inner.ReadAsync(customerId, afterSequence, max, cancellationToken);

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

/// <summary>
/// An archive that keeps nothing, for measuring what resident customers cost in the silo's memory: with Azure
/// Table storage the archive lives outside the silo, while the memory archive would hold every event's JSON here.
/// </summary>
public sealed class DiscardingArchive : IEventArchive
{
    public Task<AppendResult> AppendAsync(
        string customerId, long lastSequence, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken) =>
        Task.FromResult(new AppendResult(new bool[events.Count], lastSequence + events.Count, 0));

    public Task<IReadOnlyList<(long Sequence, byte[] Json)>> ReadAsync(
        string customerId, long afterSequence, int max, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<(long Sequence, byte[] Json)>>([]);

    public Task<(long Sequence, byte[] Json)?> FindAsync(string customerId, string messageId, CancellationToken cancellationToken) =>
        Task.FromResult<(long Sequence, byte[] Json)?>(null);

    public Task ReplaceAsync(string customerId, long sequence, byte[] json, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeleteAsync(
        string customerId, IReadOnlyList<(long Sequence, string MessageId)> events, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task<long> DeleteAllAsync(string customerId, CancellationToken cancellationToken) => Task.FromResult(0L);

    public Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) => Task.FromResult(0L);
}

/// <summary>
/// Grain storage that stores nothing, for the same reason as <see cref="DiscardingArchive"/>: memory grain storage
/// would keep a second copy of every snapshot and identity claim in the silo's heap.
/// </summary>
public sealed class DiscardingGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = "1";
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
    }
}
