using System.Text;
using System.Text.Json;

namespace Cdp.Grains.Segments;

/// <summary>A membership change or firing that evaluation produced; <see cref="Publish"/> false updates the member list only.</summary>
public sealed record SegmentOutput(
    CompiledDefinition Definition, SegmentChange Change, DateTimeOffset EventTime, string? MessageId, bool Publish);

/// <summary>
/// Evaluates segments, triggers and computed traits on a profile. Pure: the caller passes the time and the consent
/// check, so the same inputs give the same memberships. Tallies are kept per event-reading node; windows keep the
/// times of their events (at most <c>maxWindowEntries</c>, the oldest dropped first), so they are exact in time.
/// </summary>
public sealed class SegmentEvaluator(int maxWindowEntries = 1000, int maxDistinctValues = 100)
{
    /// <summary>
    /// Brings the profile's definitions up to the catalog: drops what was removed, and returns the definitions that
    /// are new or changed for this customer. Their tallies start empty; feed them the customer's history with
    /// <see cref="Feed"/> before <see cref="EvaluateStale"/>.
    /// </summary>
    public static List<CompiledDefinition> Prepare(CustomerProfile profile, CompiledCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(catalog);
        var state = profile.SegmentState;
        Drop(profile.Segments, id => !catalog.ById.ContainsKey(id));
        Drop(profile.ComputedTraits, id => !catalog.ById.ContainsKey(id));
        Drop(state.Tallies, key => !catalog.ById.ContainsKey(key[..key.LastIndexOf('#')]));

        var stale = new List<CompiledDefinition>();
        foreach (var compiled in catalog.All)
        {
            var definition = compiled.Definition;
            var current = definition.Kind == DefinitionKind.ComputedTrait
                ? profile.ComputedTraits.TryGetValue(definition.Id, out var value) && value.Version == definition.Version
                : profile.Segments.TryGetValue(definition.Id, out var membership) && membership.Version == definition.Version;
            if (!current)
            {
                stale.Add(compiled);
                foreach (var node in compiled.Nodes)
                {
                    state.Tallies[node.Key] = new SegmentTally { Version = definition.Version };
                }
            }
        }

        state.CatalogVersion = catalog.Version;
        return stale;
    }

    /// <summary>Adds an event to the tallies of <paramref name="definitions"/> (the event's name decides which nodes take it).</summary>
    public void Feed(
        CustomerProfile profile, IEnumerable<CompiledDefinition> definitions, CdpEvent evt, DateTimeOffset time, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var name = Domain.ProfileBuilder.AggregateName(evt);
        if (name is null)
        {
            return;
        }

        foreach (var compiled in definitions)
        {
            FeedNodes(profile.SegmentState, compiled, name, evt, time, now);
        }
    }

    /// <summary>Evaluates the new or changed definitions, and those that read them.</summary>
    public static List<SegmentOutput> EvaluateStale(
        CustomerProfile profile, CompiledCatalog catalog, List<CompiledDefinition> stale, DateTimeOffset now, Func<string, bool> allowed)
    {
        var outputs = new List<SegmentOutput>();
        var pending = new SortedSet<int>(stale.Select(s => s.Order));
        var announce = new HashSet<int>(stale.Where(s => s.Definition.AnnounceExisting).Select(s => s.Order));
        Run(profile, catalog, pending, now, now, null, allowed, outputs, announce);
        return outputs;
    }

    /// <summary>
    /// Evaluates what one applied event touches: definitions reading its name, its traits, its identifier types,
    /// or consent (consent decides what is published, so a consent change re-evaluates all). Null when it touches nothing.
    /// </summary>
    public List<SegmentOutput>? OnEvent(
        CustomerProfile profile, CompiledCatalog catalog, CdpEvent evt, DateTimeOffset time, DateTimeOffset now, Func<string, bool> allowed)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(evt);
        if (catalog.IsEmpty)
        {
            return null;
        }

        SortedSet<int>? pending = null;
        var name = Domain.ProfileBuilder.AggregateName(evt);
        foreach (var compiled in catalog.ForEvent(name))
        {
            FeedNodes(profile.SegmentState, compiled, name!, evt, time, now);
            (pending ??= []).Add(compiled.Order);
        }

        if (evt.Type == EventType.Identify && evt.Traits is { Count: > 0 } traits && catalog.ByTrait.Count > 0)
        {
            foreach (var trait in traits.Keys)
            {
                AddAll(ref pending, catalog.ByTrait, trait);
            }
        }

