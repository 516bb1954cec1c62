using Cdp.Grains.Domain;
using Orleans.Concurrency;

namespace Cdp.Grains.Ingest;

/// <summary>
/// The front door for events, a stateless worker on every silo: validates a call as a whole, stamps
/// receivedAt and a messageId where missing, resolves each event to its customer through the identity
/// grains, and applies the events per customer in the order given.
/// </summary>
[StatelessWorker]
public sealed class IngestGrain(TimeProvider time) : Grain, IIngestGrain
{
    private IdentityResolver? _resolver;

    public async Task<EventReceipt[]> IngestAsync(CdpEvent[] events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var now = time.GetUtcNow();
        EventValidator.ValidateBatch(events, now);

        var routed = new CdpEvent[events.Length];
        for (var i = 0; i < events.Length; i++)
        {
            var evt = events[i];
            var messageId = string.IsNullOrEmpty(evt.MessageId) ? MessageIds.New() : evt.MessageId;
            routed[i] = evt with { MessageId = messageId, ReceivedAt = now, Identifiers = Identifiers.Extract(evt) };
        }

        var customers = new string[events.Length];
        var known = new Dictionary<ExternalId, string>();
        if (events.Length == 1)
        {
            customers[0] = await ResolveAsync(0, routed, known);
        }
        else
        {
            await Task.WhenAll(IdentityChains.Of(routed).Select(chain => ResolveChainAsync(chain, routed, customers, known)));
        }

        var receipts = new EventReceipt[events.Length];
        if (events.Length == 1)
        {
            var applied = await GrainFactory.GetGrain<ICustomerGrain>(customers[0]).ApplyAsync(routed);
            receipts[0] = new EventReceipt(routed[0].MessageId!, customers[0], !applied[0]);
            return receipts;
        }

        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < events.Length; i++)
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
            var applied = await GrainFactory.GetGrain<ICustomerGrain>(group.Key).ApplyAsync(batch);
            for (var k = 0; k < batch.Length; k++)
            {
                var index = group.Value[k];
                receipts[index] = new EventReceipt(routed[index].MessageId!, group.Key, !applied[k]);
            }
        }));

        return receipts;
    }

    private IdentityResolver Resolver => _resolver ??= new IdentityResolver(GrainFactory);

    // Events of one chain share identifiers: each must see what the ones before it claimed.
    private async Task ResolveChainAsync(List<int> chain, CdpEvent[] routed, string[] customers, Dictionary<ExternalId, string> known)
    {
        foreach (var i in chain)
        {
            customers[i] = await ResolveAsync(i, routed, known);
        }
    }

    // An alias's previousId joins the event's identifiers once its type is known.
    private async Task<string> ResolveAsync(int i, CdpEvent[] routed, Dictionary<ExternalId, string> known)
    {
        var evt = routed[i];
        var ids = evt.Identifiers!;
        if (evt.Type == EventType.Alias && evt.PreviousId is { } previousId &&
            await ResolvePreviousIdAsync(previousId, known) is var previous && !ids.Contains(previous))
        {
            ids = [.. ids, previous];
            Identifiers.Sort(ids);
            routed[i] = evt with { Identifiers = ids };
        }

        return await Resolver.ResolveAsync(ids, evt.MessageId!, time.GetUtcNow(), known);
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
