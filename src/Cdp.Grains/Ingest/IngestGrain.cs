using Cdp.Grains.Domain;
using Cdp.Grains.Identity;
using Orleans.Concurrency;

namespace Cdp.Grains.Ingest;

/// <summary>
/// The front door for events, a stateless worker on every silo: validates a call as a whole, stamps
/// receivedAt and a messageId where missing, resolves each event to its customer through the identity
/// grains, and applies the events per customer in the order given, following merged customers to their survivors.
/// </summary>
[StatelessWorker]
public sealed class IngestGrain(
    TimeProvider time, IdentityRulesCache rulesCache, ConsentCatalog consent, ApplyCoalescer coalescer,
    Privacy.SuppressionCheck suppression) : Grain, IIngestGrain
{
    // A merged customer names its survivor; chains of merges longer than this mean something is wrong.
    private const int MaxForwards = 8;

    private IdentityResolver? _resolver;

    public async Task<EventReceipt[]> IngestAsync(CdpEvent[] events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var now = time.GetUtcNow();
        EventValidator.ValidateBatch(events, now);
        var rules = await rulesCache.GetAsync();

        var routed = new CdpEvent[events.Length];
        var problems = new List<CdpValidationError>();
        for (var i = 0; i < events.Length; i++)
        {
            var evt = events[i];
            var messageId = string.IsNullOrEmpty(evt.MessageId) ? MessageIds.New() : evt.MessageId;
            var ids = Identifiers.Extract(evt, rules);
            if (ids.Length == 0 && !(evt.Type == EventType.Alias && !rules.IsBlocked(new(IdentifierTypes.UserId, evt.PreviousId!))))
            {
                problems.Add(new CdpValidationError(
                    "userId", CdpValidationRule.BlockedIdentifier,
                    "every identifier of the event is a blocked value (such as 'null' or 'anonymous'), so it belongs to no one.")
                {
                    EventIndex = events.Length > 1 ? i : null,
                });
            }

            if (evt.Context is not null)
            {
                consent.Read(evt, problems, events.Length > 1 ? i : null);
            }

            routed[i] = evt with { MessageId = messageId, ReceivedAt = now, Identifiers = ids };
        }

        if (problems.Count > 0)
        {
            throw new CdpValidationException(problems);
        }

        var customers = new string[events.Length];
        var known = new Dictionary<ExternalId, string>();
        if (events.Length == 1)
        {
            customers[0] = await ResolveAsync(0, routed, known, rules);
        }
        else
        {
            await Task.WhenAll(IdentityChains.Of(routed).Select(chain => ResolveChainAsync(chain, routed, customers, known, rules)));
        }

        var receipts = new EventReceipt[events.Length];
        var waiting = SuppressedEvents.ReceiptsAndRest(routed, customers, receipts);
        for (var hop = 0; waiting.Count > 0; hop++)
        {
            if (hop > MaxForwards)
            {
                throw new InvalidOperationException("Events were forwarded between merged customers too many times; try again.");
            }

            waiting = await ApplyAsync(waiting, routed, customers, receipts);
        }

        return receipts;
    }

    private IdentityResolver Resolver => _resolver ??= new IdentityResolver(GrainFactory, suppression);

    // Applies the events at the given positions, grouped by customer; returns those a merged customer sent on.
    private async Task<List<int>> ApplyAsync(List<int> positions, CdpEvent[] routed, string[] customers, EventReceipt[] receipts)
    {
        var forwarded = new List<int>();
        if (positions.Count == 1)
        {
            var index = positions[0];
            var outcome = await coalescer.ApplyAsync(customers[index], [routed[index]]);
            Record(index, 0, customers[index], outcome, routed, customers, receipts, forwarded);
            return forwarded;
        }

        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var i in positions)
        {
            if (!groups.TryGetValue(customers[i], out var indexes))
            {
                groups[customers[i]] = indexes = [];
            }

            indexes.Add(i);
        }

        await Task.WhenAll(groups.Select(async group =>
        {
            var batch = group.Value.Select(i => routed[i]).ToArray();
            var outcome = await coalescer.ApplyAsync(group.Key, batch);
            for (var k = 0; k < batch.Length; k++)
            {
                Record(group.Value[k], k, group.Key, outcome, routed, customers, receipts, forwarded);
            }
        }));

        forwarded.Sort();
        return forwarded;
    }

    private static void Record(
        int index, int k, string customer, ApplyOutcome outcome, CdpEvent[] routed, string[] customers, EventReceipt[] receipts,
        List<int> forwarded)
    {
        if (outcome.RedirectOf(k) is { } survivor)
        {
            customers[index] = survivor;
            forwarded.Add(index);
            return;
        }

        receipts[index] = new EventReceipt(routed[index].MessageId!, customer, !outcome.Applied[k]);
    }

    // Events of one chain share identifiers: each must see what the ones before it claimed.
    private async Task ResolveChainAsync(
        List<int> chain, CdpEvent[] routed, string[] customers, Dictionary<ExternalId, string> known, IdentityRuleSet rules)
    {
        foreach (var i in chain)
        {
            customers[i] = await ResolveAsync(i, routed, known, rules);
        }
    }

    // An alias's previousId joins the event's identifiers once its type is known.
    private async Task<string> ResolveAsync(int i, CdpEvent[] routed, Dictionary<ExternalId, string> known, IdentityRuleSet rules)
    {
        var evt = routed[i];
        var ids = evt.Identifiers!;
        if (evt.Type == EventType.Alias && evt.PreviousId is { } previousId &&
            await ResolvePreviousIdAsync(previousId, known) is var previous && !ids.Contains(previous) && !rules.IsBlocked(previous))
        {
            ids = [.. ids, previous];
            rules.Sort(ids);
        }

        var (customer, kept) = await Resolver.ResolveAsync(ids, evt.MessageId!, EventTimes.Of(evt), known);
        if (!ReferenceEquals(kept, evt.Identifiers))
        {
            routed[i] = evt with { Identifiers = kept };
        }

        return customer;
    }

    // A previousId is whichever of a user id or an anonymous id is already known; a new one is anonymous.
    private async Task<ExternalId> ResolvePreviousIdAsync(string previousId, Dictionary<ExternalId, string> known)
    {
        var asUser = new ExternalId(IdentifierTypes.UserId, previousId);
        if (known.ContainsKey(asUser) ||
            await GrainFactory.GetGrain<IIdentityGrain>(IdentityKeys.Of(asUser)).GetCustomerAsync() is not null)
        {
            return asUser;
        }

        return new ExternalId(IdentifierTypes.AnonymousId, previousId);
    }
}
