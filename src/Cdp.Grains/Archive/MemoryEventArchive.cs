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
            // Sequences start at 1 and have no gaps, so the position follows from the sequence.
            var start = (int)Math.Clamp(afterSequence, 0, log.Events.Count);
            var count = Math.Min(max, log.Events.Count - start);
            return Task.FromResult<IReadOnlyList<(long, byte[])>>(log.Events.GetRange(start, count));
        }
    }

    private sealed class CustomerLog
    {
        public List<(long Sequence, byte[] Json)> Events { get; } = [];

        public Dictionary<string, long> MessageIds { get; } = new(StringComparer.Ordinal);
    }
}
