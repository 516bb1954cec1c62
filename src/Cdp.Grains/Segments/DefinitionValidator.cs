using System.Globalization;

namespace Cdp.Grains.Segments;

/// <summary>
/// Checks a definition before it is saved: names and sizes, operators against value kinds, windows in range,
/// the tree's depth and size, and the purpose against the consent catalog. Every error names its place: a JSON
/// path such as <c>condition.conditions[1].window</c>, or, for a definition given as text, the column.
/// </summary>
public static class DefinitionValidator
{
    public const int MaxDepth = 16;
    public const int MaxNodes = 200;
    public const int MaxNameLength = 512;
    public const int MaxListItems = 100;
    public const int MaxFilters = 16;
    public const int MaxExports = 32;

    /// <summary>The errors found; empty when the definition may be saved.</summary>
    /// <param name="purposeOf">The catalog's name for a purpose, or null for an unknown one.</param>
    /// <param name="columns">For a definition parsed from text: the column of each node, so errors point there.</param>
    public static List<CdpValidationError> Validate(
        SegmentDefinition definition, Func<string, string?> purposeOf, IReadOnlyDictionary<object, int>? columns = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(purposeOf);
        var check = new Checker(columns);
        check.Id("id", definition.Id);
        if (definition.Name is null || definition.Name.Length > 200)
        {
            check.Add("name", CdpValidationRule.TooLong, "must be at most 200 characters.");
        }

        if (string.IsNullOrWhiteSpace(definition.Purpose))
        {
            check.Add("purpose", CdpValidationRule.Required, "names the consent purpose the definition serves.");
        }
        else if (purposeOf(definition.Purpose) is null)
        {
            check.Add("purpose", CdpValidationRule.NotFound, $"'{definition.Purpose}' is not a consent purpose of this deployment.");
        }

        switch (definition.Kind)
        {
            case DefinitionKind.Segment or DefinitionKind.Trigger:
                if (definition.Condition is null)
                {
                    check.Add("condition", CdpValidationRule.Required, "a segment or trigger needs a condition (or its text).");
                }
                else
                {
                    check.Node(definition.Condition, "condition", 1, purposeOf);
                }

                if (definition.Computed is not null)
                {
                    check.Add("computed", CdpValidationRule.InvalidFormat, "only a computed trait has a computation.");
                }

                break;
            case DefinitionKind.ComputedTrait:
                if (definition.Computed is null)
                {
                    check.Add("computed", CdpValidationRule.Required, "a computed trait needs its computation (or its text).");
                }
                else
                {
                    check.Computed(definition.Computed, "computed");
                }

                if (definition.Condition is not null)
                {
                    check.Add("condition", CdpValidationRule.InvalidFormat, "a computed trait has no condition.");
                }

                break;
            default:
                check.Add("kind", CdpValidationRule.UnknownType, "must be segment, trigger or computed_trait.");
                break;
        }

        check.Exports(definition.ExportIdentifiers, "exportIdentifiers", identifierTypes: true);
        check.Exports(definition.ExportTraits, "exportTraits", identifierTypes: false);
        return check.Errors;
    }

    public static void ThrowIfInvalid(
        SegmentDefinition definition, Func<string, string?> purposeOf, IReadOnlyDictionary<object, int>? columns = null)
    {
        var errors = Validate(definition, purposeOf, columns);
        if (errors.Count > 0)
        {
            throw new CdpValidationException(errors);
        }
    }

