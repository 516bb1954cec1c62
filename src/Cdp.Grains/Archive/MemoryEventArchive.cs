using System.Collections.Concurrent;

namespace Cdp.Grains.Archive;

/// <summary>The archive in silo memory, with the same contract as the table archive. For tests and quick runs.</summary>
public sealed class MemoryEventArchive : IEventArchive
{
    private readonly ConcurrentDictionary<string, CustomerLog> _logs = new(StringComparer.Ordinal);

    public Task<AppendResult> AppendAsync(
        string customerId, long lastSequence, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken)
    {
        var log = _logs.GetOrAdd(customerId, static _ => new CustomerLog());
        lock (log)
        {
            var last = log.Events.Count == 0 ? 0 : log.Events[^1].Sequence;
            if (last != lastSequence)
            {
                throw new ArchiveConcurrencyException(customerId, lastSequence);
            }

            var duplicates = new bool[events.Count];
            long highestDuplicate = 0;
            for (var i = 0; i < events.Count; i++)
            {
                if (log.MessageIds.TryGetValue(events[i].MessageId, out var archivedAt))
                {
                    duplicates[i] = true;
                    highestDuplicate = Math.Max(highestDuplicate, archivedAt);
                    continue;
                }

                log.MessageIds[events[i].MessageId] = ++last;
                log.Events.Add((last, events[i].Json));
            }

            return Task.FromResult(new AppendResult(duplicates, last, highestDuplicate));
        }
    }

    public Task<IReadOnlyList<(long Sequence, byte[] Json)>> ReadAsync(
        string customerId, long afterSequence, int max, CancellationToken cancellationToken)
    {
        if (!_logs.TryGetValue(customerId, out var log))
        {
            return Task.FromResult<IReadOnlyList<(long, byte[])>>([]);
        }

        lock (log)
        {
            var start = FirstAfter(log, afterSequence);
            var count = Math.Min(max, log.Events.Count - start);
            return Task.FromResult<IReadOnlyList<(long, byte[])>>(log.Events.GetRange(start, count));
        }
    }

    public Task<(long Sequence, byte[] Json)?> FindAsync(string customerId, string messageId, CancellationToken cancellationToken)
    {
        if (!_logs.TryGetValue(customerId, out var log))
        {
            return Task.FromResult<(long, byte[])?>(null);
        }

        lock (log)
        {
            if (!log.MessageIds.TryGetValue(messageId, out var sequence))
            {
                return Task.FromResult<(long, byte[])?>(null);
            }

            var index = FirstAfter(log, sequence - 1);
            return Task.FromResult<(long, byte[])?>(
                index < log.Events.Count && log.Events[index].Sequence == sequence ? log.Events[index] : null);
        }
    }

    public Task ReplaceAsync(string customerId, long sequence, byte[] json, CancellationToken cancellationToken)
    {
        if (!_logs.TryGetValue(customerId, out var log))
        {
            throw new InvalidOperationException($"Customer {customerId} has no archived events.");
        }

        lock (log)
        {
            var index = FirstAfter(log, sequence - 1);
            if (index == log.Events.Count || log.Events[index].Sequence != sequence)
            {
                throw new InvalidOperationException($"Customer {customerId} has no archived event {sequence}.");
            }

            log.Events[index] = (sequence, json);
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(string customerId, IReadOnlyList<(long Sequence, string MessageId)> events, CancellationToken cancellationToken)
    {
        if (!_logs.TryGetValue(customerId, out var log))
        {
            return Task.CompletedTask;
        }

        lock (log)
        {
            var sequences = events.Select(e => e.Sequence).ToHashSet();
            log.Events.RemoveAll(e => sequences.Contains(e.Sequence));
            foreach (var (_, messageId) in events)
            {
                log.MessageIds.Remove(messageId);
            }
        }

        return Task.CompletedTask;
    }

    public Task<long> DeleteAllAsync(string customerId, CancellationToken cancellationToken)
    {
        if (!_logs.TryRemove(customerId, out var log))
        {
            return Task.FromResult(0L);
        }

        lock (log)
        {
            return Task.FromResult((long)log.Events.Count);
        }
    }

    public Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        long removed = 0;
        foreach (var log in _logs.Values)
        {
            lock (log)
            {
                var old = log.Events.Select(e => CdpJson.DeserializeEvent(e.Json))
                    .Where(e => e.ReceivedAt < cutoff).Select(e => e.MessageId!).ToHashSet(StringComparer.Ordinal);
                if (old.Count == 0)
                {
                    continue;
                }

                var sequences = old.Select(m => log.MessageIds[m]).ToHashSet();
                removed += log.Events.RemoveAll(e => sequences.Contains(e.Sequence));
                foreach (var messageId in old)
                {
                    log.MessageIds.Remove(messageId);
                }
            }
        }

        return Task.FromResult(removed);
    }

    // Sequences rise along the list but may have gaps where events were deleted.
    private static int FirstAfter(CustomerLog log, long afterSequence)
    {
        int low = 0, high = log.Events.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (log.Events[middle].Sequence <= afterSequence)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private sealed class CustomerLog
    {
        public List<(long Sequence, byte[] Json)> Events { get; } = [];

        public Dictionary<string, long> MessageIds { get; } = new(StringComparer.Ordinal);
    }
}
