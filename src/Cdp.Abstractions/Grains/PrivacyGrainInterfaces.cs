using Orleans.Concurrency;

namespace Cdp;

/// <summary>
/// One privacy request, keyed by its request id: exports, and erasures whose state is the request's progress,
/// so that a failed erasure is finished by asking again (with this id, or with the identifier).
/// </summary>
[Alias("cdp.IPrivacyCoordinatorGrain")]
public interface IPrivacyCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>Everything held about the customer of <paramref name="id"/>; null when no customer holds it.</summary>
    [Alias("export")]
    Task<PrivacyExport?> ExportAsync(ExternalId id, string requestedBy);

    /// <summary>
    /// Erases the customer of <paramref name="id"/>; <see cref="PrivacyRequestStatus.NothingFound"/> when no customer
    /// holds it. When an earlier erasure of the same identifier was interrupted, finishes that one and answers its result.
    /// </summary>
    [Alias("erase")]
    Task<ErasureResult> EraseAsync(ExternalId id, string requestedBy);

    /// <summary>Finishes this request if it is in progress; answers its result (null for an id never used).</summary>
    [Alias("resume")]
    Task<ErasureResult?> ResumeAsync();

    [Alias("get"), AlwaysInterleave]
    Task<ErasureResult?> GetAsync();
}

/// <summary>
/// The suppression record of one erased identifier, keyed by its salted hash (never the identifier itself).
/// It names the erasure that wrote it; while that erasure runs, the record is pending.
/// </summary>
[Alias("cdp.ISuppressionGrain")]
public interface ISuppressionGrain : IGrainWithStringKey
{
    /// <summary>The request that suppressed (or is erasing) this identifier, or null; and whether it has finished.</summary>
    [Alias("get"), AlwaysInterleave]
    Task<(string? RequestId, bool Pending)> GetAsync();

    /// <summary>Marks the identifier as being erased by <paramref name="requestId"/>; returns the request that holds it.</summary>
    [Alias("begin")]
    Task<string> BeginAsync(string requestId);

    /// <summary>Ends the erasure: keeps the record (suppress) or removes it (a fresh start allowed).</summary>
    [Alias("complete")]
    Task CompleteAsync(string requestId, bool keep);
}

/// <summary>The audit log of privacy requests (one grain, key 0), bounded by <c>Cdp:Privacy:AuditEntriesKept</c>.</summary>
[Alias("cdp.IPrivacyAuditGrain")]
public interface IPrivacyAuditGrain : IGrainWithIntegerKey
{
    [Alias("append")]
    Task AppendAsync(PrivacyAuditEntry entry);

    /// <summary>The entries kept, oldest first.</summary>
    [Alias("list"), AlwaysInterleave]
    Task<PrivacyAuditEntry[]> ListAsync();
}

/// <summary>
/// The retention sweeper (one grain, key 0): removes archived events older than <c>Cdp:Privacy:RetentionDays</c>,
/// on a timer while retention is on, and on demand.
/// </summary>
[Alias("cdp.IRetentionGrain")]
public interface IRetentionGrain : IGrainWithIntegerKey
{
    /// <summary>Starts the periodic sweep when retention is on (silos call it at start); harmless to call again.</summary>
    [Alias("start")]
    Task StartAsync();

    /// <summary>
    /// Removes archived events received before <paramref name="cutoff"/>, or, when it is null, before now less the
    /// retention period. Throws <see cref="InvalidOperationException"/> when retention is off and no cutoff is given.
    /// </summary>
    [Alias("sweep")]
    Task<RetentionSweepResult> SweepAsync(DateTimeOffset? cutoff, string requestedBy);
}

/// <summary>What a customer grain holds that an erasure must reach: its own stored state, without following merges.</summary>
[GenerateSerializer, Immutable, Alias("cdp.privacy-plan")]
public sealed record CustomerPrivacyPlan(
    [property: Id(0)] string? MergedInto,
    [property: Id(1)] string[] Absorbed,
    [property: Id(2)] ExternalId[] Identifiers);
