namespace Cdp.Client;

/// <summary>
/// The Cdp SDK. Make one per process and keep it (register it with <c>services.AddCdpClient(...)</c>);
/// it is safe to share between threads. A call that returns has made its events durable; a call that
/// throws may or may not have, and retrying it with the same messageId applies it at most once.
/// Bad input throws <see cref="CdpValidationException"/> before anything is sent. A silo that is serving its
/// limit of ingest calls refuses a send with <see cref="CdpOverloadedException"/> (nothing applied): wait for its
/// <see cref="CdpOverloadedException.RetryAfter"/> and send again with the same messageIds.
/// </summary>
public interface ICdpClient
{
    Task<EventReceipt> IdentifyAsync(
        CustomerRef who, Dictionary<string, CdpValue>? traits = null, EventOptions? options = null,
        CancellationToken cancellationToken = default);

    Task<EventReceipt> TrackAsync(
        CustomerRef who, string eventName, Dictionary<string, CdpValue>? properties = null, EventOptions? options = null,
        CancellationToken cancellationToken = default);

    Task<EventReceipt> PageAsync(
        CustomerRef who, string? name = null, Dictionary<string, CdpValue>? properties = null, EventOptions? options = null,
        CancellationToken cancellationToken = default);

    Task<EventReceipt> ScreenAsync(
        CustomerRef who, string? name = null, Dictionary<string, CdpValue>? properties = null, EventOptions? options = null,
        CancellationToken cancellationToken = default);

