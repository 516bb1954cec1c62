using Orleans.Concurrency;

namespace Cdp;

/// <summary>
/// The entry point for events (a stateless worker on every silo): validates, resolves each event's
/// identifiers to a customer and hands the events to their customer grains.
/// </summary>
[Alias("cdp.IIngestGrain")]
public interface IIngestGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Applies the events; returns when every one is durable, with one receipt per event in order.
    /// A batch that breaks a rule is refused whole with <see cref="CdpValidationException"/>; a silo serving
    /// its limit of ingest calls refuses more with <see cref="CdpOverloadedException"/>, applying nothing.
    /// </summary>
    /// <remarks>
    /// Calls interleave (the grain keeps no state between them), so every call reaches the silo's admission
    /// check as it arrives instead of waiting, unbounded, in an activation's queue.
    /// </remarks>
    [Alias("ingest"), AlwaysInterleave]
    Task<EventReceipt[]> IngestAsync(CdpEvent[] events);
}

/// <summary>One customer: the single writer of its profile. Keyed by the customer id.</summary>
[Alias("cdp.ICustomerGrain")]
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies routed events (identifiers normalized, messageId and receivedAt set); durable on return.
    /// A merged customer applies nothing and names its survivor for each event. An event marked in
    /// <paramref name="remembered"/> came on a silo's remembered route rather than from the identity grains: it is
    /// applied only if this customer holds every one of its identifiers, and handed back otherwise.
    /// </summary>
    [Alias("apply")]
    Task<ApplyOutcome> ApplyAsync(CdpEvent[] events, bool[]? remembered);

    /// <summary>
    /// Settles an event whose identifiers are new or belong to several customers: claims the new ones,
    /// merges the other owners into this customer, or says why not. This customer is the earliest of the owners.
    /// </summary>
    [Alias("resolve")]
    Task<ResolveOutcome> ResolveAsync(ResolveRequest request);

    /// <summary>Makes this customer a tombstone of the survivor if the rules allow the merge.</summary>
    [Alias("seal")]
    Task<SealOutcome> SealAsync(SealRequest request);

    /// <summary>
    /// The profile, or null for a customer that has never received an event. A merged customer answers with its survivor's.
    /// </summary>
    [Alias("profile"), AlwaysInterleave]
    Task<CustomerProfile?> GetProfileAsync();

    [Alias("events"), AlwaysInterleave]
    Task<EventPage> GetEventsAsync(long afterSequence, int pageSize);

    /// <summary>Why the identifier belongs to this customer, or null when it does not.</summary>
    [Alias("explain"), AlwaysInterleave]
    Task<IdentityExplanation?> ExplainAsync(ExternalId id);

    /// <summary>Undoes the merge recorded by the journal entry; returns the unmerge entry.</summary>
    [Alias("unmerge")]
    Task<IdentityJournalEntry> UnmergeAsync(string entryId);

    /// <summary>Takes the events an unmerge moved into this new customer's archive, and the journal entry that split it off.</summary>
    [Alias("split-from")]
    Task InitializeSplitAsync(IdentityJournalEntry entry);

    /// <summary>
    /// Whether data about this customer may leave the platform for the purpose (and channel) now: true only for
    /// granted, unexpired consent. Unknown purposes and channels throw <see cref="CdpValidationException"/>.
    /// </summary>
    [Alias("consent-allows"), AlwaysInterleave]
    Task<bool> AllowsAsync(string purpose, string? channel);

    /// <summary>The profile and every archived event, read together; a merged customer answers with its survivor's.</summary>
    [Alias("export")]
    Task<(CustomerProfile Profile, ArchivedEvent[] Events)?> ExportAsync();

    /// <summary>This customer's own merge links and identifiers (a tombstone's too, without forwarding), for an erasure.</summary>
    [Alias("privacy-plan")]
    Task<CustomerPrivacyPlan> GetPrivacyPlanAsync();

    /// <summary>
    /// Removes this customer's stored state, archive partition and remembered messageIds, and deactivates it,
    /// leaving only a marker that names <paramref name="requestId"/>: an event that reaches the customer later is
    /// dropped. Returns the number of archived events removed.
    /// </summary>
    [Alias("erase")]
    Task<long> EraseAsync(string requestId);

    /// <summary>
    /// Evaluates segments, triggers and computed traits at the segment clock's now: windows that passed are left,
    /// absence deadlines fire, a changed catalog is applied. The deadline timer does the same on its own.
    /// </summary>
    [Alias("segments-reevaluate")]
    Task ReevaluateAsync();
}

/// <summary>One external identifier, keyed <c>type:value</c> (normalized): which customer it belongs to.</summary>
[Alias("cdp.IIdentityGrain")]
public interface IIdentityGrain : IGrainWithStringKey
{
    [Alias("owner")]
    Task<string?> GetCustomerAsync();

    /// <summary>Claims the identifier for <paramref name="customerId"/> unless it is taken; returns the owner.</summary>
    [Alias("claim")]
    Task<string> ClaimAsync(string customerId);

    /// <summary>
    /// Points the identifier at <paramref name="newOwner"/> if it points at <paramref name="oldOwner"/>; returns the owner.
    /// </summary>
    [Alias("repoint")]
    Task<string?> RepointAsync(string oldOwner, string newOwner);

    /// <summary>
    /// Removes the identifier's stored record if it belongs to one of <paramref name="customerIds"/>, and deactivates.
    /// True when the record is gone (now or before); false when it belongs to another customer.
    /// </summary>
    [Alias("erase")]
    Task<bool> EraseAsync(string[] customerIds);
}

/// <summary>The deployment's identity rules (one grain, key <c>default</c>): read and replaced at run time.</summary>
[Alias("cdp.IIdentityRulesGrain")]
public interface IIdentityRulesGrain : IGrainWithStringKey
{
    [Alias("get"), AlwaysInterleave]
    Task<IdentityRules> GetAsync();

    /// <summary>Validates and stores the rules as the next version; returns them as stored.</summary>
    [Alias("set")]
    Task<IdentityRules> SetAsync(IdentityRules rules);
}