        if (evt.Identifiers is { Length: > 0 } ids && catalog.ByIdentifierType.Count > 0)
        {
            foreach (var id in ids)
            {
                AddAll(ref pending, catalog.ByIdentifierType, id.Type);
            }
        }

        if (evt.Context is { } context && (context.ContainsKey("consent") || context.ContainsKey("consentManagement")))
        {
            pending ??= [];
            foreach (var compiled in catalog.All)
            {
                pending.Add(compiled.Order);
            }
        }

        if (pending is null)
        {
            return null;
        }

        var outputs = new List<SegmentOutput>();
        Run(profile, catalog, pending, time, now, evt.MessageId, allowed, outputs, null);
        return outputs;
    }

    /// <summary>Evaluates the definitions that time changes (windows, absences) at <paramref name="now"/>, and their readers.</summary>
    public static List<SegmentOutput> OnTime(
        CustomerProfile profile, CompiledCatalog catalog, DateTimeOffset now, Func<string, bool> allowed)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var outputs = new List<SegmentOutput>();
        if (catalog.Timed.Count > 0)
        {
            Run(profile, catalog, new SortedSet<int>(catalog.Timed.Select(t => t.Order)), now, now, null, allowed, outputs, null);
        }

        return outputs;
    }

    /// <summary>
    /// The exits of a customer that stops being one (merged into another, or erased): one per segment it is announced
    /// in, whose definition the catalog still holds. Published only where <paramref name="allowed"/> allows the purpose
    /// (never when it is null); member lists drop the customer either way. Changes nothing: <see cref="Leave"/> marks
    /// the memberships once the exits are delivered.
    /// </summary>
    public static List<SegmentOutput> Exits(
        CustomerProfile profile, CompiledCatalog catalog, DateTimeOffset now, Func<string, bool>? allowed)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(catalog);
        var outputs = new List<SegmentOutput>();
        foreach (var membership in profile.Segments.Values)
        {
            if (membership.Kind == DefinitionKind.Segment && membership.Announced
                && catalog.ById.TryGetValue(membership.DefinitionId, out var compiled))
            {
                var publish = allowed is not null && allowed(compiled.Definition.Purpose);
                outputs.Add(new SegmentOutput(compiled, SegmentChange.Exited, now, null, publish));
            }
        }

        return outputs;
    }

    /// <summary>Marks the customer out of every segment, as of <paramref name="now"/> (after <see cref="Exits"/>).</summary>
    public static void Leave(CustomerProfile profile, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(profile);
        foreach (var membership in profile.Segments.Values)
        {
            if (membership.Kind == DefinitionKind.Segment && (membership.Member || membership.Announced))
            {
                (membership.Member, membership.Announced, membership.Since, membership.MessageId) = (false, false, now, null);
            }
        }
    }

    /// <summary>The next time a window drops an event or an absence deadline passes, after <paramref name="now"/>.</summary>
    public static DateTimeOffset? NextDeadline(CustomerProfile profile, CompiledCatalog catalog, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(catalog);
        DateTimeOffset? next = null;
        foreach (var compiled in catalog.Timed)
        {
            foreach (var node in compiled.Nodes)
            {
                if (!profile.SegmentState.Tallies.TryGetValue(node.Key, out var tally))
                {
                    continue;
                }

                DateTimeOffset? due = null;
                if (node.Source is AbsenceCondition absence && tally.After is { } after && !tally.Followed && after + absence.Within > now)
                {
                    due = after + absence.Within;
                }
                else if (node.Window is { } window && tally.Entries is { } entries)
                {
                    foreach (var entry in entries)
                    {
                        if (entry.Time + window > now)
                        {
                            due = entry.Time + window;
                            break;
                        }
                    }
                }

                if (due is { } d && (next is null || d < next))
                {
                    next = d;
                }
            }
        }

        return next;
    }

    /// <summary>Whether a condition holds for the profile at <paramref name="now"/>.</summary>
    public static bool Holds(CustomerProfile profile, CompiledDefinition compiled, Condition condition, DateTimeOffset now)
    {
        switch (condition)
        {
            case TraitCondition trait:
                var actual = profile.Traits.TryGetValue(trait.Trait, out var traitValue) ? traitValue.Value : null;
                return Matches(actual, trait.Op, trait.Value);
            case EventCondition evt:
            {
                var tally = TallyOf(profile, compiled, evt);
                double amount;
                if (tally is null)
                {
                    amount = 0;
                }
                else if (evt.Window is not { } window)
                {
                    amount = evt.Aggregate == AggregateKind.Count ? tally.Count : tally.Sum;
                }
                else
                {
                    amount = 0;
                    foreach (var entry in tally.Entries ?? [])
                    {
                        if (entry.Time > now - window)
                        {
                            amount += evt.Aggregate == AggregateKind.Count ? 1 : Number(entry.Value) ?? 0;
                        }
                    }
                }

                return Compare(amount.CompareTo(evt.Value), evt.Op);
            }

            case ConsentCondition consent:
                return profile.ConsentFor(consent.Purpose, null, now) == ConsentStatus.Granted;
            case IdentifierCondition identifier:
                return profile.Identifiers.Exists(i => i.Type == identifier.IdentifierType);
            case MemberCondition member:
                return profile.Segments.TryGetValue(member.SegmentId, out var membership) && membership.Member;
            case AbsenceCondition absence:
            {
                var tally = TallyOf(profile, compiled, absence);
                return tally is { After: { } after, Followed: false } && now >= after + absence.Within;
            }

            case AndCondition and:
                return Array.TrueForAll(and.Conditions, c => Holds(profile, compiled, c, now));
            case OrCondition or:
                return Array.Exists(or.Conditions, c => Holds(profile, compiled, c, now));
            case NotCondition not:
                return !Holds(profile, compiled, not.Condition, now);
            default:
                return false;
        }
    }

    /// <summary>A computed trait's value at <paramref name="now"/>; null when no event counts.</summary>
    public static CdpValue? Compute(CustomerProfile profile, CompiledDefinition compiled, DateTimeOffset now)
    {
        var spec = compiled.Definition.Computed!;
        var tally = profile.SegmentState.Tallies.GetValueOrDefault(compiled.Nodes[0].Key);
        if (tally is null)
        {
            return spec.Function is ComputedFunction.Count or ComputedFunction.Sum ? CdpValue.From(0) : null;
        }

        if (spec.Window is { } window)
        {
            // Rebuilt from the events in the window; bounded by the entries kept.
            var inWindow = new SegmentTally();
            foreach (var entry in tally.Entries ?? [])
            {
                if (entry.Time > now - window)
                {
                    Accumulate(inWindow, spec.Function, entry.Time, entry.Value, int.MaxValue);
                }
            }

            tally = inWindow;
        }

        return spec.Function switch
        {
            ComputedFunction.Count => CdpValue.From(tally.Count),
            ComputedFunction.Sum => CdpValue.From(tally.Sum),
            ComputedFunction.Average => tally.Count > 0 ? CdpValue.From(tally.Sum / tally.Count) : null,
            ComputedFunction.Min => tally.Min is { } min ? CdpValue.From(min) : null,
            ComputedFunction.Max => tally.Max is { } max ? CdpValue.From(max) : null,
            ComputedFunction.First => tally.First,
            ComputedFunction.Last => tally.Last,
            ComputedFunction.MostFrequent => MostFrequent(tally),
            _ => null,
        };
    }

    /// <summary>Whether a value passes an operator (the rules of trait conditions and property filters).</summary>
    public static bool Matches(CdpValue? actual, ValueOperator op, CdpValue? expected)
    {
        var present = actual is not null && !actual.IsNull;
        switch (op)
        {
            case ValueOperator.Exists:
                return present;
            case ValueOperator.Equal:
                return expected is not null && (expected.IsNull ? !present : present && expected.Equals(actual));
            case ValueOperator.NotEqual:
                return !Matches(actual, ValueOperator.Equal, expected);
            case ValueOperator.Greater or ValueOperator.GreaterOrEqual or ValueOperator.Less or ValueOperator.LessOrEqual:
                return present && actual!.TryGetNumber(out var a) && expected is not null && expected.TryGetNumber(out var b) &&
                    Compare(a.CompareTo(b), op);
            case ValueOperator.Contains:
                if (!present || expected is null || !expected.TryGetString(out var part))
                {
                    return false;
                }

                return actual!.TryGetString(out var text) ? text.Contains(part, StringComparison.Ordinal)
                    : actual.Kind == CdpValueKind.Array && actual.AsArray().Contains(expected);
            case ValueOperator.StartsWith:
                return present && actual!.TryGetString(out var whole) && expected is not null && expected.TryGetString(out var prefix) &&
                    whole.StartsWith(prefix, StringComparison.Ordinal);
            case ValueOperator.In:
                return present && expected is { Kind: CdpValueKind.Array } list && list.AsArray().Contains(actual!);
            default:
                return false;
        }
    }

    private static void Run(
        CustomerProfile profile, CompiledCatalog catalog, SortedSet<int> pending, DateTimeOffset eventTime, DateTimeOffset now,
        string? messageId, Func<string, bool> allowed, List<SegmentOutput> outputs, HashSet<int>? announceOnly)
    {
        // In dependency order: a segment that changes puts the definitions reading it behind it in the queue.
        while (pending.Count > 0)
        {
            var order = pending.Min;
            pending.Remove(order);
            var compiled = catalog.All[order];
            var definition = compiled.Definition;
            if (definition.Kind == DefinitionKind.ComputedTrait)
            {
                UpdateComputed(profile, compiled, now);
                continue;
            }

            var announce = announceOnly is null || announceOnly.Contains(order);
            if (UpdateMembership(profile, compiled, eventTime, now, messageId, allowed, outputs, announce) &&
                catalog.Dependents.TryGetValue(definition.Id, out var dependents))
            {
                foreach (var dependent in dependents)
                {
                    pending.Add(dependent.Order);
                }
            }
        }
    }

    // Returns whether the condition's value changed.
    private static bool UpdateMembership(
        CustomerProfile profile, CompiledDefinition compiled, DateTimeOffset eventTime, DateTimeOffset now, string? messageId,
        Func<string, bool> allowed, List<SegmentOutput> outputs, bool announce)
    {
        var definition = compiled.Definition;
        if (!profile.Segments.TryGetValue(definition.Id, out var membership))
        {
            membership = new SegmentMembership { DefinitionId = definition.Id, Kind = definition.Kind, Since = now };
            profile.Segments[definition.Id] = membership;
        }

        var holds = Holds(profile, compiled, definition.Condition!, now);
        var changed = holds != membership.Member || membership.Version != definition.Version;
        var entered = holds && !membership.Member;
        membership.Version = definition.Version;
        membership.Kind = definition.Kind;
        if (holds != membership.Member)
        {
            membership.Member = holds;
            membership.Since = now;
            membership.MessageId = messageId;
        }

        if (definition.Kind == DefinitionKind.Trigger)
        {
            if (entered && allowed(definition.Purpose))
            {
                outputs.Add(new SegmentOutput(compiled, SegmentChange.Fired, eventTime, messageId, announce));
            }

            return changed;
        }

        var permitted = allowed(definition.Purpose);
        var visible = membership.Member && permitted;
        if (visible && !membership.Announced)
        {
            membership.Announced = true;
            outputs.Add(new SegmentOutput(compiled, SegmentChange.Entered, eventTime, messageId, announce));
        }
        else if (!visible && membership.Announced)
        {
            // Without consent nothing is published, not even the exit; the member list still drops the customer.
            membership.Announced = false;
            outputs.Add(new SegmentOutput(compiled, SegmentChange.Exited, eventTime, messageId, permitted));
        }

        return changed;
    }

    private static void UpdateComputed(CustomerProfile profile, CompiledDefinition compiled, DateTimeOffset now)
    {
        var definition = compiled.Definition;
        var value = Compute(profile, compiled, now);
        if (!profile.ComputedTraits.TryGetValue(definition.Id, out var current))
        {
            profile.ComputedTraits[definition.Id] = new ComputedTraitValue
            {
                DefinitionId = definition.Id, Name = definition.Name, Version = definition.Version, Value = value, UpdatedAt = now,
            };
            return;
        }

        if (current.Version != definition.Version || !Equals(current.Value, value))
        {
            current.Version = definition.Version;
            current.Name = definition.Name;
            current.Value = value;
            current.UpdatedAt = now;
        }
    }

    private void FeedNodes(
        SegmentEvaluationState state, CompiledDefinition compiled, string name, CdpEvent evt, DateTimeOffset time, DateTimeOffset now)
    {
        foreach (var node in compiled.Nodes)
        {
            if (Array.IndexOf(node.EventNames, name) < 0)
            {
                continue;
            }

            if (!state.Tallies.TryGetValue(node.Key, out var tally))
            {
                state.Tallies[node.Key] = tally = new SegmentTally { Version = compiled.Definition.Version };
            }

            if (node.Source is AbsenceCondition absence)
            {
                if (name == absence.After && (tally.After is not { } after || time > after))
                {
                    tally.After = time;
                    tally.Followed = false;
                }
                else if (name == absence.Missing && tally.After is { } start && time >= start && time <= start + absence.Within)
                {
                    tally.Followed = true;
                }

                continue;
            }

            if (!Passes(evt.Properties, node.Where))
            {
                continue;
            }

            var value = node.Property is { } property && evt.Properties is { } properties && properties.TryGetValue(property, out var found)
                ? found : null;
            var function = node.Source switch
            {
                ComputedTraitSpec spec => spec.Function,
                EventCondition { Aggregate: AggregateKind.Sum } => ComputedFunction.Sum,
                _ => ComputedFunction.Count,
            };

            if (node.Window is { } window)
            {
                if (time > now - window)
                {
                    AddEntry(tally, new TallyEntry(time, value), now - window);
                }
            }
            else
            {
                Accumulate(tally, function, time, value, maxDistinctValues);
            }
        }
    }

    private void AddEntry(SegmentTally tally, TallyEntry entry, DateTimeOffset horizon)
    {
        var entries = tally.Entries ??= [];
        entries.RemoveAll(e => e.Time <= horizon);
        var index = entries.Count;
        while (index > 0 && entries[index - 1].Time > entry.Time)
        {
            index--;
        }

        entries.Insert(index, entry);
        if (entries.Count > maxWindowEntries)
        {
            entries.RemoveRange(0, entries.Count - maxWindowEntries);
        }
    }

    private static void Accumulate(SegmentTally tally, ComputedFunction function, DateTimeOffset time, CdpValue? value, int maxDistinct)
    {
        switch (function)
        {
            case ComputedFunction.Count:
                tally.Count++;
                break;
            case ComputedFunction.Sum or ComputedFunction.Average or ComputedFunction.Min or ComputedFunction.Max:
                if (Number(value) is { } number)
                {
                    tally.Count++;
                    tally.Sum += number;
                    tally.Min = tally.Min is { } min ? Math.Min(min, number) : number;
                    tally.Max = tally.Max is { } max ? Math.Max(max, number) : number;
                }

                break;
            case ComputedFunction.First or ComputedFunction.Last:
                if (value is null || value.IsNull)
                {
                    break;
                }

                if (tally.FirstTime is not { } first || time < first)
                {
                    (tally.First, tally.FirstTime) = (value, time);
                }

                if (tally.LastTime is not { } last || time >= last)
                {
                    (tally.Last, tally.LastTime) = (value, time);
                }

                break;
            case ComputedFunction.MostFrequent:
                if (value is null || value.IsNull)
                {
                    break;
                }

                var frequencies = tally.Frequencies ??= new(StringComparer.Ordinal);
                var key = value.ToString();
                if (frequencies.TryGetValue(key, out var seen))
                {
                    frequencies[key] = seen + 1;
                }
                else if (frequencies.Count < maxDistinct)
                {
                    frequencies[key] = 1;
                }

                break;
        }
    }

    private static CdpValue? MostFrequent(SegmentTally tally)
    {
        if (tally.Frequencies is not { Count: > 0 } frequencies)
        {
            return null;
        }

        // Dictionary order is insertion order while nothing is removed, so ties go to the value seen first.
        var best = frequencies.First();
        foreach (var pair in frequencies)
        {
            if (pair.Value > best.Value)
            {
                best = pair;
            }
        }

        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(best.Key));
        reader.Read();
        return CdpJson.ReadValue(ref reader, "value");
    }

    private static bool Passes(Dictionary<string, CdpValue>? properties, PropertyFilter[]? filters)
    {
        if (filters is null)
        {
            return true;
        }

        foreach (var filter in filters)
        {
            var actual = properties is not null && properties.TryGetValue(filter.Property, out var value) ? value : null;
            if (!Matches(actual, filter.Op, filter.Value))
            {
                return false;
            }
        }

        return true;
    }

    private static SegmentTally? TallyOf(CustomerProfile profile, CompiledDefinition compiled, object node) =>
        compiled.NodesByObject.TryGetValue(node, out var tallyNode) ? profile.SegmentState.Tallies.GetValueOrDefault(tallyNode.Key) : null;

    private static double? Number(CdpValue? value) => value is not null && value.TryGetNumber(out var number) ? number : null;

    private static bool Compare(int sign, ValueOperator op) => op switch
    {
        ValueOperator.Equal => sign == 0,
        ValueOperator.NotEqual => sign != 0,
        ValueOperator.Greater => sign > 0,
        ValueOperator.GreaterOrEqual => sign >= 0,
        ValueOperator.Less => sign < 0,
        ValueOperator.LessOrEqual => sign <= 0,
        _ => false,
    };

    private static void AddAll(ref SortedSet<int>? pending, Dictionary<string, List<CompiledDefinition>> index, string key)
    {
        if (index.TryGetValue(key, out var found))
        {
            pending ??= [];
            foreach (var compiled in found)
            {
                pending.Add(compiled.Order);
            }
        }
    }

    private static void Drop<T>(Dictionary<string, T> map, Func<string, bool> gone)
    {
        if (map.Count == 0)
        {
            return;
        }

        foreach (var key in map.Keys.Where(gone).ToList())
        {
            map.Remove(key);
        }
    }
}
