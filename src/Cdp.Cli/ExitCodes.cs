namespace Cdp.Cli;

/// <summary>The exit codes of the tool. Stable: scripts may rely on them.</summary>
internal static class ExitCodes
{
    /// <summary>Everything was done.</summary>
    public const int Ok = 0;

    /// <summary>The command ran to the end, but some rows or events were rejected (they are listed).</summary>
    public const int SomeRejected = 1;

    /// <summary>Bad usage or bad input: an unknown option, a missing file, a mapping error. Nothing was sent.</summary>
    public const int BadInput = 2;

    /// <summary>The cluster could not be reached, or it failed a call after retries.</summary>
    public const int ClusterUnavailable = 3;

    /// <summary>No customer holds the identifier that <c>profile</c> or <c>events</c> was asked about.</summary>
    public const int NotFound = 4;

    /// <summary>Cancelled with Ctrl+C.</summary>
    public const int Cancelled = 130;
}

/// <summary>Bad usage or bad input, reported as one line on standard error with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The cluster could not be reached or failed a call; exit code 3.</summary>
internal sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
