using Cdp.Grains.Domain;
using Cdp.Grains.Identity;
using Orleans.Concurrency;

namespace Cdp.Grains.Ingest;

/// <summary>
/// The front door for events, a stateless worker on every silo: validates a call as a whole, stamps
/// receivedAt and a messageId where missing, resolves each event to its customer (from the silo's remembered
/// routes when every identifier has one, else through the identity grains), and applies the events per customer in
/// the order given, following merged customers to their survivors and resolving again where a route went stale.
/// </summary>
[StatelessWorker]
public sealed class IngestGrain(
    TimeProvider time, IdentityRulesCache rulesCache, ConsentCatalog consent, ApplyCoalescer coalescer, RouteCache routes,
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
        var remembered = new bool[events.Length];
        var known = new Dictionary<ExternalId, string>();
        if (events.Length == 1)
        {
            customers[0] = RememberedRoute(0, routed, remembered) ?? await ResolveAsync(0, routed, known, rules);
        }
        else
        {
            await Task.WhenAll(IdentityChains.Of(routed).Select(chain =>
                ResolveChainAsync(chain, routed, customers, remembered, known, rules)));
        }

        var receipts = new EventReceipt[events.Length];
        var waiting = SuppressedEvents.ReceiptsAndRest(routed, customers, receipts);
        for (var hop = 0; waiting.Count > 0; hop++)
        {
            if (hop > MaxForwards)
            {
                throw new InvalidOperationException("Events were forwarded between merged customers too many times; try again.");
            }

            var (forwarded, unrouted) = await ApplyAsync(waiting, routed, customers, remembered, receipts);
            if (unrouted is not null)
            {
                // Their remembered routes went stale: each event is resolved in full, in the order given.
                known.Clear();
                foreach (var i in unrouted)
                {
                    customers[i] = await ResolveAsync(i, routed, known, rules);
                    if (customers[i] == IdentityResolver.Suppressed)
                    {
                        receipts[i] = EventReceipt.OfSuppressed(routed[i].MessageId!);
                    }
                    else
                    {
                        forwarded.Add(i);
                    }
                }

                forwarded.Sort();
            }

            waiting = forwarded;
        }

        return receipts;
    }

    // The customer the silo remembers for every identifier of the event, if it remembers one; the customer grain
    // checks the route before it applies. An alias names a previousId whose type is only known from the lookups.
    private string? RememberedRoute(int i, CdpEvent[] routed, bool[] remembered)
    {
        if (routed[i].Type == EventType.Alias || routes.Find(routed[i].Identifiers!) is not { } customer)
        {
            return null;
        }

        remembered[i] = true;
        routes.CountTaken();
        return customer;
    }

    private IdentityResolver Resolver => _resolver ??= new IdentityResolver(GrainFactory, suppression);

    // Applies the events at the given positions, grouped by customer; returns those a merged customer sent on, and
    // those handed back because their remembered route went stale.
    private async Task<(List<int> Forwarded, List<int>? Unrouted)> ApplyAsync(
        List<int> positions, CdpEvent[] routed, string[] customers, bool[] remembered, EventReceipt[] receipts)
    {
        var forwarded = new List<int>();
        List<int>? unrouted = null;
        if (positions.Count == 1)
        {
            var index = positions[0];
            var outcome = await coalescer.ApplyAsync(customers[index], [routed[index]], remembered[index] ? [true] : null);
            Record(index, 0, customers[index], outcome, routed, customers, remembered, receipts, forwarded, ref unrouted);
            return (forwarded, unrouted);
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

        var outcomes = await Task.WhenAll(groups.Select(group =>
        {
            var batch = group.Value.Select(i => routed[i]).ToArray();
            var flags = group.Value.Exists(i => remembered[i]) ? group.Value.Select(i => remembered[i]).ToArray() : null;
            return coalescer.ApplyAsync(group.Key, batch, flags);
        }));

        var g = 0;
        foreach (var group in groups)
        {
            for (var k = 0; k < group.Value.Count; k++)
            {
                Record(group.Value[k], k, group.Key, outcomes[g], routed, customers, remembered, receipts, forwarded, ref unrouted);
            }

            g++;
        }

        forwarded.Sort();
        return (forwarded, unrouted);
    }

    // Runs on the grain's turn after the awaits, so the route cache and the lists are never written concurrently here.
    private void Record(
        int index, int k, string customer, ApplyOutcome outcome, CdpEvent[] routed, string[] customers, bool[] remembered,
        EventReceipt[] receipts, List<int> forwarded, ref List<int>? unrouted)
    {
        var ids = routed[index].Identifiers!;
        if (outcome.IsDropped(k))
        {
            // The customer was erased: a route to it is stale, and any other is of no use.
            if (remembered[index])
            {
                routes.ForgetStale(ids);
            }
            else
            {
                routes.Forget(ids);
            }

            remembered[index] = false;
            receipts[index] = EventReceipt.OfSuppressed(routed[index].MessageId!);
            return;
        }

        if (outcome.IsUnrouted(k))
        {
            routes.ForgetStale(ids);
            remembered[index] = false;
            (unrouted ??= []).Add(index);
            return;
        }

        if (outcome.RedirectOf(k) is { } survivor)
        {
            if (remembered[index])
            {
                routes.Forget(ids);
                remembered[index] = false;
            }

            customers[index] = survivor;
            forwarded.Add(index);
            return;
        }

        if (!remembered[index])
        {
            routes.Remember(ids, customer);
        }

        receipts[index] = new EventReceipt(routed[index].MessageId!, customer, !outcome.Applied[k]);
    }

    // Events of one chain share identifiers: each must see what the ones before it claimed.
    private async Task ResolveChainAsync(
        List<int> chain, CdpEvent[] routed, string[] customers, bool[] remembered, Dictionary<ExternalId, string> known,
        IdentityRuleSet rules)
    {
        foreach (var i in chain)
        {
            customers[i] = RememberedRoute(i, routed, remembered) ?? await ResolveAsync(i, routed, known, rules);
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
