namespace Cdp;

/// <summary>
/// The event archive holds events after the sequence a customer grain expected: another writer got there
/// first (for a moment after a silo failure, two activations of one customer can exist). The grain
/// catches up and retries once; a caller sees this only if that fails too, and may retry the call.
/// </summary>
[GenerateSerializer, Alias("cdp.archive-concurrency-exception")]
public sealed class ArchiveConcurrencyException : Exception
{
    public ArchiveConcurrencyException(string customerId, long expectedLastSequence)
        : base($"Customer {customerId}: the archive has events after sequence {expectedLastSequence}, which this writer has not seen.")
    {
    }

    public ArchiveConcurrencyException()
    {
    }

    public ArchiveConcurrencyException(string message)
        : base(message)
    {
    }

    public ArchiveConcurrencyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
