using Cdp.Grains.Archive;
using Cdp.Grains.Consent;
using Cdp.Grains.Domain;
using Cdp.Grains.Hosting;
using Cdp.Grains.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;

namespace Cdp.Grains.Customers;

/// <summary>
/// One customer's live profile. Every event is written to the archive before it is applied and
/// acknowledged; the persisted state is a snapshot that the archive's tail brings up to date at
/// activation, so a crash between the two loses nothing. Identity work happens here too: the customer
/// settles events that link it to others (claims, merges, refusals), absorbs merged customers, and
/// undoes merges; a merged customer stays behind as a tombstone that forwards to its survivor.
/// </summary>
public sealed partial class CustomerGrain(
    [PersistentState("customer", CdpStorageNames.Profiles)] IPersistentState<CustomerState> state,
    IEventArchive archive,
    ProfileBuilder builder,
    IdentityRulesCache rules,
    ConsentEnforcer consent,
    Privacy.IdentifierHasher hasher,
    DeepCopier<CustomerProfile> copier,
    TimeProvider time,
    IOptions<CdpProfileOptions> options,
    IOptions<CdpIdentityOptions> identityOptions,
    IOptions<CdpStorageOptions> storage,
    ILogger<CustomerGrain> logger) : Grain, ICustomerGrain
{
    private const int ReplayPageSize = 500;
    private const int MaxEventPageSize = 1000;
    private const int MaxResolveRounds = 16;

    private readonly CdpProfileOptions _options = options.Value;
    private readonly int _maxRefusals = identityOptions.Value.MaxRefusals;

    // Identifiers claimed for this customer whose events are not applied yet: they count toward the limits.
    private readonly Dictionary<ExternalId, DateTimeOffset> _reserved = [];
    private RecentIds _applied = new(options.Value.RememberedMessageIds);
    private readonly RecentWindow _window = new();
    private long _snapshotSequence;

    // Set while the profile changes across awaits (absorbing, unmerging, catching up), so reads wait for the end.
    private TaskCompletionSource? _busy;

    private CustomerProfile Profile => state.State.Profile;

    private string Self => Profile.CustomerId;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Profile.CustomerId = this.GetPrimaryKeyString();
        if (state.State.MergedInto is not null || state.State.ErasedBy is not null)
        {
            return;
        }

        _snapshotSequence = Profile.Sequence;
        await ReplayAsync(cancellationToken);

        // Identity work that a crash interrupted is finished before anything else reaches this customer.
        if (state.State.PendingUnmerge is not null)
        {
            await ContinueUnmergeAsync();
        }

        foreach (var pending in state.State.PendingMerges.ToList())
        {
            await ContinueMergeAsync(pending);
        }

        await StartSegmentsAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Memory storage does not outlive the silo, so a snapshot while it shuts down would be lost anyway.
        if (state.State.MergedInto is not null || Profile.Sequence == _snapshotSequence ||
            (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && storage.Value.Provider == CdpStorageProvider.Memory))
        {
            return;
        }

        await TrySnapshotAsync();
    }

    public async Task<ApplyOutcome> ApplyAsync(CdpEvent[] events, bool[]? remembered)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (remembered is not null && remembered.Length != events.Length)
        {
            throw new ArgumentException("One flag per event.", nameof(remembered));
        }

        if (state.State.MergedInto is { } survivor)
        {
            return new ApplyOutcome(new bool[events.Length], Enumerable.Repeat<string?>(survivor, events.Length).ToArray());
        }

        if (state.State.ErasedBy is { } erasure)
        {
            return await RefuseAfterErasureAsync(events, erasure);
        }

        var applied = new bool[events.Length];
        string?[]? redirects = null;
        bool[]? unrouted = null;
        var pending = new List<PendingEvent>(events.Length);
        var pendingIndex = new List<int>(events.Length);
        HashSet<string>? inCall = null;
        for (var i = 0; i < events.Length; i++)
        {
            var messageId = events[i].MessageId ?? throw new ArgumentException("Routed events carry a messageId.", nameof(events));
            if (state.State.MovedIdentifiers.Count > 0 && MovedTo(events[i]) is { } movedTo)
            {
                (redirects ??= new string?[events.Length])[i] = movedTo;
                continue;
            }

            if (remembered?[i] == true && !HoldsAll(events[i].Identifiers))
            {
                (unrouted ??= new bool[events.Length])[i] = true;
                continue;
            }

            if (Applied(messageId) || (events.Length > 1 && !(inCall ??= new(StringComparer.Ordinal)).Add(messageId)))
            {
                continue;
            }

            pending.Add(new PendingEvent(messageId, CdpJson.Serialize(events[i])));
            pendingIndex.Add(i);
        }

        if (pending.Count == 0)
        {
            return new ApplyOutcome(applied, redirects, unrouted);
        }

        var fresh = await AppendAndApplyAsync(pending, k => events[pendingIndex[k]]);
        for (var k = 0; k < pending.Count; k++)
        {
            applied[pendingIndex[k]] = fresh[k];
        }

        if (_reserved.Count > 0)
        {
            foreach (var index in pendingIndex)
            {
                foreach (var id in events[index].Identifiers ?? [])
                {
                    _reserved.Remove(id);
                }
            }
        }

        await OnSegmentEventsAsync(events, applied);
        if (Profile.Sequence - _snapshotSequence >= _options.SnapshotEvery)
        {
            await TrySnapshotAsync();
        }

        return new ApplyOutcome(applied, redirects, unrouted);
    }

    // Whether every identifier already belongs to this profile: then the identity grains point here too, since only
    // this grain adds identifiers to its profile, and a merge, unmerge or erasure that moves one away removes it here.
    private bool HoldsAll(ExternalId[]? ids)
    {
        if (ids is null || ids.Length == 0)
        {
            return false;
        }

        foreach (var id in ids)
        {
            if (!Profile.HasIdentifier(id))
            {
                return false;
            }
        }

        return true;
    }

    // Whether this customer applied the event already, as far as memory tells: its recent-event window, then the ids
    // that left the window. The archive's markers decide the rest.
    private bool Applied(string messageId) =>
        _window.Contains(Profile.RecentEvents, messageId) || _applied.Contains(messageId);

    // Applies one event to the profile and keeps the in-memory duplicate checks in step with its recent-event window.
    private void ApplyToProfile(CdpEvent evt, long sequence)
    {
        var left = builder.Apply(Profile, evt, sequence);
        _window.Applied(Profile.RecentEvents, evt.MessageId!, left);
        _applied.Add(left);
    }

    public async Task<ResolveOutcome> ResolveAsync(ResolveRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (state.State.MergedInto is { } survivor)
        {
            var forwarded = (string?[])request.Owners.Clone();
            Replace(forwarded, Self, survivor);
            return new ResolveOutcome(ResolveStatus.Redirect, survivor, null, forwarded);
        }

        var ids = request.Identifiers;
        if (ids.Length == 0 || ids.Length != request.Owners.Length)
        {
            throw new ArgumentException("A resolve request names an owner (or null) for each of its identifiers.", nameof(request));
        }

        var ruleSet = await rules.GetAsync();
        var owners = (string?[])request.Owners.Clone();
        for (var round = 0; round < MaxResolveRounds; round++)
        {
            // The earliest customer settles, so that concurrent merges all run in one direction.
            if (Earliest(owners) is { } earlier)
            {
                return new ResolveOutcome(ResolveStatus.Redirect, earlier, null, owners);
            }

            if (Array.IndexOf(owners, null) >= 0 && ids.Length > 1 &&
                ruleSet.FindBrokenLimit(Held().Concat(Unowned(ids, owners, request.EventTime)), request.EventTime) is { } type)
            {
                return await DemoteAsync(request, owners, ruleSet, "limit:" + type, null,
                    $"attaching it would give customer {Self} more than {ruleSet.RuleOf(type).Limit} {type} identifiers");
            }

            var moved = false;
            foreach (var other in owners.Where(o => o is not null && o != Self).Distinct().Order(StringComparer.Ordinal).ToList())
            {
                // An identifier that still points at a customer absorbed earlier (its re-pointing raced this call).
                if (Profile.Absorbed.Contains(other!) && !state.State.PendingMerges.Exists(p => p.Absorbed == other))
                {
                    Replace(owners, other!, Self);
                    continue;
                }

                var outcome = await MergeAsync(other!, request, owners, ruleSet);
                if (outcome.Status == SealStatus.Refused)
                {
                    return await DemoteAsync(request, owners, ruleSet, outcome.Rule!, other, outcome.Reason!);
                }

                Replace(owners, other!, outcome.Status == SealStatus.Sealed ? Self : outcome.MergedInto!);
                moved |= outcome.Status == SealStatus.MergedElsewhere;
            }

            if (moved)
            {
                continue;
            }

            // A claim lost to another customer means that customer now owns it: the next round settles with it.
            if (await ClaimUnownedAsync(ids, owners, request.EventTime))
            {
                return new ResolveOutcome(ResolveStatus.Resolved, Self, null);
            }
        }

        throw new InvalidOperationException(
            $"Customer {Self}: the identifiers of event {request.MessageId} kept changing owner; try again.");
    }

    // Claims the identifiers no one owns; false if another customer won one of them. Each claim is atomic in its own
    // grain and none depends on another, so they go out together; those won count toward the limits even if one fails.
    private async Task<bool> ClaimUnownedAsync(ExternalId[] ids, string?[] owners, DateTimeOffset eventTime)
    {
        var unowned = Enumerable.Range(0, ids.Length).Where(i => owners[i] is null).ToArray();
        var claims = unowned.Select(i => Identity(ids[i]).ClaimAsync(Self)).ToArray();
        try
        {
            await Task.WhenAll(claims);
        }
        finally
        {
            for (var k = 0; k < unowned.Length; k++)
            {
                if (claims[k].IsCompletedSuccessfully && claims[k].Result == Self)
                {
                    _reserved[ids[unowned[k]]] = eventTime;
                }
            }
        }

        var lost = false;
        for (var k = 0; k < unowned.Length; k++)
        {
            owners[unowned[k]] = claims[k].Result;
            lost |= claims[k].Result != Self;
        }

        return !lost;
    }

    public async Task<SealOutcome> SealAsync(SealRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (state.State.MergedInto == request.SurvivorId)
        {
            // A seal asked again (the survivor resuming its merge) finishes what the first one did not.
            await LeaveSegmentsAfterMergeAsync();
            return Sealed(request.SurvivorId);
        }

        if (state.State.MergedInto is { } elsewhere)
        {
            return new SealOutcome(SealStatus.MergedElsewhere, elsewhere, null, null, [], [], [], []);
        }

        if (string.CompareOrdinal(request.SurvivorId, Self) >= 0)
        {
            throw new ArgumentException($"Customer {Self} can only be merged into an earlier customer.", nameof(request));
        }

        // What this customer is still absorbing goes along with it, so finish that first.
        if (state.State.PendingUnmerge is not null)
        {
            await ContinueUnmergeAsync();
        }

        foreach (var pending in state.State.PendingMerges.ToList())
        {
            await ContinueMergeAsync(pending);
        }

        var cached = await rules.GetAsync();
        var ruleSet = cached.Version == request.Rules.Version ? cached : new IdentityRuleSet(request.Rules);
        if (Refusal(request, ruleSet) is { } refusal)
        {
            await RecordRefusalAsync(new IdentityJournalEntry
            {
                EntryId = NewEntryId(),
                Action = IdentityAction.MergeRefused,
                At = time.GetUtcNow(),
                MessageId = request.MessageId,
                Rule = refusal.Rule,
                CustomerId = Self,
                OtherCustomerId = request.SurvivorId,
                Detail = $"Not merged into customer {request.SurvivorId}: {refusal.Reason}.",
                RulesVersion = ruleSet.Version,
            });
            return new SealOutcome(SealStatus.Refused, null, refusal.Rule, refusal.Reason, [], [], [], []);
        }

        // Reads wait while the seal is written: until it is stored, this customer still answers for itself.
        using (Busy())
        {
            state.State.MergedInto = request.SurvivorId;
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                state.State.MergedInto = null;
                throw;
            }
        }

        await LeaveSegmentsAfterMergeAsync();
        return Sealed(request.SurvivorId);
    }

    /// <summary>
    /// A sealed customer leaves its segments and the customer index. It stores that only when it left a member list:
    /// leaving the index again, on a seal asked again, is harmless, and most merges then cost no extra write.
    /// </summary>
    private async Task LeaveSegmentsAfterMergeAsync()
    {
        if (InSegments() && await LeaveSegmentsAsync(publish: true))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task<CustomerProfile?> GetProfileAsync()
    {
        await WhileBusyAsync();
        if (state.State.MergedInto is { } survivor)
        {
            return await Customer(survivor).GetProfileAsync();
        }

        return Profile.EventCount == 0 && Profile.Journal.Count == 0 ? null : copier.Copy(Profile);
    }

    public async Task<EventPage> GetEventsAsync(long afterSequence, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxEventPageSize);
        await WhileBusyAsync();
        if (state.State.MergedInto is { } survivor)
        {
            return await Customer(survivor).GetEventsAsync(afterSequence, pageSize);
        }

        var rows = await archive.ReadAsync(Self, afterSequence, pageSize, CancellationToken.None);
        var events = rows.Select(r => new ArchivedEvent(r.Sequence, CdpJson.DeserializeEvent(r.Json))).ToArray();
        var next = events.Length == pageSize && events[^1].Sequence < Profile.Sequence ? events[^1].Sequence : (long?)null;
        return new EventPage(events, next);
    }

    public async Task<IdentityExplanation?> ExplainAsync(ExternalId id)
    {
        await WhileBusyAsync();
        if (state.State.MergedInto is { } survivor)
        {
            return await Customer(survivor).ExplainAsync(id);
        }

        id = id.Normalize();
        var record = Profile.Identifiers.Find(r => r.Type == id.Type && r.Value == id.Value);
        if (record is null)
        {
            return null;
        }

        var first = record.MessageId is { } messageId ? await archive.FindAsync(Self, messageId, CancellationToken.None) : null;
        return IdentityExplainer.Explain(Profile, id, first is { } row ? CdpJson.DeserializeEvent(row.Json) : null);
    }

    public async Task<IdentityJournalEntry> UnmergeAsync(string entryId)
    {
        if (state.State.MergedInto is { } survivor)
        {
            return await Customer(survivor).UnmergeAsync(entryId);
        }

        ArgumentException.ThrowIfNullOrEmpty(entryId);
        if (state.State.PendingUnmerge is not null)
        {
            await ContinueUnmergeAsync();
        }

        var merge = Profile.Journal.Find(e => e.EntryId == entryId);
        if (merge is null || merge.Action != IdentityAction.Merged)
        {
            throw new CdpValidationException(new CdpValidationError(
                "entryId", CdpValidationRule.NotFound, $"customer {Self} has no merge journal entry '{entryId}'."));
        }

        if (merge.UndoneAt is not null)
        {
            throw new CdpValidationException(new CdpValidationError(
                "entryId", CdpValidationRule.Conflict, $"merge '{entryId}' was already undone by '{merge.UndoneBy}'."));
        }

        state.State.PendingUnmerge = new PendingUnmerge
        {
            MergeEntryId = entryId,
            UnmergeEntryId = NewEntryId(),
            NewCustomerId = Ingest.CustomerIds.New(),
            At = time.GetUtcNow(),
        };

        try
        {
            await SnapshotAsync();
        }
        catch
        {
            state.State.PendingUnmerge = null;
            throw;
        }

        try
        {
            return await ContinueUnmergeAsync();
        }
        catch
        {
            // Events applied before a retry would be planned as moving without having been copied: the next
            // activation finishes the unmerge before it takes any event.
            DeactivateOnIdle();
            throw;
        }
    }

    public async Task InitializeSplitAsync(IdentityJournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (Profile.Journal.Exists(e => e.EntryId == entry.EntryId))
        {
            return;
        }

        await ReplayAsync(CancellationToken.None);
        Profile.Journal.Add(entry);
        AddDistinct(Profile.KeptApart, [entry.OtherCustomerId!]);
        await SnapshotAsync();
    }

    private async Task<bool[]> AppendAndApplyAsync(List<PendingEvent> pending, Func<int, CdpEvent> eventAt)
    {
        var result = await AppendAsync(pending);
        var fresh = new bool[pending.Count];
        var freshCount = result.Duplicates.Count(d => !d);
        if (result.LastSequence == Profile.Sequence + freshCount && result.HighestDuplicateSequence <= Profile.Sequence)
        {
            // The usual case: the archive took exactly these events, in order, after what this grain holds.
            var sequence = Profile.Sequence;
            for (var k = 0; k < pending.Count; k++)
            {
                if (!result.Duplicates[k])
                {
                    ApplyToProfile(eventAt(k), ++sequence);
                    fresh[k] = true;
                }
            }
        }
        else
        {
            // The archive holds events this grain has not applied: an earlier call that committed but whose
            // answer was lost, or part of a call that failed. Take them in from the archive itself, so every
            // archived event reaches the profile once, before this call is acknowledged.
            LogCatchingUp(logger, Self, Profile.Sequence, Math.Max(result.LastSequence, result.HighestDuplicateSequence));
            await ReplayAsync(CancellationToken.None);
            for (var k = 0; k < pending.Count; k++)
            {
                fresh[k] = !result.Duplicates[k];
            }
        }

        // Duplicates the archive knew of are remembered too, unless the window holds them, so a further retry stops here.
        for (var k = 0; k < pending.Count; k++)
        {
            if (result.Duplicates[k] && !Applied(pending[k].MessageId))
            {
                _applied.Add(pending[k].MessageId);
            }
        }

        return fresh;
    }

    private async Task<AppendResult> AppendAsync(List<PendingEvent> pending)
    {
        try
        {
            return await archive.AppendAsync(Self, Profile.Sequence, pending, CancellationToken.None);
        }
        catch (ArchiveConcurrencyException ex)
        {
            // Another activation of this customer wrote meanwhile (possible for a moment after a silo
            // failure). Take in what it wrote, then append after it; markers keep its events from repeating.
            LogConcurrentWriter(logger, ex, Self, Profile.Sequence);
            await ReplayAsync(CancellationToken.None);
            return await archive.AppendAsync(Self, Profile.Sequence, pending, CancellationToken.None);
        }
    }

    private async Task ReplayAsync(CancellationToken cancellationToken)
    {
        using var busy = Busy();
        var replayed = 0;
        while (true)
        {
            var rows = await archive.ReadAsync(Self, Profile.Sequence, ReplayPageSize, cancellationToken);
            foreach (var (sequence, json) in rows)
            {
                var evt = CdpJson.DeserializeEvent(json);
                ApplyToProfile(evt, sequence);
            }

            replayed += rows.Count;
            if (rows.Count < ReplayPageSize)
            {
                break;
            }
        }

        if (replayed > 0)
        {
            LogReplayed(logger, Self, replayed, Profile.Sequence);
        }
    }

    // Identifiers that are not this customer's are journaled as salted hashes and named by type only, so that
    // erasing their owner leaves no trace of them in this profile.
    private async Task<ResolveOutcome> DemoteAsync(
        ResolveRequest request, string?[] owners, IdentityRuleSet ruleSet, string rule, string? other, string reason)
    {
        var ids = request.Identifiers;
        var demoted = ids[^1];
        var demotedIsMine = owners[^1] == Self;
        var shown = demotedIsMine ? demoted.ToString() : $"a {demoted.Type} identifier";
        await RecordRefusalAsync(new IdentityJournalEntry
        {
            EntryId = NewEntryId(),
            Action = other is null ? IdentityAction.IdentifierDemoted : IdentityAction.MergeRefused,
            At = time.GetUtcNow(),
            MessageId = request.MessageId,
            Rule = rule,
            CustomerId = Self,
            OtherCustomerId = other,
            Identifiers = [.. ids.Select((id, i) => owners[i] == Self ? id : Masked(id))],
            LinkedIdentifiers = [demotedIsMine ? demoted : Masked(demoted)],
            Detail = other is null
                ? $"{shown} was not attached: {reason}."
                : $"Not merged with customer {other}: {reason}; {shown}, the event's lowest-priority identifier, was set aside.",
            RulesVersion = ruleSet.Version,
        });
        return new ResolveOutcome(ResolveStatus.Demote, Self, demoted);
    }

    // A refusal that repeats one already recorded (same rule, identifier and other customer) only counts up.
    private async Task RecordRefusalAsync(IdentityJournalEntry entry)
    {
        var journal = Profile.Journal;
        var same = journal.Find(e => e.Action == entry.Action && e.Rule == entry.Rule &&
            e.OtherCustomerId == entry.OtherCustomerId && e.LinkedIdentifiers.AsSpan().SequenceEqual(entry.LinkedIdentifiers));
        if (same is not null)
        {
            same.Count++;
            return;
        }

        if (journal.Count(e => e.Action is IdentityAction.MergeRefused or IdentityAction.IdentifierDemoted) >= _maxRefusals)
        {
            LogRefusalsFull(logger, Self, _maxRefusals);
            return;
        }

        journal.Add(entry);
        try
        {
            await SnapshotAsync();
        }
        catch
        {
            // Not stored, so not recorded: the caller sees the error and a retry records it again.
            journal.Remove(entry);
            throw;
        }

        if (entry.Rule.StartsWith("max-", StringComparison.Ordinal))
        {
            LogOverMerge(logger, Self, entry.OtherCustomerId, entry.Rule, entry.MessageId);
        }
        else
        {
            LogRefused(logger, Self, entry.Action, entry.Rule, entry.OtherCustomerId, entry.MessageId);
        }
    }

    private async Task<SealOutcome> MergeAsync(string other, ResolveRequest request, string?[] owners, IdentityRuleSet ruleSet)
    {
        var pending = state.State.PendingMerges.Find(p => p.Absorbed == other);
        if (pending is null)
        {
            var held = Held().Concat(Unowned(request.Identifiers, owners, request.EventTime)).DistinctBy(h => h.Id).ToArray();
            pending = new PendingMerge
            {
                EntryId = NewEntryId(),
                Absorbed = other,
                Request = new SealRequest(
                    Self, request.MessageId, request.EventTime, [.. held.Select(h => h.Id)], [.. held.Select(h => h.FirstSeen)],
                    [.. Profile.Absorbed], [.. Profile.KeptApart], ruleSet.Rules),
                EventIdentifiers = request.Identifiers,
                LinkedIdentifiers = [.. request.Identifiers.Where((_, i) => owners[i] == other)],
                SurvivorConsent = [.. Profile.Consent.Values.Select(c => c.Clone())],
            };

            // The intent is stored before the other customer is sealed, so a crash in between is finished later.
            state.State.PendingMerges.Add(pending);
            try
            {
                await SnapshotAsync();
            }
            catch
            {
                state.State.PendingMerges.Remove(pending);
                throw;
            }
        }

        return await ContinueMergeAsync(pending);
    }

    private async Task<SealOutcome> ContinueMergeAsync(PendingMerge pending)
    {
        // Reads wait from the seal to the end of the absorb, so that neither side answers with half a person.
        using var busy = Busy();
        try
        {
            var outcome = await Customer(pending.Absorbed).SealAsync(pending.Request);
            if (outcome.Status == SealStatus.Sealed)
            {
                await AbsorbAsync(pending, outcome);
            }
            else
            {
                state.State.PendingMerges.Remove(pending);
                await TrySnapshotAsync();
            }

            return outcome;
        }
        catch
        {
            // A half-done merge must not go on serving: the next activation finishes it before anything else.
            DeactivateOnIdle();
            throw;
        }
    }

    // Takes in a sealed customer: its archived events (appended here, duplicates skipped by messageId, so
    // every count stays exact), its identity history, and its identifiers, which are re-pointed here.
    private async Task AbsorbAsync(PendingMerge pending, SealOutcome outcome)
    {
        using var busy = Busy();
        var absorbed = pending.Absorbed;
        var copied = 0;
        long after = 0;
        while (true)
        {
            var rows = await archive.ReadAsync(absorbed, after, ReplayPageSize, CancellationToken.None);
            var events = new List<CdpEvent>(rows.Count);
            var batch = new List<PendingEvent>(rows.Count);
            foreach (var (_, json) in rows)
            {
                var evt = CdpJson.DeserializeEvent(json);
                if (!Applied(evt.MessageId!))
                {
                    events.Add(evt);
                    batch.Add(new PendingEvent(evt.MessageId!, json));
                }
            }

            if (batch.Count > 0)
            {
                var fresh = await AppendAndApplyAsync(batch, k => events[k]);
                copied += fresh.Count(f => f);
            }

            if (rows.Count < ReplayPageSize)
            {
                break;
            }

            after = rows[^1].Sequence;
        }

        if (!Profile.Journal.Exists(e => e.EntryId == pending.EntryId))
        {
            AddDistinct(Profile.Absorbed, [absorbed, .. outcome.Absorbed]);
            AddDistinct(Profile.KeptApart, outcome.KeptApart);
            foreach (var entry in outcome.Journal)
            {
                if (!Profile.Journal.Exists(e => e.EntryId == entry.EntryId))
                {
                    Profile.Journal.Add(entry);
                }
            }

            var survivorSide = pending.EventIdentifiers.Except(pending.LinkedIdentifiers);
            ResolveConsent(pending, outcome);
            Profile.Journal.Add(new IdentityJournalEntry
            {
                EntryId = pending.EntryId,
                Action = IdentityAction.Merged,
                At = time.GetUtcNow(),
                MessageId = pending.Request.MessageId,
                Rule = "merge",
                CustomerId = Self,
                OtherCustomerId = absorbed,
                Identifiers = pending.EventIdentifiers,
                LinkedIdentifiers = pending.LinkedIdentifiers,
                MovedIdentifiers = outcome.Identifiers,
                Detail = $"Customer {absorbed} was merged in: event {pending.Request.MessageId} carried " +
                    $"{string.Join(", ", pending.LinkedIdentifiers)} of {absorbed} and {string.Join(", ", survivorSide)} of {Self}.",
                RulesVersion = pending.Request.Rules.Version,
            });
        }

        foreach (var id in outcome.Identifiers)
        {
            if (!Profile.HasIdentifier(id))
            {
                _reserved.TryAdd(id, pending.Request.EventTime);
            }
        }

        await Task.WhenAll(outcome.Identifiers.Select(id => Identity(id).RepointAsync(absorbed, Self)));
        state.State.PendingMerges.Remove(pending);
        await SnapshotAsync();
        LogMerged(logger, absorbed, Self, pending.Request.MessageId, copied);
    }

    // Where the two customers' decisions in force disagreed, the most restrictive stays, as of the later of the two.
    // It lives in the snapshot: an unmerge rebuilds each side from its own events, where the disagreement is gone.
    private void ResolveConsent(PendingMerge pending, SealOutcome outcome)
    {
        var now = time.GetUtcNow();
        var disagreements = ConsentMerge.Disagreements(pending.SurvivorConsent, outcome.Consent);
        for (var i = 0; i < disagreements.Count; i++)
        {
            var (ours, theirs, kept) = disagreements[i];
            var later = EventTimes.IsNewer(ours.EventTime, ours.MessageId ?? "", theirs.EventTime, theirs.MessageId) ? ours : theirs;
            var record = later.Clone();
            record.Status = kept;
            record.Source = "cdp:merge";
            record.LegalBasis = "merge: most restrictive of two customers' decisions";
            record.Applied = true;
            Profile.Consent[record.Key] = record;
            Profile.ConsentHistory.Add(record.Clone());
            Profile.Journal.Add(new IdentityJournalEntry
            {
                EntryId = $"{pending.EntryId}-c{i}",
                Action = IdentityAction.ConsentResolved,
                At = now,
                MessageId = pending.Request.MessageId,
                Rule = "consent:" + record.Key,
                CustomerId = Self,
                OtherCustomerId = pending.Absorbed,
                Detail = $"Consent for {record.Key} was {Describe(ours)} on {Self} and {Describe(theirs)} on {pending.Absorbed}; " +
                    $"{kept.ToString().ToLowerInvariant()} is kept.",
                RulesVersion = pending.Request.Rules.Version,
            });
        }

        static string Describe(ConsentRecord record) =>
            $"{record.Status.ToString().ToLowerInvariant()} (as of {record.EventTime.UtcDateTime:yyyy-MM-dd HH:mm:ss'Z'})";
    }

    public async Task<bool> AllowsAsync(string purpose, string? channel)
    {
        await WhileBusyAsync();
        if (state.State.MergedInto is { } survivor)
        {
            return await Customer(survivor).AllowsAsync(purpose, channel);
        }

        return consent.Allows(Profile, purpose, channel);
    }

    private async Task<IdentityJournalEntry> ContinueUnmergeAsync()
    {
        using var busy = Busy();
        var pending = state.State.PendingUnmerge!;
        var merge = Profile.Journal.Find(e => e.EntryId == pending.MergeEntryId)!;
        var target = pending.NewCustomerId;
        var rows = await ReadAllAsync(Self);
        var plan = UnmergePlanner.Plan(
            rows.Select(r => r.Event).ToList(), merge.Identifiers.Except(merge.LinkedIdentifiers).ToArray(), merge.LinkedIdentifiers);

        if (pending.Stage == UnmergeStage.Copying)
        {
            var existing = await ReadAllAsync(target);
            var moving = new List<PendingEvent>();
            for (var i = 0; i < rows.Count; i++)
            {
                var (sequence, json, evt) = rows[i];
                var rewritten = plan[i].Identifiers is { } kept ? CdpJson.Serialize(evt with { Identifiers = kept }) : null;
                if (plan[i].MovesAway)
                {
                    moving.Add(new PendingEvent(evt.MessageId!, rewritten ?? json));
                }
                else if (rewritten is not null)
                {
                    await archive.ReplaceAsync(Self, sequence, rewritten, CancellationToken.None);
                }
            }

            if (moving.Count > 0)
            {
                await archive.AppendAsync(target, existing.Count == 0 ? 0 : existing[^1].Sequence, moving, CancellationToken.None);
            }

            pending.Stage = UnmergeStage.Pruning;
            await SnapshotAsync();
        }

        if (pending.Stage == UnmergeStage.Pruning)
        {
            var gone = rows.Where((_, i) => plan[i].MovesAway).Select(r => (r.Sequence, r.Event.MessageId!)).ToList();
            await archive.DeleteAsync(Self, gone, CancellationToken.None);
            pending.Stage = UnmergeStage.Finishing;
            await SnapshotAsync();
        }

        // Rebuild from what remains in the archive, keeping the identity history.
        var previous = Profile;
        state.State.Profile = new CustomerProfile
        {
            CustomerId = previous.CustomerId,
            Journal = previous.Journal,
            Absorbed = previous.Absorbed,
            KeptApart = previous.KeptApart,
        };
        _applied = new RecentIds(_options.RememberedMessageIds);
        await ReplayAsync(CancellationToken.None);

        var split = await ReadAllAsync(target);
        var moved = split.SelectMany(r => r.Event.Identifiers ?? []).Distinct().Where(id => !Profile.HasIdentifier(id)).ToArray();
        foreach (var id in moved)
        {
            state.State.MovedIdentifiers[IdentityKeys.Of(id)] = target;
        }

        // The other side is another person now: this journal keeps their identifiers only as salted hashes.
        var theirs = split.SelectMany(r => r.Event.Identifiers ?? []).ToHashSet();
        var linkIdentifiers = merge.Identifiers;
        if (merge.UndoneAt is null)
        {
            merge.UndoneAt = pending.At;
            merge.UndoneBy = pending.UnmergeEntryId;
            merge.Detail = $"Customer {merge.OtherCustomerId} was merged in by event {merge.MessageId}; undone by {merge.UndoneBy}.";
            foreach (var entry in Profile.Journal.Where(e => e == merge || InsideUndoneMerge(e, merge.OtherCustomerId!)))
            {
                MaskEntry(entry, theirs);
            }
        }

        RemoveAbsorbed(merge.OtherCustomerId!);
        AddDistinct(Profile.KeptApart, [target]);
        var unmerge = Profile.Journal.Find(e => e.EntryId == pending.UnmergeEntryId);
        if (unmerge is null)
        {
            unmerge = new IdentityJournalEntry
            {
                EntryId = pending.UnmergeEntryId,
                Action = IdentityAction.Unmerged,
                At = pending.At,
                MessageId = merge.MessageId,
                Rule = "unmerge",
                CustomerId = Self,
                OtherCustomerId = target,
                Identifiers = merge.Identifiers,
                LinkedIdentifiers = merge.LinkedIdentifiers,
                MovedIdentifiers = [.. moved.Select(Masked)],
                Detail = $"Undid merge {merge.EntryId} of customer {merge.OtherCustomerId}: {split.Count} events and " +
                    $"{moved.Length} identifiers moved to the new customer {target}; the two are kept apart from now on.",
            };
            Profile.Journal.Add(unmerge);
        }

        await Task.WhenAll(moved.Select(id => Identity(id).RepointAsync(Self, target)));
        await Customer(target).InitializeSplitAsync(new IdentityJournalEntry
        {
            EntryId = pending.UnmergeEntryId,
            Action = IdentityAction.SplitFrom,
            At = pending.At,
            MessageId = merge.MessageId,
            Rule = "unmerge",
            CustomerId = target,
            OtherCustomerId = Self,
            Identifiers = [.. linkIdentifiers.Select(id => theirs.Contains(id) ? id : Masked(id))],
            LinkedIdentifiers = [.. merge.LinkedIdentifiers.Where(theirs.Contains)],
            MovedIdentifiers = moved,
            Detail = $"Split off customer {Self} by the unmerge of merge {merge.EntryId}.",
        });

        state.State.PendingUnmerge = null;
        await SnapshotAsync();
        LogUnmerged(logger, merge.EntryId, Self, target, split.Count);
        return unmerge;
    }

    private async Task<List<(long Sequence, byte[] Json, CdpEvent Event)>> ReadAllAsync(string customerId)
    {
        var all = new List<(long, byte[], CdpEvent)>();
        long after = 0;
        while (true)
        {
            var rows = await archive.ReadAsync(customerId, after, ReplayPageSize, CancellationToken.None);
            all.AddRange(rows.Select(r => (r.Sequence, r.Json, CdpJson.DeserializeEvent(r.Json))));
            if (rows.Count < ReplayPageSize)
            {
                return all;
            }

            after = rows[^1].Sequence;
        }
    }

    // The customer and everything merged into it through the undone merge are no longer part of this one.
    // Entries recorded by the absorbed customer, or by customers it had absorbed, before the undone merge.
    private bool InsideUndoneMerge(IdentityJournalEntry entry, string absorbed) =>
        entry.CustomerId == absorbed || Profile.Journal.Exists(e =>
            e.Action == IdentityAction.Merged && e.CustomerId == absorbed && e.OtherCustomerId == entry.CustomerId);

    private void MaskEntry(IdentityJournalEntry entry, HashSet<ExternalId> theirs)
    {
        ExternalId[] Mask(ExternalId[] ids) => [.. ids.Select(id => theirs.Contains(id) ? Masked(id) : id)];
        entry.Identifiers = Mask(entry.Identifiers);
        entry.LinkedIdentifiers = Mask(entry.LinkedIdentifiers);
        entry.MovedIdentifiers = Mask(entry.MovedIdentifiers);
        if (entry.CustomerId != Self)
        {
            entry.Detail = $"{entry.Action} recorded by customer {entry.CustomerId}, part of a merge that was undone.";
        }
    }

    private void RemoveAbsorbed(string customerId)
    {
        if (!Profile.Absorbed.Remove(customerId))
        {
            return;
        }

        foreach (var inner in Profile.Journal.Where(e => e.Action == IdentityAction.Merged && e.CustomerId == customerId).ToList())
        {
            RemoveAbsorbed(inner.OtherCustomerId!);
        }
    }

    private (string Rule, string Reason)? Refusal(SealRequest request, IdentityRuleSet ruleSet)
    {
        var mine = new HashSet<string>(Profile.Absorbed, StringComparer.Ordinal) { Self };
        var theirs = new HashSet<string>(request.SurvivorAbsorbed, StringComparer.Ordinal) { request.SurvivorId };
        if (request.SurvivorKeptApart.Any(mine.Contains) || Profile.KeptApart.Any(theirs.Contains))
        {
            return ("kept-apart", "an unmerge separated these customers");
        }

        var merges = request.SurvivorAbsorbed.Length + 1 + Profile.Absorbed.Count;
        if (merges > ruleSet.MaxMerges)
        {
            return ("max-merges",
                $"the profile would be made of {merges} merges, over the limit of {ruleSet.MaxMerges} (suspected over-merge)");
        }

        var combined = request.SurvivorIdentifiers.Select((id, i) => (id, request.SurvivorFirstSeen[i])).Concat(Held()).ToList();
        var count = combined.Select(c => c.Item1).Distinct().Count();
        if (count > ruleSet.MaxIdentifiers)
        {
            return ("max-identifiers",
                $"the profile would hold {count} identifiers, over the limit of {ruleSet.MaxIdentifiers} (suspected over-merge)");
        }

        if (ruleSet.FindBrokenLimit(combined, request.EventTime) is { } type)
        {
            return ("limit:" + type, $"the profile would hold more than {ruleSet.RuleOf(type).Limit} {type} identifiers");
        }

        return null;
    }

    private SealOutcome Sealed(string survivor) => new(
        SealStatus.Sealed, survivor, null, null, [.. Held().Select(h => h.Id).Distinct()],
        [.. Profile.Absorbed], [.. Profile.KeptApart], [.. Profile.Journal])
    {
        Consent = [.. Profile.Consent.Values],
    };

    private IEnumerable<(ExternalId Id, DateTimeOffset FirstSeen)> Held() =>
        Profile.Identifiers.Select(r => (r.ToExternalId(), r.FirstSeen)).Concat(_reserved.Select(r => (r.Key, r.Value)));

    private static IEnumerable<(ExternalId Id, DateTimeOffset FirstSeen)> Unowned(
        ExternalId[] ids, string?[] owners, DateTimeOffset time) =>
        ids.Where((_, i) => owners[i] is null).Select(id => (id, time));

    private string? Earliest(string?[] owners)
    {
        string? earliest = null;
        foreach (var owner in owners)
        {
            if (owner is not null && string.CompareOrdinal(owner, Self) < 0 &&
                (earliest is null || string.CompareOrdinal(owner, earliest) < 0))
            {
                earliest = owner;
            }
        }

        return earliest;
    }

    private string? MovedTo(CdpEvent evt) =>
        evt.Identifiers is { Length: > 0 } ids && state.State.MovedIdentifiers.TryGetValue(IdentityKeys.Of(ids[0]), out var to) ? to : null;

    private static void Replace(string?[] owners, string from, string to)
    {
        for (var i = 0; i < owners.Length; i++)
        {
            if (owners[i] == from)
            {
                owners[i] = to;
            }
        }
    }

    private static void AddDistinct(List<string> list, IEnumerable<string> items)
    {
        foreach (var item in items)
        {
            if (!list.Contains(item))
            {
                list.Add(item);
            }
        }
    }

    private ExternalId Masked(ExternalId id) => new(id.Type, "#" + hasher.Hash(id));

    private static string NewEntryId() => "j" + Guid.CreateVersion7().ToString("N");

    private IIdentityGrain Identity(ExternalId id) => GrainFactory.GetGrain<IIdentityGrain>(IdentityKeys.Of(id));

    private ICustomerGrain Customer(string customerId) => GrainFactory.GetGrain<ICustomerGrain>(customerId);

    private async Task WhileBusyAsync()
    {
        while (_busy is { } busy)
        {
            await busy.Task;
        }
    }

    private BusyScope Busy()
    {
        if (_busy is not null)
        {
            return default;
        }

        _busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new BusyScope(this);
    }

    private readonly struct BusyScope(CustomerGrain? grain) : IDisposable
    {
        public void Dispose()
        {
            if (grain?._busy is { } busy)
            {
                grain._busy = null;
                busy.SetResult();
            }
        }
    }

    // A snapshot only shortens the next replay: the events are durable in the archive already, so a failed
    // one must not fail the call that triggered it. The next threshold or deactivation tries again.
    private async Task TrySnapshotAsync()
    {
        try
        {
            await SnapshotAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSnapshotFailed(logger, ex, Self, Profile.Sequence - _snapshotSequence);
        }
    }

    private async Task SnapshotAsync()
    {
        try
        {
            await state.WriteStateAsync();
            _snapshotSequence = Profile.Sequence;
        }
        catch (InconsistentStateException ex)
        {
            // Another activation wrote a snapshot. The archive holds every event both applied, so rebuild from
            // its snapshot and the archive's tail, keep the identity work of both, and store the result.
            LogSnapshotConflict(logger, ex, Self);
            var local = state.State;
            await state.ReadStateAsync();
            var stored = state.State;
            stored.Profile.CustomerId = local.Profile.CustomerId;
            foreach (var entry in local.Profile.Journal)
            {
                if (!stored.Profile.Journal.Exists(e => e.EntryId == entry.EntryId))
                {
                    stored.Profile.Journal.Add(entry);
                }
            }

            AddDistinct(stored.Profile.Absorbed, local.Profile.Absorbed);
            AddDistinct(stored.Profile.KeptApart, local.Profile.KeptApart);
            stored.MergedInto ??= local.MergedInto;
            stored.PendingUnmerge ??= local.PendingUnmerge;
            stored.PendingMerges.AddRange(local.PendingMerges.Where(p => !stored.PendingMerges.Exists(s => s.Absorbed == p.Absorbed)));
            foreach (var (key, to) in local.MovedIdentifiers)
            {
                stored.MovedIdentifiers.TryAdd(key, to);
            }

            await ReplayAsync(CancellationToken.None);
            await state.WriteStateAsync();
            _snapshotSequence = Profile.Sequence;
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug,
        Message = "Customer {CustomerId}: replayed {Count} archived events up to sequence {Sequence}")]
    private static partial void LogReplayed(ILogger logger, string customerId, int count, long sequence);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: another writer appended after sequence {Sequence}; catching up and retrying")]
    private static partial void LogConcurrentWriter(ILogger logger, Exception exception, string customerId, long sequence);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: the stored snapshot changed underneath this activation; rebuilt from storage")]
    private static partial void LogSnapshotConflict(ILogger logger, Exception exception, string customerId);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: writing the profile snapshot failed; {Count} archived events are not in it yet")]
    private static partial void LogSnapshotFailed(ILogger logger, Exception exception, string customerId, long count);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: the archive reaches sequence {ArchiveSequence} beyond the {Sequence} applied; catching up")]
    private static partial void LogCatchingUp(ILogger logger, string customerId, long sequence, long archiveSequence);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Information,
        Message = "Customer {Absorbed} merged into {Survivor} by event {MessageId}; {Count} archived events taken over")]
    private static partial void LogMerged(ILogger logger, string absorbed, string survivor, string messageId, int count);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Information,
        Message = "Customer {CustomerId}: {Action} under rule {Rule} (other customer {OtherCustomerId}, event {MessageId})")]
    private static partial void LogRefused(
        ILogger logger, string customerId, IdentityAction action, string rule, string? otherCustomerId, string? messageId);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: suspected over-merge with {OtherCustomerId} refused under rule {Rule} (event {MessageId})")]
    private static partial void LogOverMerge(ILogger logger, string customerId, string? otherCustomerId, string rule, string? messageId);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: the journal already holds {Max} refusals; further ones are not recorded")]
    private static partial void LogRefusalsFull(ILogger logger, string customerId, int max);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Information,
        Message = "Merge {EntryId} undone: {Count} events of customer {CustomerId} moved to the new customer {NewCustomerId}")]
    private static partial void LogUnmerged(ILogger logger, string entryId, string customerId, string newCustomerId, int count);
}
