using System.Globalization;
using System.Text;

namespace Cdp.Grains.Segments;

/// <summary>
/// The text form of definitions: a small expression language that parses to the same tree as the JSON form.
/// The grammar is in <c>docs/segments.md</c>. Errors name the 1-based column where the text stops making sense.
/// </summary>
public static class DefinitionText
{
    /// <summary>The longest text accepted.</summary>
    public const int MaxLength = 4096;

    /// <summary>Parses a segment or trigger condition.</summary>
    /// <param name="columns">Filled with the column at which each node starts, so validation can point at it.</param>
    /// <exception cref="CdpValidationException">The text does not parse; the error names the column.</exception>
    public static Condition ParseCondition(string text, Dictionary<object, int>? columns = null)
    {
        var parser = new Parser(text, columns);
        var condition = parser.Or(0);
        parser.ExpectEnd();
        return condition;
    }

    /// <summary>Parses a computed trait, e.g. <c>average("Order Completed", "revenue", 90d)</c>.</summary>
    public static ComputedTraitSpec ParseComputed(string text, Dictionary<object, int>? columns = null)
    {
        var parser = new Parser(text, columns);
        var spec = parser.Computed();
        parser.ExpectEnd();
        return spec;
    }

    internal static CdpValidationException Error(int column, CdpValidationRule rule, string message) =>
        new(new CdpValidationError("text", rule, $"column {column.ToString(CultureInfo.InvariantCulture)}: {message}"));

    private enum TokenKind
    {
        End,
        Word,
        String,
        Number,
        Duration,
        Symbol,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Column, double Number = 0, TimeSpan Duration = default);

    private sealed class Parser
    {
        private const int MaxDepth = 32;

        private readonly List<Token> _tokens;
        private readonly Dictionary<object, int>? _columns;
        private int _next;

        public Parser(string text, Dictionary<object, int>? columns)
        {
            ArgumentNullException.ThrowIfNull(text);
            if (text.Length > MaxLength)
            {
                throw Error(MaxLength + 1, CdpValidationRule.TooLong, $"the text is longer than {MaxLength} characters.");
            }

            _tokens = Tokenize(text);
            _columns = columns;
        }

        private Token Peek => _tokens[_next];

        public void ExpectEnd()
        {
            if (Peek.Kind != TokenKind.End)
            {
                throw Error(Peek.Column, CdpValidationRule.InvalidFormat, $"expected 'and', 'or' or the end, found {Describe(Peek)}.");
            }
        }

        public Condition Or(int depth)
        {
            var column = Peek.Column;
            var first = And(depth);
            if (!IsWord("or"))
            {
                return first;
            }

            var items = new List<Condition> { first };
            while (TakeWord("or"))
            {
                items.Add(And(depth));
            }

            return At(new OrCondition { Conditions = [.. items] }, column);
        }

        public ComputedTraitSpec Computed()
        {
            var name = Expect(TokenKind.Word, "a function such as count, sum or average");
            var function = name.Text switch
            {
                "count" => ComputedFunction.Count,
                "sum" => ComputedFunction.Sum,
                "average" => ComputedFunction.Average,
                "min" => ComputedFunction.Min,
                "max" => ComputedFunction.Max,
                "first" => ComputedFunction.First,
                "last" => ComputedFunction.Last,
                "most_frequent" => ComputedFunction.MostFrequent,
                _ => throw Error(name.Column, CdpValidationRule.UnknownType,
                    $"'{name.Text}' is not a computed trait function; use count, sum, average, min, max, first, last or most_frequent."),
            };
            var (evt, property, window, where) = AggregateArguments(function != ComputedFunction.Count);
            return At(new ComputedTraitSpec { Function = function, Event = evt, Property = property, Window = window, Where = where },
                name.Column);
        }

        private Condition And(int depth)
        {
            var column = Peek.Column;
            var first = Unary(depth);
            if (!IsWord("and"))
            {
                return first;
            }

            var items = new List<Condition> { first };
            while (TakeWord("and"))
            {
                items.Add(Unary(depth));
            }

            return At(new AndCondition { Conditions = [.. items] }, column);
        }

        private Condition Unary(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Error(Peek.Column, CdpValidationRule.TooDeep, $"the condition nests deeper than {MaxDepth} levels.");
            }

            var column = Peek.Column;
            if (TakeWord("not"))
            {
                return At(new NotCondition { Condition = Unary(depth + 1) }, column);
            }

            if (TakeSymbol("("))
            {
                var inner = Or(depth + 1);
                ExpectSymbol(")");
                return inner;
            }

