namespace Cdp.Grains.Segments;

/// <summary>
/// A catalog version prepared for evaluation: definitions in dependency order (a segment before those that use it),
/// and indexes from what an event carries (its name, traits, identifier types, consent) to the definitions that
/// read it, so an event costs only the definitions it touches.
/// </summary>
public sealed class CompiledCatalog
{
    private static readonly CompiledDefinition[] None = [];

    private CompiledCatalog(long version, List<CompiledDefinition> ordered)
    {
        Version = version;
        All = ordered;
        foreach (var compiled in ordered)
        {
            ById[compiled.Definition.Id] = compiled;
            foreach (var node in compiled.Nodes)
            {
                foreach (var name in node.EventNames)
                {
                    AddTo(ByEvent, name, compiled);
                }
            }

            Walk(compiled.Definition.Condition, compiled);
            if (compiled.IsTimed)
            {
                Timed.Add(compiled);
            }
        }
    }

    public static CompiledCatalog Empty { get; } = new(0, []);

    public long Version { get; }

    /// <summary>Every definition, each after the segments it reads.</summary>
    public IReadOnlyList<CompiledDefinition> All { get; }

    public bool IsEmpty => All.Count == 0;

    public Dictionary<string, CompiledDefinition> ById { get; } = new(StringComparer.Ordinal);

    /// <summary>Definitions whose evaluation depends on time passing (windows, absences).</summary>
    public List<CompiledDefinition> Timed { get; } = [];

    internal Dictionary<string, List<CompiledDefinition>> ByEvent { get; } = new(StringComparer.Ordinal);

    internal Dictionary<string, List<CompiledDefinition>> ByTrait { get; } = new(StringComparer.Ordinal);

    internal Dictionary<string, List<CompiledDefinition>> ByIdentifierType { get; } = new(StringComparer.Ordinal);

    internal Dictionary<string, List<CompiledDefinition>> Dependents { get; } = new(StringComparer.Ordinal);

    public static CompiledCatalog Build(DefinitionCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var byId = catalog.Definitions.ToDictionary(d => d.Id, StringComparer.Ordinal);
        var ordered = new List<CompiledDefinition>(byId.Count);
        var state = new Dictionary<string, bool>(StringComparer.Ordinal);

        // Depth-first, so every segment a definition reads comes first; the catalog refuses cycles, and one that
        // slipped through is cut here rather than looping.
        void Visit(SegmentDefinition definition)
        {
            if (state.ContainsKey(definition.Id))
            {
                return;
            }

            state[definition.Id] = false;
            foreach (var used in Members(definition.Condition))
            {
                if (byId.TryGetValue(used, out var dependency))
                {
                    Visit(dependency);
                }
            }

            state[definition.Id] = true;
            ordered.Add(new CompiledDefinition(definition, ordered.Count));
        }

        foreach (var definition in catalog.Definitions.OrderBy(d => d.Id, StringComparer.Ordinal))
        {
            Visit(definition);
        }

        return new CompiledCatalog(catalog.Version, ordered);
    }

    /// <summary>The segment ids a condition reads through <c>member(...)</c>.</summary>
    public static IEnumerable<string> Members(Condition? condition) => condition switch
    {
        MemberCondition member => [member.SegmentId],
        AndCondition and => and.Conditions.SelectMany(Members),
        OrCondition or => or.Conditions.SelectMany(Members),
        NotCondition not => Members(not.Condition),
        _ => [],
    };

    internal IReadOnlyList<CompiledDefinition> ForEvent(string? name) =>
        name is not null && ByEvent.TryGetValue(name, out var found) ? found : None;

    private void Walk(Condition? condition, CompiledDefinition compiled)
    {
        switch (condition)
        {
            case TraitCondition trait:
                AddTo(ByTrait, trait.Trait, compiled);
                break;
            case IdentifierCondition identifier:
                AddTo(ByIdentifierType, identifier.IdentifierType, compiled);
                break;
            case MemberCondition member:
                AddTo(Dependents, member.SegmentId, compiled);
                break;
            case AndCondition and:
                Array.ForEach(and.Conditions, c => Walk(c, compiled));
                break;
            case OrCondition or:
                Array.ForEach(or.Conditions, c => Walk(c, compiled));
                break;
            case NotCondition not:
                Walk(not.Condition, compiled);
                break;
        }
    }

    private static void AddTo(Dictionary<string, List<CompiledDefinition>> index, string key, CompiledDefinition compiled)
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        if (!list.Contains(compiled))
        {
            list.Add(compiled);
        }
    }
}

/// <summary>One definition with its event-reading nodes numbered (their tallies are kept by <see cref="TallyNode.Key"/>).</summary>
public sealed class CompiledDefinition
{
    internal CompiledDefinition(SegmentDefinition definition, int order)
    {
        Definition = definition;
        Order = order;
        var nodes = new List<TallyNode>();
        if (definition.Computed is { } computed)
        {
            nodes.Add(new TallyNode(definition.Id + "#0", computed));
        }

        Number(definition.Condition, nodes);
        Nodes = [.. nodes];
        foreach (var node in Nodes)
        {
            NodesByObject[node.Source] = node;
        }

        IsTimed = Nodes.Any(n => n.Window is not null || n.Source is AbsenceCondition);
    }

    public SegmentDefinition Definition { get; }

    /// <summary>The position in dependency order.</summary>
    public int Order { get; }

    public TallyNode[] Nodes { get; }

    public bool IsTimed { get; }

    internal Dictionary<object, TallyNode> NodesByObject { get; } = new(ReferenceEqualityComparer.Instance);

    // References to the member-list shards, built on first use: Orleans resolves a grain interface by reflection each
    // time a reference is built. They live as long as this compiled version of the definition.
    private readonly ISegmentMembersGrain?[] _memberShards = new ISegmentMembersGrain?[SegmentMembers.Shards];

    /// <summary>The member-list shard <paramref name="shard"/> of this definition.</summary>
    internal ISegmentMembersGrain MemberShard(IGrainFactory grains, int shard) =>
        _memberShards[shard] ??= grains.GetGrain<ISegmentMembersGrain>(SegmentMembers.KeyOf(Definition.Id, shard));

    private void Number(Condition? condition, List<TallyNode> nodes)
    {
        switch (condition)
        {
            case EventCondition or AbsenceCondition:
                nodes.Add(new TallyNode($"{Definition.Id}#{nodes.Count}", condition));
                break;
            case AndCondition and:
                Array.ForEach(and.Conditions, c => Number(c, nodes));
                break;
            case OrCondition or:
                Array.ForEach(or.Conditions, c => Number(c, nodes));
                break;
            case NotCondition not:
                Number(not.Condition, nodes);
                break;
        }
    }
}

/// <summary>A node that keeps a tally of events: an event condition, an absence, or a computed trait.</summary>
public sealed class TallyNode
{
    internal TallyNode(string key, object source)
    {
        Key = key;
        Source = source;
        (EventNames, Window, Where, Property) = source switch
        {
            EventCondition e => ((string[])[e.Event], e.Window, e.Where, e.Property),
            ComputedTraitSpec c => ([c.Event], c.Window, c.Where, c.Property),
            AbsenceCondition a => ([a.After, a.Missing], (TimeSpan?)null, (PropertyFilter[]?)null, (string?)null),
            _ => throw new ArgumentException("Not a tally node.", nameof(source)),
        };
    }

    public string Key { get; }

    public object Source { get; }

    public string[] EventNames { get; }

    public TimeSpan? Window { get; }

    public PropertyFilter[]? Where { get; }

    public string? Property { get; }
}
