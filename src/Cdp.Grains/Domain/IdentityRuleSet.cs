using System.Text.RegularExpressions;

namespace Cdp.Grains.Domain;

/// <summary>
/// Identity rules made ready to apply: priorities, limits and blocked values by type, patterns compiled.
/// Immutable; a new version of the rules makes a new rule set.
/// </summary>
public sealed class IdentityRuleSet
{
    /// <summary>The values that are never identifiers, whatever the rules say, compared ignoring case.</summary>
    public static readonly IReadOnlyList<string> BuiltInBlockedValues =
        ["null", "undefined", "anonymous", "unknown", "0", "-1", "[object Object]", "none", "nil", "nan"];

    private static readonly HashSet<string> BuiltIn = new(BuiltInBlockedValues, StringComparer.OrdinalIgnoreCase);

    private readonly Dictionary<string, CompiledType> _types;
    private readonly CompiledType _default;
    private readonly HashSet<string> _blocked;

    public IdentityRuleSet(IdentityRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        IdentityRulesValidator.ThrowIfInvalid(rules);
        Rules = rules.Clone();
        _types = Rules.Types.ToDictionary(t => t.Key, t => new CompiledType(t.Value), StringComparer.Ordinal);
        _default = new CompiledType(Rules.Default);
        _blocked = new HashSet<string>(Rules.BlockedValues, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The rules Cdp starts with, as a rule set.</summary>
    public static IdentityRuleSet Default { get; } = new(IdentityRules.Defaults());

    /// <summary>The rules this set was made from (a private copy).</summary>
    public IdentityRules Rules { get; }

    public int Version => Rules.Version;

    public int MaxIdentifiers => Rules.MaxIdentifiers;

    public int MaxMerges => Rules.MaxMerges;

    public int Priority(string type) => Of(type).Rule.Priority;

    public IdentifierTypeRule RuleOf(string type) => Of(type).Rule;

    /// <summary>
    /// True when the value must never become an identifier: blank, a built-in placeholder such as
    /// <c>null</c> or <c>anonymous</c>, only zeros, dashes and spaces, or blocked by the rules.
    /// </summary>
    public bool IsBlocked(ExternalId id)
    {
        var value = id.Value.AsSpan().Trim();
        if (value.IsEmpty || value.IndexOfAnyExcept("0- ") < 0)
        {
            return true;
        }

        var text = value.Length == id.Value.Length ? id.Value : value.ToString();
        if (BuiltIn.Contains(text) || _blocked.Contains(text))
        {
            return true;
        }

        var type = Of(id.Type);
        return type.Blocked.Contains(text) || type.Patterns.Any(p => p.IsMatch(text));
    }

    /// <summary>Sorts highest priority first; stable, so equal priorities keep the event's order.</summary>
    public void Sort(ExternalId[] ids)
    {
        // Insertion sort: stable, allocation-free, and the lists are a handful long.
        for (var i = 1; i < ids.Length; i++)
        {
            var current = ids[i];
            var priority = Priority(current.Type);
            var j = i - 1;
            while (j >= 0 && Priority(ids[j].Type) > priority)
            {
                ids[j + 1] = ids[j];
                j--;
            }

            ids[j + 1] = current;
        }
    }

    /// <summary>
    /// The first type whose limit the identifiers break, counting each distinct value once and, for a type
    /// with a window, only values first seen within the window before <paramref name="eventTime"/>; null if none.
    /// </summary>
    public string? FindBrokenLimit(IEnumerable<(ExternalId Id, DateTimeOffset FirstSeen)> identifiers, DateTimeOffset eventTime)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = new HashSet<ExternalId>();
        foreach (var (id, firstSeen) in identifiers)
        {
            if (!seen.Add(id))
            {
                continue;
            }

            var rule = Of(id.Type).Rule;
            if (rule.LimitWindow is { } window && firstSeen < eventTime - window)
            {
                continue;
            }

            var count = counts[id.Type] = counts.GetValueOrDefault(id.Type) + 1;
            if (count > rule.Limit)
            {
                return id.Type;
            }
        }

        return null;
    }

    private CompiledType Of(string type) => _types.TryGetValue(type, out var compiled) ? compiled : _default;

    private sealed class CompiledType(IdentifierTypeRule rule)
    {
        public IdentifierTypeRule Rule { get; } = rule;

        public HashSet<string> Blocked { get; } = new(rule.BlockedValues, StringComparer.OrdinalIgnoreCase);

        public Regex[] Patterns { get; } = [.. rule.BlockedPatterns.Select(p => IdentityRulesValidator.CompilePattern(p)!)];
    }
}