            var word = Expect(TokenKind.Word, "a condition such as trait(...), count(...), consent(...) or '('");
            switch (word.Text)
            {
                case "trait":
                {
                    var trait = StringArgument(close: true);
                    var (op, value) = Comparison(word.Text);
                    return At(new TraitCondition { Trait = trait, Op = op, Value = value }, column);
                }

                case "count" or "sum":
                {
                    var sum = word.Text == "sum";
                    var (evt, property, window, where) = AggregateArguments(sum);
                    var opToken = Peek;
                    var op = CompareOperator() ?? throw Error(opToken.Column, CdpValidationRule.InvalidFormat,
                        $"expected a comparison (=, !=, >, >=, <, <=) after {word.Text}(...), found {Describe(opToken)}.");
                    var number = Expect(TokenKind.Number, "a number");
                    return At(new EventCondition
                    {
                        Aggregate = sum ? AggregateKind.Sum : AggregateKind.Count,
                        Event = evt,
                        Property = property,
                        Window = window,
                        Where = where,
                        Op = op,
                        Value = number.Number,
                    }, column);
                }

                case "consent":
                    return At(new ConsentCondition { Purpose = StringArgument(close: true) }, column);
                case "has_id":
                    return At(new IdentifierCondition { IdentifierType = StringArgument(close: true) }, column);
                case "member":
                    return At(new MemberCondition { SegmentId = StringArgument(close: true) }, column);
                case "not_followed_by":
                {
                    var after = StringArgument(close: false);
                    ExpectSymbol(",");
                    var missing = Expect(TokenKind.String, "the name of the event that should follow").Text;
                    ExpectSymbol(",");
                    var within = Expect(TokenKind.Duration, "a duration such as 1h").Duration;
                    ExpectSymbol(")");
                    return At(new AbsenceCondition { After = after, Missing = missing, Within = within }, column);
                }

                default:
                    throw Error(word.Column, CdpValidationRule.UnknownType,
                        $"'{word.Text}' is not a condition; use trait, count, sum, consent, has_id, member or not_followed_by.");
            }
        }

        // ( "event" [, "property"] [, duration] {, prop("p") op value} )
        private (string Event, string? Property, TimeSpan? Window, PropertyFilter[]? Where) AggregateArguments(bool withProperty)
        {
            var evt = StringArgument(close: false);
            string? property = null;
            TimeSpan? window = null;
            List<PropertyFilter>? where = null;
            if (withProperty)
            {
                ExpectSymbol(",");
                property = Expect(TokenKind.String, "the property's name, in quotes").Text;
            }

            while (TakeSymbol(","))
            {
                if (Peek.Kind == TokenKind.Duration && window is null && where is null)
                {
                    window = Take().Duration;
                    continue;
                }

                var prop = Expect(TokenKind.Word, "a duration such as 30d, or a filter prop(\"name\") = value");
                if (prop.Text != "prop")
                {
                    throw Error(prop.Column, CdpValidationRule.InvalidFormat,
                        $"expected a duration such as 30d, or a filter prop(\"name\") = value, found '{prop.Text}'.");
                }

                var name = StringArgument(close: true);
                var (op, value) = Comparison("prop");
                (where ??= []).Add(At(new PropertyFilter { Property = name, Op = op, Value = value }, prop.Column));
            }

            ExpectSymbol(")");
            return (evt, property, window, where?.ToArray());
        }

        // After trait(...) or prop(...): a comparison and a value, exists, in [...], contains or starts_with a value.
        private (ValueOperator Op, CdpValue? Value) Comparison(string subject)
        {
            var token = Peek;
            if (TakeWord("exists"))
            {
                return (ValueOperator.Exists, null);
            }

            if (TakeWord("in"))
            {
                ExpectSymbol("[");
                var items = new List<CdpValue>();
                if (!TakeSymbol("]"))
                {
                    do
                    {
                        items.Add(Literal());
                    }
                    while (TakeSymbol(","));
                    ExpectSymbol("]");
                }

                return (ValueOperator.In, CdpValue.Array([.. items]));
            }

            var op = TakeWord("contains") ? ValueOperator.Contains
                : TakeWord("starts_with") ? ValueOperator.StartsWith
                : CompareOperator() ?? throw Error(token.Column, CdpValidationRule.InvalidFormat,
                    $"expected =, !=, >, >=, <, <=, contains, starts_with, in or exists after {subject}(...), found {Describe(token)}.");
            return (op, Literal());
        }

        private ValueOperator? CompareOperator()
        {
            if (Peek.Kind != TokenKind.Symbol)
            {
                return null;
            }

            ValueOperator? op = Peek.Text switch
            {
                "=" => ValueOperator.Equal,
                "!=" => ValueOperator.NotEqual,
                ">" => ValueOperator.Greater,
                ">=" => ValueOperator.GreaterOrEqual,
                "<" => ValueOperator.Less,
                "<=" => ValueOperator.LessOrEqual,
                _ => null,
            };
            if (op is not null)
            {
                _next++;
            }

            return op;
        }

