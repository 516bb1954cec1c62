namespace Cdp.Grains.Domain;

/// <summary>Where an unmerge puts one archived event, and with which identifiers.</summary>
/// <param name="MovesAway">True when the event goes to the customer split off.</param>
/// <param name="Identifiers">The identifiers the event keeps, or null when it keeps all of them.</param>
public readonly record struct Placement(bool MovesAway, ExternalId[]? Identifiers);

/// <summary>
/// Decides how an unmerge divides a customer's archived events: it replays them in archive order through
/// an identity graph in which the two sides of the undone link may never join. An event that would join
/// them (the linking event itself, or a later one) loses its lowest-priority identifiers until it no longer
/// does, as live resolution demotes identifiers, and lands on the side its remaining identifiers lead to.
/// Pure, so the plan is the same when an interrupted unmerge is resumed.
/// </summary>
public static class UnmergePlanner
{
    /// <param name="events">The customer's archived events, oldest first, identifiers highest priority first.</param>
    /// <param name="keep">The link's identifiers on the side that stays (the survivor's).</param>
    /// <param name="move">The link's identifiers on the side that moves away (the absorbed customer's).</param>
    public static Placement[] Plan(
        IReadOnlyList<CdpEvent> events, IReadOnlyCollection<ExternalId> keep, IReadOnlyCollection<ExternalId> move)
    {
        var graph = new Graph(keep, move);
        var anchors = new ExternalId?[events.Count];
        var kept = new ExternalId[]?[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var ids = events[i].Identifiers ?? [];
            var count = ids.Length;
            while (count > 1 && graph.WouldJoinSides(ids.AsSpan(0, count)))
            {
                count--;
            }

            graph.Join(ids.AsSpan(0, count));
            anchors[i] = count > 0 ? ids[0] : null;
            kept[i] = count == ids.Length ? null : ids[..count];
        }

        var plan = new Placement[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            plan[i] = new Placement(anchors[i] is { } anchor && graph.IsMoveSide(anchor), kept[i]);
        }

        return plan;
    }

    private sealed class Graph
    {
        private readonly Dictionary<ExternalId, int> _node = [];
        private readonly List<int> _parent = [];
        private readonly List<bool> _keep = [];
        private readonly List<bool> _move = [];
        private readonly HashSet<ExternalId> _keepIds;
        private readonly HashSet<ExternalId> _moveIds;

        public Graph(IReadOnlyCollection<ExternalId> keep, IReadOnlyCollection<ExternalId> move)
        {
            _keepIds = [.. keep];
            _moveIds = [.. move];
        }

        public bool WouldJoinSides(ReadOnlySpan<ExternalId> ids)
        {
            bool keep = false, move = false;
            foreach (var id in ids)
            {
                if (_node.TryGetValue(id, out var node))
                {
                    var root = Find(node);
                    keep |= _keep[root];
                    move |= _move[root];
                }
                else
                {
                    keep |= _keepIds.Contains(id);
                    move |= _moveIds.Contains(id);
                }
            }

            return keep && move;
        }

        public void Join(ReadOnlySpan<ExternalId> ids)
        {
            var first = -1;
            foreach (var id in ids)
            {
                var root = Find(NodeOf(id));
                if (first < 0)
                {
                    first = root;
                }
                else if (root != first)
                {
                    _parent[root] = first;
                    _keep[first] |= _keep[root];
                    _move[first] |= _move[root];
                }
            }
        }

        public bool IsMoveSide(ExternalId id)
        {
            var root = Find(_node[id]);
            return _move[root] && !_keep[root];
        }

        private int NodeOf(ExternalId id)
        {
            if (!_node.TryGetValue(id, out var node))
            {
                node = _parent.Count;
                _node[id] = node;
                _parent.Add(node);
                _keep.Add(_keepIds.Contains(id));
                _move.Add(_moveIds.Contains(id));
            }

            return node;
        }

        private int Find(int node)
        {
            while (_parent[node] != node)
            {
                _parent[node] = _parent[_parent[node]];
                node = _parent[node];
            }

            return node;
        }
    }
}
