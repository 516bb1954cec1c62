namespace Cdp.Grains.Domain;

/// <summary>
/// Splits a batch into chains of events linked by shared identifiers. Events of one chain must resolve
/// one after another, in batch order, so that each sees what the ones before it claimed (an anonymous
/// page view, then the identify call that names the user); separate chains may resolve in parallel.
/// </summary>
public static class IdentityChains
{
    /// <summary>The chains, each a list of event positions in batch order; chains ordered by their first event.</summary>
    public static List<List<int>> Of(IReadOnlyList<CdpEvent> events)
    {
        var parent = new int[events.Count];
        for (var i = 0; i < parent.Length; i++)
        {
            parent[i] = i;
        }

        var firstSeen = new Dictionary<ExternalId, int>();
        for (var i = 0; i < events.Count; i++)
        {
            foreach (var id in Keys(events[i]))
            {
                if (firstSeen.TryGetValue(id, out var earlier))
                {
                    Union(parent, earlier, i);
                }
                else
                {
                    firstSeen[id] = i;
                }
            }
        }

        var chains = new List<List<int>>();
        var chainOfRoot = new Dictionary<int, List<int>>();
        for (var i = 0; i < events.Count; i++)
        {
            var root = Find(parent, i);
            if (!chainOfRoot.TryGetValue(root, out var chain))
            {
                chainOfRoot[root] = chain = [];
                chains.Add(chain);
            }

            chain.Add(i);
        }

        return chains;
    }

    // An alias's previousId is matched both ways, since its type is settled only when it is resolved.
    private static IEnumerable<ExternalId> Keys(CdpEvent evt)
    {
        foreach (var id in evt.Identifiers ?? [])
        {
            yield return id;
        }

        if (evt.Type == EventType.Alias && evt.PreviousId is { } previousId)
        {
            yield return new ExternalId(IdentifierTypes.UserId, previousId);
            yield return new ExternalId(IdentifierTypes.AnonymousId, previousId);
        }
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }

    private static void Union(int[] parent, int a, int b)
    {
        var rootA = Find(parent, a);
        var rootB = Find(parent, b);
        if (rootA != rootB)
        {
            parent[Math.Max(rootA, rootB)] = Math.Min(rootA, rootB);
        }
    }
}