        private CdpValue Literal()
        {
            var token = Take();
            return token.Kind switch
            {
                TokenKind.String => CdpValue.From(token.Text),
                TokenKind.Number => CdpValue.From(token.Number),
                TokenKind.Word when token.Text == "true" => CdpValue.True,
                TokenKind.Word when token.Text == "false" => CdpValue.False,
                TokenKind.Word when token.Text == "null" => CdpValue.Null,
                _ => throw Error(token.Column, CdpValidationRule.WrongType,
                    $"expected a value (a \"string\", a number, true, false or null), found {Describe(token)}."),
            };
        }

        private string StringArgument(bool close)
        {
            ExpectSymbol("(");
            var value = Expect(TokenKind.String, "a name in double quotes").Text;
            if (close)
            {
                ExpectSymbol(")");
            }

            return value;
        }

        private T At<T>(T node, int column)
            where T : notnull
        {
            _columns?.TryAdd(node, column);
            return node;
        }

        private bool IsWord(string word) => Peek.Kind == TokenKind.Word && Peek.Text == word;

        private bool TakeWord(string word)
        {
            if (!IsWord(word))
            {
                return false;
            }

            _next++;
            return true;
        }

        private bool TakeSymbol(string symbol)
        {
            if (Peek.Kind != TokenKind.Symbol || Peek.Text != symbol)
            {
                return false;
            }

            _next++;
            return true;
        }

        private void ExpectSymbol(string symbol)
        {
            if (!TakeSymbol(symbol))
            {
                throw Error(Peek.Column, CdpValidationRule.InvalidFormat, $"expected '{symbol}', found {Describe(Peek)}.");
            }
        }

        private Token Expect(TokenKind kind, string what)
        {
            if (Peek.Kind != kind)
            {
                throw Error(Peek.Column, CdpValidationRule.InvalidFormat, $"expected {what}, found {Describe(Peek)}.");
            }

            return Take();
        }

        private Token Take()
        {
            var token = _tokens[_next];
            if (token.Kind != TokenKind.End)
            {
                _next++;
            }

            return token;
        }

        private static string Describe(Token token) => token.Kind switch
        {
            TokenKind.End => "the end of the text",
            TokenKind.String => $"the string \"{Shorten(token.Text)}\"",
            _ => $"'{Shorten(token.Text)}'",
        };

        private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
    }

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var column = i + 1;
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '"')
            {
                tokens.Add(new Token(TokenKind.String, ReadString(text, ref i), column));
            }
            else if (char.IsAsciiDigit(c) || (c == '-' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(ReadNumberOrDuration(text, ref i));
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Word, text[start..i], column));
            }
            else if (c is '!' or '>' or '<' && i + 1 < text.Length && text[i + 1] == '=')
            {
                tokens.Add(new Token(TokenKind.Symbol, text.Substring(i, 2), column));
                i += 2;
            }
            else if (c is '(' or ')' or '[' or ']' or ',' or '=' or '>' or '<')
            {
                tokens.Add(new Token(TokenKind.Symbol, c.ToString(), column));
                i++;
            }
            else
            {
                throw Error(column, CdpValidationRule.InvalidFormat, $"unexpected character '{c}'.");
            }
        }

        tokens.Add(new Token(TokenKind.End, "", text.Length + 1));
        return tokens;
    }

    private static string ReadString(string text, ref int i)
    {
        var column = i + 1;
        var value = new StringBuilder();
        i++;
        while (i < text.Length)
        {
            var c = text[i++];
            if (c == '"')
            {
                return value.ToString();
            }

            if (c == '\\')
            {
                if (i >= text.Length || text[i] is not ('"' or '\\'))
                {
                    throw Error(i + 1, CdpValidationRule.InvalidFormat, "only \\\" and \\\\ are escapes in a string.");
                }

                c = text[i++];
            }

            value.Append(c);
        }

        throw Error(column, CdpValidationRule.InvalidFormat, "the string is not closed with '\"'.");
    }

    private static Token ReadNumberOrDuration(string text, ref int i)
    {
        var start = i;
        i++;
        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
        {
            i++;
        }

        var end = i;
        while (i < text.Length && char.IsAsciiLetter(text[i]))
        {
            i++;
        }

        var column = start + 1;
        if (i > end)
        {
            var raw = text[start..i];
            if (!Durations.TryParse(raw, out var duration))
            {
                throw Error(column, CdpValidationRule.InvalidFormat,
                    $"'{raw}' is not a duration; write a whole number and s, m, h, d or w, such as 30d.");
            }

            return new Token(TokenKind.Duration, raw, column, Duration: duration);
        }

        var number = text[start..end];
        if (!double.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture,
            out var value) || !double.IsFinite(value))
        {
            throw Error(column, CdpValidationRule.InvalidFormat, $"'{number}' is not a number.");
        }

        return new Token(TokenKind.Number, number, column, value);
    }
}
