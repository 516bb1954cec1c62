using System.Globalization;
using System.Runtime.CompilerServices;
using Orleans.Streams;

namespace Cdp.Client;

/// <summary>The <see cref="ICdpClient"/> over an Orleans client (or a silo's own grain factory).</summary>
public sealed class CdpClient : ICdpClient
{
    private const string RulesKey = "default";
    private const string DefaultRequester = "sdk";
    private const string CatalogKey = "default";

    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly string? _source;

    // Orleans resolves the interface type by reflection each time a reference is built, which costs more than a
    // local grain call: the one reference every send uses is built once.
    private IIngestGrain? _ingest;

    public CdpClient(IGrainFactory grains, CdpClientOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _grains = grains;
        _time = time ?? TimeProvider.System;
        _source = options?.Source;
    }

    public Task<EventReceipt> IdentifyAsync(
        CustomerRef who, Dictionary<string, CdpValue>? traits = null, EventOptions? options = null,
        CancellationToken cancellationToken = default) =>
        SendAsync(Build(EventType.Identify, who, options) with { Traits = traits }, cancellationToken);

    public Task<EventReceipt> TrackAsync(
        CustomerRef who, string eventName, Dictionary<string, CdpValue>? properties = null, EventOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        return SendAsync(Build(EventType.Track, who, options) with { Event = eventName, Properties = properties }, cancellationToken);
    }

    public Task<EventReceipt> PageAsync(
        CustomerRef who, string? name = null, Dictionary<string, CdpValue>? properties = null, EventOptions? options = null,
        CancellationToken cancellationToken = default) =>
        SendAsync(Build(EventType.Page, who, options) with { Name = name, Properties = properties }, cancellationToken);

    public Task<EventReceipt> ScreenAsync(
        CustomerRef who, string? name = null, Dictionary<string, CdpValue>? properties = null, EventOptions? options = null,
        CancellationToken cancellationToken = default) =>
        SendAsync(Build(EventType.Screen, who, options) with { Name = name, Properties = properties }, cancellationToken);

    public Task<EventReceipt> GroupAsync(
        CustomerRef who, string groupId, Dictionary<string, CdpValue>? traits = null, EventOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        return SendAsync(Build(EventType.Group, who, options) with { GroupId = groupId, Traits = traits }, cancellationToken);
    }

    public Task<EventReceipt> AliasAsync(
        string userId, string previousId, EventOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(previousId);
        return SendAsync(Build(EventType.Alias, CustomerRef.User(userId), options) with { PreviousId = previousId }, cancellationToken);
    }

    public async Task<EventReceipt> SendAsync(CdpEvent evt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var receipts = await SendBatchAsync([evt], cancellationToken).ConfigureAwait(false);
        return receipts[0];
    }