    /// <summary>Letters, digits, '_', '-' and '.'; 1 to 64.</summary>
    public static bool IsId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    private sealed class Checker(IReadOnlyDictionary<object, int>? columns)
    {
        private int _nodes;

        public List<CdpValidationError> Errors { get; } = [];

        public void Add(string path, CdpValidationRule rule, string message, object? node = null)
        {
            if (columns is not null && node is not null && columns.TryGetValue(node, out var column))
            {
                Errors.Add(new CdpValidationError("text", rule, $"column {column.ToString(CultureInfo.InvariantCulture)}: {message}"));
                return;
            }

            Errors.Add(new CdpValidationError(path, rule, message));
        }

        public void Id(string path, string? id, object? node = null)
        {
            if (!IsId(id))
            {
                Add(path, string.IsNullOrEmpty(id) ? CdpValidationRule.Required : CdpValidationRule.InvalidFormat,
                    $"'{id}' must be 1 to 64 letters, digits, '_', '-' or '.'.", node);
            }
        }

        public void Node(Condition node, string path, int depth, Func<string, string?> purposeOf)
        {
            if (++_nodes > MaxNodes)
            {
                if (_nodes == MaxNodes + 1)
                {
                    Add(path, CdpValidationRule.TooLarge, $"the condition has more than {MaxNodes} nodes.", node);
                }

                return;
            }

            if (depth > MaxDepth)
            {
                Add(path, CdpValidationRule.TooDeep, $"the condition nests deeper than {MaxDepth} levels.", node);
                return;
            }

            switch (node)
            {
                case TraitCondition trait:
                    Name(path + ".trait", trait.Trait, node);
                    Operator(path, trait.Op, trait.Value, node);
                    break;
                case EventCondition evt:
                    Name(path + ".event", evt.Event, node);
                    if (evt.Aggregate == AggregateKind.Sum)
                    {
                        Name(path + ".property", evt.Property, node);
                    }
                    else if (evt.Aggregate != AggregateKind.Count)
                    {
                        Add(path + ".aggregate", CdpValidationRule.UnknownType, "must be count or sum.", node);
                    }
                    else if (evt.Property is not null)
                    {
                        Add(path + ".property", CdpValidationRule.InvalidFormat, "a count takes no property.", node);
                    }

                    if (evt.Op is < ValueOperator.Equal or > ValueOperator.LessOrEqual)
                    {
                        Add(path + ".op", CdpValidationRule.UnknownType, "an aggregate compares with eq, ne, gt, gte, lt or lte.", node);
                    }

                    if (!double.IsFinite(evt.Value))
                    {
                        Add(path + ".value", CdpValidationRule.OutOfRange, "must be a finite number.", node);
                    }

                    Window(path + ".window", evt.Window, node);
                    Filters(path + ".where", evt.Where, node);
                    break;
                case ConsentCondition consent:
                    if (string.IsNullOrEmpty(consent.Purpose) || purposeOf(consent.Purpose) is null)
                    {
                        Add(path + ".purpose", CdpValidationRule.NotFound,
                            $"'{consent.Purpose}' is not a consent purpose of this deployment.", node);
                    }

                    break;
                case IdentifierCondition identifier:
                    if (!IsIdentifierType(identifier.IdentifierType))
                    {
                        Add(path + ".identifierType", CdpValidationRule.InvalidFormat,
                            $"'{identifier.IdentifierType}' is not an identifier type (letters, digits, '_', '-', '.'; at most 64).", node);
                    }

                    break;
                case MemberCondition member:
                    Id(path + ".segmentId", member.SegmentId, node);
                    break;
                case AbsenceCondition absence:
                    Name(path + ".after", absence.After, node);
                    Name(path + ".missing", absence.Missing, node);
                    if (absence.After == absence.Missing)
                    {
                        Add(path + ".missing", CdpValidationRule.InvalidFormat, "must differ from the event it follows.", node);
                    }

                    if (!Durations.InRange(absence.Within))
                    {
                        Add(path + ".within", CdpValidationRule.OutOfRange, OutOfRange(absence.Within), node);
                    }

                    break;
                case AndCondition and:
                    Children(and.Conditions, path, depth, purposeOf, node);
                    break;
                case OrCondition or:
                    Children(or.Conditions, path, depth, purposeOf, node);
                    break;
                case NotCondition not when not.Condition is null:
                    Add(path + ".condition", CdpValidationRule.Required, "'not' needs a condition.", node);
                    break;
                case NotCondition not:
                    Node(not.Condition, path + ".condition", depth + 1, purposeOf);
                    break;
                default:
                    Add(path, CdpValidationRule.UnknownType, "is not a known condition.", node);
                    break;
            }
        }

        public void Computed(ComputedTraitSpec spec, string path)
        {
            if (!Enum.IsDefined(spec.Function))
            {
                Add(path + ".function", CdpValidationRule.UnknownType, "is not a computed trait function.", spec);
            }

            Name(path + ".event", spec.Event, spec);
            if (spec.Function != ComputedFunction.Count)
            {
                Name(path + ".property", spec.Property, spec);
            }
            else if (spec.Property is not null)
            {
                Add(path + ".property", CdpValidationRule.InvalidFormat, "a count takes no property.", spec);
            }

            Window(path + ".window", spec.Window, spec);
            Filters(path + ".where", spec.Where, spec);
        }

        public void Exports(string[]? names, string path, bool identifierTypes)
        {
            if (names is null)
            {
                return;
            }

            if (names.Length > MaxExports)
            {
                Add(path, CdpValidationRule.TooMany, $"at most {MaxExports} names.");
                return;
            }

            for (var i = 0; i < names.Length; i++)
            {
                var ok = identifierTypes ? IsIdentifierType(names[i]) : names[i] is { Length: > 0 and <= 128 };
                if (!ok)
                {
                    Add($"{path}[{i}]", CdpValidationRule.InvalidFormat, $"'{names[i]}' is not a valid name.");
                }
            }
        }

        private void Children(Condition[]? children, string path, int depth, Func<string, string?> purposeOf, object node)
        {
            if (children is not { Length: > 0 })
            {
                Add(path + ".conditions", CdpValidationRule.Required, "needs at least one condition.", node);
                return;
            }

            for (var i = 0; i < children.Length; i++)
            {
                if (children[i] is null)
                {
                    Add($"{path}.conditions[{i}]", CdpValidationRule.Required, "is null.", node);
                    continue;
                }

                Node(children[i], $"{path}.conditions[{i}]", depth + 1, purposeOf);
            }
        }

        private void Filters(string path, PropertyFilter[]? filters, object node)
        {
            if (filters is null)
            {
                return;
            }

            if (filters.Length > MaxFilters)
            {
                Add(path, CdpValidationRule.TooMany, $"at most {MaxFilters} filters.", node);
                return;
            }

            for (var i = 0; i < filters.Length; i++)
            {
                var filter = filters[i];
                Name($"{path}[{i}].property", filter.Property, filter);
                Operator($"{path}[{i}]", filter.Op, filter.Value, filter);
            }
        }

        private void Name(string path, string? name, object node)
        {
            if (string.IsNullOrEmpty(name))
            {
                Add(path, CdpValidationRule.Required, "must not be empty.", node);
            }
            else if (name.Length > MaxNameLength)
            {
                Add(path, CdpValidationRule.TooLong, $"must be at most {MaxNameLength} characters.", node);
            }
        }

        private void Window(string path, TimeSpan? window, object node)
        {
            if (window is { } value && !Durations.InRange(value))
            {
                Add(path, CdpValidationRule.OutOfRange, OutOfRange(value), node);
            }
        }

        // The value's kind must suit the operator: numbers to order, strings to search, an array for 'in'.
        private void Operator(string path, ValueOperator op, CdpValue? value, object node)
        {
            var kind = value?.Kind;
            string? problem = op switch
            {
                ValueOperator.Exists => value is null || value.IsNull ? null : "'exists' takes no value.",
                ValueOperator.Equal or ValueOperator.NotEqual =>
                    kind is null or CdpValueKind.Array or CdpValueKind.Object ? "needs a string, number, true, false or null." : null,
                ValueOperator.Greater or ValueOperator.GreaterOrEqual or ValueOperator.Less or ValueOperator.LessOrEqual =>
                    kind == CdpValueKind.Number ? null : "compares with a number.",
                ValueOperator.Contains or ValueOperator.StartsWith =>
                    kind == CdpValueKind.String ? null : "needs a string.",
                ValueOperator.In => kind != CdpValueKind.Array ? "needs a list of values."
                    : value!.AsArray().Count is 0 or > MaxListItems ? $"needs 1 to {MaxListItems} values."
                    : value.AsArray().Any(v => v.Kind is CdpValueKind.Array or CdpValueKind.Object)
                        ? "lists only strings, numbers, true, false or null." : null,
                _ => null,
            };
            if (!Enum.IsDefined(op))
            {
                Add(path + ".op", CdpValidationRule.UnknownType, "is not a known operator.", node);
            }
            else if (problem is not null)
            {
                Add(path + ".value", CdpValidationRule.WrongType, problem, node);
            }
        }

        private static bool IsIdentifierType(string? type) =>
            type is { Length: > 0 and <= 64 } && type.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

        private static string OutOfRange(TimeSpan value) =>
            $"{Durations.Format(value)} is outside {Durations.Format(Durations.Min)} to {Durations.Format(Durations.Max)}.";
    }
}