    Task<EventReceipt> GroupAsync(
        CustomerRef who, string groupId, Dictionary<string, CdpValue>? traits = null, EventOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>Tells the platform that <paramref name="userId"/> is the same person as <paramref name="previousId"/>.</summary>
    Task<EventReceipt> AliasAsync(
        string userId, string previousId, EventOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Sends one event of any type, as built by the caller.</summary>
    Task<EventReceipt> SendAsync(CdpEvent evt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends many events in one call (at most 500 KB serialized). The batch is validated as a whole and
    /// refused whole if any event breaks a rule. Receipts come back in the order of the events.
    /// </summary>
    Task<IReadOnlyList<EventReceipt>> SendBatchAsync(IReadOnlyList<CdpEvent> events, CancellationToken cancellationToken = default);

    /// <summary>The profile of the customer that <paramref name="id"/> belongs to, or null when no one has it.</summary>
    Task<CustomerProfile?> GetProfileAsync(ExternalId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the customer's archived events, oldest first, after <paramref name="afterSequence"/>
    /// (0 for the first page; then the page's <see cref="EventPage.NextAfterSequence"/>).
    /// An unknown identifier gives an empty page.
    /// </summary>
    Task<EventPage> GetEventsAsync(
        ExternalId id, long afterSequence = 0, int pageSize = 100, CancellationToken cancellationToken = default);

    /// <summary>Every archived event of the customer, page by page.</summary>
    IAsyncEnumerable<ArchivedEvent> ReadAllEventsAsync(ExternalId id, int pageSize = 500, CancellationToken cancellationToken = default);

    /// <summary>The identity rules in force: priorities, limits and blocked values per identifier type, and the over-merge guard.</summary>
    Task<IdentityRules> GetIdentityRulesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the identity rules; they are stored as the next version and returned as stored. Every silo
    /// uses them within its refresh interval (<c>Cdp:Identity:RulesRefresh</c>, default 5 seconds). Rules
    /// that break a bound throw <see cref="CdpValidationException"/> naming the field.
    /// </summary>
    Task<IdentityRules> SetIdentityRulesAsync(IdentityRules rules, CancellationToken cancellationToken = default);

    /// <summary>
    /// Why <paramref name="id"/> belongs to its customer: the event that first carried it, then each merge
    /// that brought it along. Null when no customer holds it.
    /// </summary>
    Task<IdentityExplanation?> ExplainAsync(ExternalId id, CancellationToken cancellationToken = default);

    /// <summary>The identity journal of the customer <paramref name="id"/> belongs to (merges, refusals, unmerges), oldest first.</summary>
    Task<IReadOnlyList<IdentityJournalEntry>> GetMergeJournalAsync(ExternalId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Undoes the merge recorded by journal entry <paramref name="entryId"/> of the customer <paramref name="id"/>
    /// belongs to. The merged-in side's events form a new customer, as if the linking event had not joined
    /// them, and the two are kept apart from then on. Returns the unmerge's journal entry.
    /// </summary>
    Task<IdentityJournalEntry> UnmergeAsync(ExternalId id, string entryId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records consent decisions for the customer, as an identify call that carries them (so they are archived,
    /// exported and replayed like any event). Each purpose must be in the deployment's catalog; the decision with
    /// the newest event time is in force (<see cref="EventOptions.Timestamp"/> sets it; default: now).
    /// </summary>
    Task<EventReceipt> SetConsentAsync(
        CustomerRef who, IReadOnlyList<ConsentChange> changes, EventOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>The consent ledger of the customer <paramref name="id"/> belongs to, or null when no one has it.</summary>
    Task<CustomerConsent?> GetConsentAsync(ExternalId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether data about the customer may leave the platform for the purpose (and channel) now: true only for
    /// granted, unexpired consent; false for an unknown identifier. Unknown purposes throw <see cref="CdpValidationException"/>.
    /// </summary>
    Task<bool> IsAllowedAsync(ExternalId id, string purpose, string? channel = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Everything held about the customer <paramref name="id"/> belongs to (access and portability): the whole profile
    /// and every archived event; <see cref="PrivacyExport.WriteJson(Stream, bool)"/> gives it as one JSON document.
    /// Null when no customer holds the identifier. Recorded in the privacy audit log, requested by the client's source.
    /// </summary>
    Task<PrivacyExport?> ExportAsync(ExternalId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Erases the customer <paramref name="id"/> belongs to, with every customer merged into it: stored state,
    /// identity records, archived events; publishes an <see cref="ErasureNotice"/> and leaves a suppression record of
    /// salted hashes. <see cref="PrivacyRequestStatus.NothingFound"/> (nothing changed) when no customer holds it.
    /// If the call fails, calling it again finishes the interrupted erasure.
    /// </summary>
    /// <param name="requestedBy">Who asked (a person or system), for the audit log.</param>
    Task<ErasureResult> EraseAsync(ExternalId id, string requestedBy, CancellationToken cancellationToken = default);

    /// <summary>The state of an erasure request; null for an unknown request id.</summary>
    Task<ErasureResult?> GetPrivacyRequestAsync(string requestId, CancellationToken cancellationToken = default);

    /// <summary>The privacy audit log, oldest first: exports, erasures and requested retention sweeps.</summary>
    Task<IReadOnlyList<PrivacyAuditEntry>> GetPrivacyAuditAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a retention sweep now: removes archived events received before <paramref name="cutoff"/>, or, when it is
    /// null, older than <c>Cdp:Privacy:RetentionDays</c> (then retention must be on).
    /// </summary>
    Task<RetentionSweepResult> SweepRetentionAsync(
        string requestedBy, DateTimeOffset? cutoff = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves a new segment, trigger or computed trait as version 1. Give its tree or its text form; it is validated
    /// first, and a broken one throws <see cref="CdpValidationException"/> naming the place (nothing is saved).
    /// Existing customers are evaluated against it as they are next touched (an event, a deadline, an activation).
    /// </summary>
    Task<SegmentDefinition> CreateDefinitionAsync(SegmentDefinition definition, CancellationToken cancellationToken = default);

    /// <summary>The stored definition, or null.</summary>
    Task<SegmentDefinition?> GetDefinitionAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces a definition; <see cref="SegmentDefinition.Version"/> must be the version read (else a
    /// <see cref="CdpValidationRule.Conflict"/>). Returns it as stored, with the next version.
    /// </summary>
    Task<SegmentDefinition> UpdateDefinitionAsync(SegmentDefinition definition, CancellationToken cancellationToken = default);

    /// <summary>Removes a definition; false when there was none.</summary>
    Task<bool> DeleteDefinitionAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Every definition (of one kind, when given), by id.</summary>
    Task<IReadOnlyList<SegmentDefinition>> ListDefinitionsAsync(DefinitionKind? kind = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="handler"/> for each membership change of a segment, or each firing of a trigger, from now
    /// on, one at a time. Dispose the result to stop. Needs the Orleans client to have the Cdp stream provider
    /// (<c>AddCdpClient</c> adds it).
    /// </summary>
    Task<IAsyncDisposable> SubscribeAsync(
        string definitionId, DefinitionKind kind, Func<SegmentMessage, CancellationToken, Task> handler,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of a segment's members (customers announced as members: their consent allows the purpose). Pass the
    /// page's <see cref="SegmentMemberPage.NextCursor"/> for the next; null there means the last page.
    /// </summary>
    Task<SegmentMemberPage> GetSegmentMembersAsync(
        string segmentId, string? cursor = null, int pageSize = 100, CancellationToken cancellationToken = default);

    /// <summary>The segment and trigger states and computed traits of the customer <paramref name="id"/> belongs to, or null.</summary>
    Task<CustomerSegments?> GetSegmentsAsync(ExternalId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Evaluates a definition for every existing customer now, through the customer index, instead of as each is next
    /// touched. Returns at once with the progress; one backfill per definition runs at a time.
    /// </summary>
    Task<BackfillProgress> StartBackfillAsync(string definitionId, CancellationToken cancellationToken = default);

    /// <summary>The progress of the definition's latest backfill on the silo running it, or null when none ran.</summary>
    Task<BackfillProgress?> GetBackfillProgressAsync(string definitionId, CancellationToken cancellationToken = default);
}
