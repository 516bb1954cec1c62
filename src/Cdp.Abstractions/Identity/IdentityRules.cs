namespace Cdp;

/// <summary>
/// How identifiers join customers: per identifier type, its routing priority, how many values of it one
/// profile may hold, and which values never count as identifiers; plus a guard against over-merging.
/// A deployment starts from <see cref="Defaults"/> (adjusted by configuration); the SDK can replace the
/// rules at run time, and every change takes a new <see cref="Version"/>.
/// </summary>
[GenerateSerializer, Alias("cdp.identity-rules")]
public sealed class IdentityRules
{
    /// <summary>Set by the platform when the rules are stored: 1 for the configured rules, then +1 per change.</summary>
    [Id(0)] public int Version { get; set; }

    /// <summary>Rules per identifier type (lower-case). A type not listed takes <see cref="Default"/>.</summary>
    [Id(1)] public Dictionary<string, IdentifierTypeRule> Types { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The rule of every type that <see cref="Types"/> does not list. Default: priority 2, limit 5.</summary>
    [Id(2)] public IdentifierTypeRule Default { get; set; } = new() { Priority = 2, Limit = 5 };

    /// <summary>
    /// A merge that would leave a profile with more identifiers than this is refused as a suspected
    /// over-merge. Default: 100.
    /// </summary>
    [Id(3)] public int MaxIdentifiers { get; set; } = 100;

    /// <summary>A merge that would make a profile the product of more merges than this is refused. Default: 50.</summary>
    [Id(4)] public int MaxMerges { get; set; } = 50;

    /// <summary>
    /// Values blocked for every type, compared ignoring case, on top of the built-in ones (empty,
    /// <c>null</c>, <c>undefined</c>, <c>anonymous</c>, <c>unknown</c>, <c>none</c>, <c>nil</c>, <c>nan</c>,
    /// <c>0</c>, <c>-1</c>, <c>[object Object]</c>, and values made only of zeros, dashes and spaces).
    /// </summary>
    [Id(5)] public List<string> BlockedValues { get; set; } = [];

    /// <summary>
    /// The rules Cdp starts with: user ids first (at most one per profile), then emails, then every other
    /// type, anonymous ids last; five values per type besides user ids.
    /// </summary>
    public static IdentityRules Defaults() => new()
    {
        Types = new(StringComparer.Ordinal)
        {
            [IdentifierTypes.UserId] = new() { Priority = 0, Limit = 1 },
            [IdentifierTypes.Email] = new() { Priority = 1, Limit = 5 },
            [IdentifierTypes.AnonymousId] = new() { Priority = 3, Limit = 5 },
        },
    };

    /// <summary>A deep copy, so a caller can change one without touching the one in use.</summary>
    public IdentityRules Clone() => new()
    {
        Version = Version,
        Types = Types.ToDictionary(t => t.Key, t => t.Value.Clone(), StringComparer.Ordinal),
        Default = Default.Clone(),
        MaxIdentifiers = MaxIdentifiers,
        MaxMerges = MaxMerges,
        BlockedValues = [.. BlockedValues],
    };
}

/// <summary>The rule of one identifier type.</summary>
[GenerateSerializer, Alias("cdp.identifier-type-rule")]
public sealed class IdentifierTypeRule
{
    /// <summary>Routing priority; lower routes first. An event lands on the owner of its highest-priority identifier.</summary>
    [Id(0)] public int Priority { get; set; }

    /// <summary>How many values of this type one profile may hold (counted within <see cref="LimitWindow"/> if set).</summary>
    [Id(1)] public int Limit { get; set; }

    /// <summary>When set, only values first seen within this long before the event count toward the limit.</summary>
    [Id(2)] public TimeSpan? LimitWindow { get; set; }

    /// <summary>Values of this type that never count as identifiers, compared ignoring case.</summary>
    [Id(3)] public List<string> BlockedValues { get; set; } = [];

    /// <summary>Regular expressions; a value matching any of them never counts as an identifier.</summary>
    [Id(4)] public List<string> BlockedPatterns { get; set; } = [];

    public IdentifierTypeRule Clone() => new()
    {
        Priority = Priority,
        Limit = Limit,
        LimitWindow = LimitWindow,
        BlockedValues = [.. BlockedValues],
        BlockedPatterns = [.. BlockedPatterns],
    };
}
