namespace Cdp;

/// <summary>
/// The silo that took the call is serving as many ingest calls as it is configured to, and refused this one at
/// once instead of queueing it. Nothing of the call was applied. Retry after <see cref="RetryAfter"/>, with the
/// same messageIds; another silo, or this one a moment later, will take it. The HTTP API answers 429 with Retry-After.
/// </summary>
[GenerateSerializer, Alias("cdp.overloaded-exception")]
public sealed class CdpOverloadedException : Exception
{
    public CdpOverloadedException(TimeSpan retryAfter, int limit)
        : base($"The silo is serving its limit of {limit} ingest calls; nothing was applied. "
            + $"Retry after {retryAfter.TotalSeconds:0.###} s.")
    {
        RetryAfter = retryAfter;
        Limit = limit;
    }

    public CdpOverloadedException()
        : this("The silo is overloaded; nothing was applied.")
    {
    }

    public CdpOverloadedException(string message)
        : base(message) => RetryAfter = TimeSpan.FromSeconds(1);

    public CdpOverloadedException(string message, Exception innerException)
        : base(message, innerException) => RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>How long the caller should wait before retrying.</summary>
    [Id(0)] public TimeSpan RetryAfter { get; private set; }

    /// <summary>The number of ingest calls the silo serves at once (<c>Cdp:Ingest:MaxConcurrentCalls</c>).</summary>
    [Id(1)] public int Limit { get; private set; }
}