    public async Task<IReadOnlyList<EventReceipt>> SendBatchAsync(
        IReadOnlyList<CdpEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        cancellationToken.ThrowIfCancellationRequested();

        var prepared = Prepare(events, _source, _time.GetUtcNow());
        var ingest = _ingest ??= _grains.GetGrain<IIngestGrain>(0);
        return await ingest.IngestAsync(prepared).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The events as they are sent: each with a messageId (generated here, so that the caller can see it and
    /// reuse it on a retry) and the client's source where it names none; validated as a batch.
    /// </summary>
    internal static CdpEvent[] Prepare(IReadOnlyList<CdpEvent> events, string? source, DateTimeOffset now)
    {
        var prepared = new CdpEvent[events.Count];
        for (var i = 0; i < prepared.Length; i++)
        {
            var evt = events[i];
            prepared[i] = evt is null || (!string.IsNullOrEmpty(evt.MessageId) && (evt.Source is not null || source is null))
                ? evt!
                : evt with
                {
                    MessageId = string.IsNullOrEmpty(evt.MessageId) ? Guid.CreateVersion7().ToString() : evt.MessageId,
                    Source = evt.Source ?? source,
                };
        }

        EventValidator.ValidateBatch(prepared, now);
        return prepared;
    }

    public async Task<CustomerProfile?> GetProfileAsync(ExternalId id, CancellationToken cancellationToken = default)
    {
        var customer = await FindCustomerAsync(id, cancellationToken).ConfigureAwait(false);
        return customer is null
            ? null
            : await customer.GetProfileAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<EventPage> GetEventsAsync(
        ExternalId id, long afterSequence = 0, int pageSize = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 1000);

        var customer = await FindCustomerAsync(id, cancellationToken).ConfigureAwait(false);
        return customer is null
            ? EventPage.Empty
            : await customer.GetEventsAsync(afterSequence, pageSize).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<ArchivedEvent> ReadAllEventsAsync(
        ExternalId id, int pageSize = 500, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long? after = 0;
        while (after is { } cursor)
        {
            var page = await GetEventsAsync(id, cursor, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var evt in page.Events)
            {
                yield return evt;
            }

            after = page.NextAfterSequence;
        }
    }

    public Task<IdentityRules> GetIdentityRulesAsync(CancellationToken cancellationToken = default) =>
        _grains.GetGrain<IIdentityRulesGrain>(RulesKey).GetAsync().WaitAsync(cancellationToken);

    public Task<IdentityRules> SetIdentityRulesAsync(IdentityRules rules, CancellationToken cancellationToken = default)
    {
        IdentityRulesValidator.ThrowIfInvalid(rules);
        return _grains.GetGrain<IIdentityRulesGrain>(RulesKey).SetAsync(rules).WaitAsync(cancellationToken);
    }

    public async Task<IdentityExplanation?> ExplainAsync(ExternalId id, CancellationToken cancellationToken = default)
    {
        var customer = await FindCustomerAsync(id, cancellationToken).ConfigureAwait(false);
        return customer is null ? null : await customer.ExplainAsync(id).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<IdentityJournalEntry>> GetMergeJournalAsync(
        ExternalId id, CancellationToken cancellationToken = default)
    {
        var profile = await GetProfileAsync(id, cancellationToken).ConfigureAwait(false);
        return profile?.Journal ?? [];
    }

    public async Task<IdentityJournalEntry> UnmergeAsync(ExternalId id, string entryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(entryId);
        var customer = await FindCustomerAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new CdpValidationException(new CdpValidationError(
                "id", CdpValidationRule.NotFound, $"no customer holds the identifier {id}."));
        return await customer.UnmergeAsync(entryId).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<EventReceipt> SetConsentAsync(
        CustomerRef who, IReadOnlyList<ConsentChange> changes, EventOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            throw new ArgumentException("At least one consent decision is needed.", nameof(changes));
        }

        var evt = Build(EventType.Identify, who, options);
        var context = evt.Context is null ? new Dictionary<string, CdpValue>(StringComparer.Ordinal) : new(evt.Context);
        context["consent"] = CdpValue.Object(new() { ["purposes"] = CdpValue.Array([.. changes.Select(ToValue)]) });
        return SendAsync(evt with { Context = context }, cancellationToken);
    }

    public async Task<CustomerConsent?> GetConsentAsync(ExternalId id, CancellationToken cancellationToken = default)
    {
        var profile = await GetProfileAsync(id, cancellationToken).ConfigureAwait(false);
        return profile is null ? null : new CustomerConsent(profile.CustomerId, [.. profile.Consent.Values], profile.ConsentHistory);
    }

    public async Task<bool> IsAllowedAsync(
        ExternalId id, string purpose, string? channel = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        var customer = await FindCustomerAsync(id, cancellationToken).ConfigureAwait(false);
        return customer is not null && await customer.AllowsAsync(purpose, channel).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static CdpValue ToValue(ConsentChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var fields = new Dictionary<string, CdpValue>(StringComparer.Ordinal)
        {
            ["purpose"] = change.Purpose,
            ["status"] = change.Status.ToString().ToLowerInvariant(),
        };
        Add(fields, "channel", change.Channel);
        Add(fields, "legalBasis", change.LegalBasis);
        Add(fields, "policyVersion", change.PolicyVersion);
        if (change.ExpiresAt is { } expires)
        {
            fields["expiresAt"] = expires;
        }

        return CdpValue.Object(fields);

        static void Add(Dictionary<string, CdpValue> fields, string name, string? value)
        {
            if (value is not null)
            {
                fields[name] = value;
            }
        }
    }

    public Task<PrivacyExport?> ExportAsync(ExternalId id, CancellationToken cancellationToken = default)
    {
        _ = IdentityKeys.Of(id);
        return _grains.GetGrain<IPrivacyCoordinatorGrain>(NewRequestId()).ExportAsync(id, _source ?? DefaultRequester)
            .WaitAsync(cancellationToken);
    }

    public Task<ErasureResult> EraseAsync(ExternalId id, string requestedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        _ = IdentityKeys.Of(id);
        return _grains.GetGrain<IPrivacyCoordinatorGrain>(NewRequestId()).EraseAsync(id, requestedBy).WaitAsync(cancellationToken);
    }

    public Task<ErasureResult?> GetPrivacyRequestAsync(string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestId);
        return _grains.GetGrain<IPrivacyCoordinatorGrain>(requestId).GetAsync().WaitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<PrivacyAuditEntry>> GetPrivacyAuditAsync(CancellationToken cancellationToken = default) =>
        await _grains.GetGrain<IPrivacyAuditGrain>(0).ListAsync().WaitAsync(cancellationToken).ConfigureAwait(false);

    public Task<RetentionSweepResult> SweepRetentionAsync(
        string requestedBy, DateTimeOffset? cutoff = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        return _grains.GetGrain<IRetentionGrain>(0).SweepAsync(cutoff, requestedBy).WaitAsync(cancellationToken);
    }

    // Time-ordered, so request ids sort by when they were made.
    private static string NewRequestId() => "p" + Guid.CreateVersion7().ToString("N");

    public Task<SegmentDefinition> CreateDefinitionAsync(SegmentDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return Catalog.CreateAsync(definition).WaitAsync(cancellationToken);
    }

    public Task<SegmentDefinition?> GetDefinitionAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return Catalog.GetAsync(id).WaitAsync(cancellationToken);
    }

    public Task<SegmentDefinition> UpdateDefinitionAsync(SegmentDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return Catalog.UpdateAsync(definition).WaitAsync(cancellationToken);
    }

    public Task<bool> DeleteDefinitionAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return Catalog.DeleteAsync(id).WaitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<SegmentDefinition>> ListDefinitionsAsync(
        DefinitionKind? kind = null, CancellationToken cancellationToken = default)
    {
        var catalog = await Catalog.GetCatalogAsync(-1).WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. (catalog?.Definitions ?? []).Where(d => kind is null || d.Kind == kind).OrderBy(d => d.Id, StringComparer.Ordinal)];
    }

    public async Task<IAsyncDisposable> SubscribeAsync(
        string definitionId, DefinitionKind kind, Func<SegmentMessage, CancellationToken, Task> handler,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(definitionId);
        ArgumentNullException.ThrowIfNull(handler);
        if (_grains is not IClusterClient client)
        {
            throw new NotSupportedException("Subscribing needs a CdpClient over an Orleans cluster client.");
        }

        var stream = client.GetStreamProvider(SegmentStreams.Provider)
            .GetStream<SegmentMessage>(StreamId.Create(SegmentStreams.NamespaceOf(kind), definitionId));
        var stopping = new CancellationTokenSource();
        var handle = await stream.SubscribeAsync((message, _) => handler(message, stopping.Token))
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Subscription(handle, stopping);
    }

    public async Task<SegmentMemberPage> GetSegmentMembersAsync(
        string segmentId, string? cursor = null, int pageSize = 100, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(segmentId);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 1000);
        var (shard, after) = ReadCursor(cursor);
        var found = new List<string>(pageSize);
        for (; shard < SegmentMembers.Shards; shard++, after = null)
        {
            var members = _grains.GetGrain<ISegmentMembersGrain>(SegmentMembers.KeyOf(segmentId, shard));
            var page = await members.GetPageAsync(after, pageSize - found.Count).WaitAsync(cancellationToken).ConfigureAwait(false);
            found.AddRange(page);
            if (found.Count == pageSize)
            {
                return new SegmentMemberPage([.. found], string.Create(CultureInfo.InvariantCulture, $"{shard}:{found[^1]}"));
            }
        }

        return new SegmentMemberPage([.. found], null);
    }

    public async Task<CustomerSegments?> GetSegmentsAsync(ExternalId id, CancellationToken cancellationToken = default)
    {
        var profile = await GetProfileAsync(id, cancellationToken).ConfigureAwait(false);
        return profile is null
            ? null
            : new CustomerSegments(profile.CustomerId, [.. profile.Segments.Values], [.. profile.ComputedTraits.Values]);
    }

    public Task<BackfillProgress> StartBackfillAsync(string definitionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(definitionId);
        return _grains.GetGrain<ISegmentBackfillGrain>(definitionId).StartAsync().WaitAsync(cancellationToken);
    }

    public Task<BackfillProgress?> GetBackfillProgressAsync(string definitionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(definitionId);
        return _grains.GetGrain<ISegmentBackfillGrain>(definitionId).GetProgressAsync().WaitAsync(cancellationToken);
    }

    private IDefinitionCatalogGrain Catalog => _grains.GetGrain<IDefinitionCatalogGrain>(CatalogKey);

    private static (int Shard, string? After) ReadCursor(string? cursor)
    {
        if (cursor is null)
        {
            return (0, null);
        }

        var colon = cursor.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !int.TryParse(cursor.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var shard) ||
            shard >= SegmentMembers.Shards)
        {
            throw new ArgumentException("The cursor is not one a member page returned.", nameof(cursor));
        }

        return (shard, cursor[(colon + 1)..]);
    }

    private sealed class Subscription(StreamSubscriptionHandle<SegmentMessage> handle, CancellationTokenSource stopping) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            await handle.UnsubscribeAsync().ConfigureAwait(false);
            stopping.Dispose();
        }
    }

    private async Task<ICustomerGrain?> FindCustomerAsync(ExternalId id, CancellationToken cancellationToken)
    {
        var key = IdentityKeys.Of(id);
        var customerId = await _grains.GetGrain<IIdentityGrain>(key).GetCustomerAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return customerId is null ? null : _grains.GetGrain<ICustomerGrain>(customerId);
    }

    private static CdpEvent Build(EventType type, CustomerRef who, EventOptions? options)
    {
        ArgumentNullException.ThrowIfNull(who);
        return new CdpEvent
        {
            Type = type,
            UserId = who.UserId,
            AnonymousId = who.AnonymousId,
            Identifiers = who.Identifiers,
            MessageId = options?.MessageId,
            Timestamp = options?.Timestamp,
            SentAt = options?.SentAt,
            Source = options?.Source,
            Context = options?.Context,
            Integrations = options?.Integrations,
        };
    }
}
