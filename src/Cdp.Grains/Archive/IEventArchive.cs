namespace Cdp.Grains.Archive;

/// <summary>An event ready to archive: its messageId and its JSON form.</summary>
public readonly record struct PendingEvent(string MessageId, byte[] Json);

/// <summary>
/// What an append did: which events were already archived, the sequence of the last event it appended
/// (the given one when it appended none), and the highest sequence at which a duplicate was found archived.
/// A duplicate beyond what the writer has applied means the archive is ahead of it.
/// </summary>
public readonly record struct AppendResult(bool[] Duplicates, long LastSequence, long HighestDuplicateSequence);

/// <summary>
/// The durable record of every accepted event, one partition per customer, in sequence order. It is the
/// log that profiles are rebuilt from, and its per-event messageId marker is the durable memory of
/// applied messageIds: appending an event whose messageId is already archived appends nothing.
/// </summary>
public interface IEventArchive
{
    /// <summary>
    /// Appends the events after <paramref name="lastSequence"/>, each new one taking the next sequence
    /// number in order. Durable when it returns. Events whose messageId is already archived for this
    /// customer are reported as duplicates and skipped.
    /// </summary>
    /// <exception cref="ArchiveConcurrencyException">Another writer appended after <paramref name="lastSequence"/>.</exception>
    Task<AppendResult> AppendAsync(
        string customerId, long lastSequence, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> events after <paramref name="afterSequence"/>, oldest first, as JSON.</summary>
    Task<IReadOnlyList<(long Sequence, byte[] Json)>> ReadAsync(
        string customerId, long afterSequence, int max, CancellationToken cancellationToken);

    /// <summary>The archived event with this messageId, or null.</summary>
    Task<(long Sequence, byte[] Json)?> FindAsync(string customerId, string messageId, CancellationToken cancellationToken);

    /// <summary>Replaces the JSON of an archived event, keeping its sequence and messageId (used by unmerge).</summary>
    Task ReplaceAsync(string customerId, long sequence, byte[] json, CancellationToken cancellationToken);

    /// <summary>
    /// Removes archived events with their messageId markers. Events already gone are ignored, so a repeated
    /// call after a failure finishes the job. Later appends continue after the last event that remains.
    /// </summary>
    Task DeleteAsync(string customerId, IReadOnlyList<(long Sequence, string MessageId)> events, CancellationToken cancellationToken);

    /// <summary>
    /// Removes every row of the customer's archive (events and messageId markers), for an erasure. Returns the
    /// number of events removed; a repeated call after a failure removes the rest.
    /// </summary>
    Task<long> DeleteAllAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>
    /// Removes, across every customer, the archived events received before <paramref name="cutoff"/> (for the table
    /// archive: written before it), each with its messageId marker, for retention. Returns the number removed.
    /// </summary>
    Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
