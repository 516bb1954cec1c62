using Cdp.Grains.Domain;
using Cdp.Grains.Segments;

namespace Cdp.UnitTests.Segments;

public sealed class DefinitionLanguageTests
{
    public static TheoryData<string, string> SameTrees => new()
    {
        {
            """count("Order Completed", 30d) >= 3 and trait("plan") = "pro" """,
            """
            {"type":"and","conditions":[
              {"type":"event","aggregate":"count","event":"Order Completed","window":"30d","op":"gte","value":3},
              {"type":"trait","trait":"plan","op":"eq","value":"pro"}]}
            """
        },
        { """not consent("email_marketing")""", """{"type":"not","condition":{"type":"consent","purpose":"email_marketing"}}""" },
        {
            """not_followed_by("Product Added", "Order Completed", 1h)""",
            """{"type":"absence","after":"Product Added","missing":"Order Completed","within":"1h"}"""
        },
        {
            """sum("Order Completed", "revenue", 90d, prop("currency") = "EUR", prop("coupon") exists) > 500.5""",
            """
            {"type":"event","aggregate":"sum","event":"Order Completed","property":"revenue","window":"90d","op":"gt","value":500.5,
             "where":[{"property":"currency","op":"eq","value":"EUR"},{"property":"coupon","op":"exists"}]}
            """
        },
        { """count("Page Viewed") < 1""", """{"type":"event","aggregate":"count","event":"Page Viewed","op":"lt","value":1}""" },
        { """trait("age") <= 30""", """{"type":"trait","trait":"age","op":"lte","value":30}""" },
        { """trait("age") > -1.5""", """{"type":"trait","trait":"age","op":"gt","value":-1.5}""" },
        { """trait("plan") != null""", """{"type":"trait","trait":"plan","op":"ne","value":null}""" },
        { """trait("email") contains "@example" """, """{"type":"trait","trait":"email","op":"contains","value":"@example"}""" },
        { """trait("email") starts_with "ada" """, """{"type":"trait","trait":"email","op":"starts_with","value":"ada"}""" },
        {
            """trait("plan") in ["pro", "team", 3, true]""",
            """{"type":"trait","trait":"plan","op":"in","value":["pro","team",3,true]}"""
        },
        { """trait("vip") exists""", """{"type":"trait","trait":"vip","op":"exists"}""" },
        { """has_id("email")""", """{"type":"identifier","identifierType":"email"}""" },
        { """member("high-value")""", """{"type":"member","segmentId":"high-value"}""" },
        {
            """trait("a") = 1 or trait("b") = 2 and not trait("c") = 3""",
            """
            {"type":"or","conditions":[
              {"type":"trait","trait":"a","op":"eq","value":1},
              {"type":"and","conditions":[
                {"type":"trait","trait":"b","op":"eq","value":2},
                {"type":"not","condition":{"type":"trait","trait":"c","op":"eq","value":3}}]}]}
            """
        },
        {
            """(trait("a") = 1 or trait("b") = 2) and trait("name") = "say \"hi\" \\ bye" """,
            """
            {"type":"and","conditions":[
              {"type":"or","conditions":[
                {"type":"trait","trait":"a","op":"eq","value":1},{"type":"trait","trait":"b","op":"eq","value":2}]},
              {"type":"trait","trait":"name","op":"eq","value":"say \"hi\" \\ bye"}]}
            """
        },
    };

    [Theory]
    [MemberData(nameof(SameTrees))]
    public void Text_ParsesToTheSameTreeAsJson(string text, string json)
    {
        var fromText = DefinitionText.ParseCondition(text);
        var fromJson = DefinitionJson.ParseCondition(json);

        Assert.Equal(fromJson, fromText);
        Assert.Equal(fromJson, DefinitionJson.ParseCondition(DefinitionJson.Serialize(fromText)));
    }

    [Theory]
    [InlineData("count(\"Order Completed\", 30d) >= ", 34, "expected a number, found the end of the text.")]
    [InlineData("trait(\"plan\") == \"pro\"", 16, "expected a value (a \"string\", a number, true, false or null), found '='.")]
    [InlineData("trait(plan) = \"pro\"", 7, "expected a name in double quotes, found 'plan'.")]
    [InlineData("trait(\"plan\") = \"pro\" and", 26,
        "expected a condition such as trait(...), count(...), consent(...) or '(', found the end of the text.")]
    [InlineData("trait(\"plan\") = \"pro\" trait(\"x\") exists", 23, "expected 'and', 'or' or the end, found 'trait'.")]
    [InlineData("count(\"A\", 30x) > 1", 12, "'30x' is not a duration; write a whole number and s, m, h, d or w, such as 30d.")]
    [InlineData("segment(\"vip\")", 1, "'segment' is not a condition; use trait, count, sum, consent, has_id, member or not_followed_by.")]
    [InlineData("(trait(\"a\") exists", 19, "expected ')', found the end of the text.")]
    [InlineData("trait(\"a\") = \"open", 14, "the string is not closed with '\"'.")]
    [InlineData("trait(\"a\") = 1 & trait(\"b\") = 2", 16, "unexpected character '&'.")]
    [InlineData("count(\"A\", 30d, currency = \"EUR\") > 1", 17,
        "expected a duration such as 30d, or a filter prop(\"name\") = value, found 'currency'.")]
    [InlineData("trait(\"a\") like \"x\"", 12,
        "expected =, !=, >, >=, <, <=, contains, starts_with, in or exists after trait(...), found 'like'.")]
    public void Text_Malformed_IsRefusedAtTheColumn(string text, int column, string message)
    {
        var error = Assert.Single(Assert.Throws<CdpValidationException>(() => DefinitionText.ParseCondition(text)).Errors);

        Assert.Equal(("text", $"column {column}: {message}"), (error.Field, error.Message));
    }

    [Fact]
    public void Text_NestedBeyondTheLimit_IsRefusedAsTooDeep()
    {
        var text = string.Concat(Enumerable.Repeat("not ", 40)) + "trait(\"a\") exists";

        var error = Assert.Single(Assert.Throws<CdpValidationException>(() => DefinitionText.ParseCondition(text)).Errors);

        Assert.Equal(("text", CdpValidationRule.TooDeep, "column 133: the condition nests deeper than 32 levels."),
            (error.Field, error.Rule, error.Message));
    }

    [Theory]
    [InlineData("count(\"Order Completed\")", ComputedFunction.Count, null, null)]
    [InlineData("sum(\"Order Completed\", \"revenue\", 30d)", ComputedFunction.Sum, "revenue", "30d")]
    [InlineData("average(\"Order Completed\", \"revenue\", 90d)", ComputedFunction.Average, "revenue", "90d")]
    [InlineData("min(\"Order Completed\", \"revenue\")", ComputedFunction.Min, "revenue", null)]
    [InlineData("max(\"Order Completed\", \"revenue\")", ComputedFunction.Max, "revenue", null)]
    [InlineData("first(\"Page Viewed\", \"url\")", ComputedFunction.First, "url", null)]
    [InlineData("last(\"Page Viewed\", \"url\", 2w)", ComputedFunction.Last, "url", "2w")]
    [InlineData("most_frequent(\"Product Viewed\", \"category\", 1d)", ComputedFunction.MostFrequent, "category", "1d")]
    public void ComputedText_ParsesEveryFunction(string text, ComputedFunction function, string? property, string? window)
    {
        var spec = DefinitionText.ParseComputed(text);

        Assert.Equal((function, property, window), (spec.Function, spec.Property, spec.Window is { } w ? Durations.Format(w) : null));
    }

    [Fact]
    public void Json_Definition_RoundTrips_AndRefusesUnknownMembersTypesAndIntegerEnums()
    {
        const string Json = """
            {"id":"vip","kind":"segment","name":"VIP","purpose":"email_marketing","exportTraits":["plan"],
             "condition":{"type":"trait","trait":"plan","op":"eq","value":"pro"}}
            """;
        var definition = DefinitionJson.Parse(Json);

        var unknownMember = Assert.Throws<CdpValidationException>(() => DefinitionJson.Parse(
            """{"id":"a","purpose":"analytics","condition":{"type":"trait","trait":"p","op":"exists","colour":1}}"""));
        var unknownType = Assert.Throws<CdpValidationException>(() => DefinitionJson.Parse(
            """{"id":"a","purpose":"analytics","condition":{"type":"telepathy"}}"""));
        var integerEnum = Assert.Throws<CdpValidationException>(() => DefinitionJson.Parse(
            """{"id":"a","purpose":"analytics","condition":{"type":"trait","trait":"p","op":1}}"""));
        var badWindow = Assert.Throws<CdpValidationException>(() => DefinitionJson.Parse(
            """
            {"id":"a","purpose":"analytics","condition":{"type":"event","aggregate":"count","event":"A","op":"gt","value":1,"window":30}}
            """));
        var tooLarge = Assert.Throws<CdpValidationException>(() => DefinitionJson.Parse(new string(' ', DefinitionJson.MaxBytes + 1)));

        Assert.Equal(new TraitCondition { Trait = "plan", Op = ValueOperator.Equal, Value = "pro" }, definition.Condition);
        Assert.Equal((DefinitionKind.Segment, "VIP", "email_marketing", "plan"),
            (definition.Kind, definition.Name, definition.Purpose, Assert.Single(definition.ExportTraits)));
        Assert.Equal(definition.Condition, DefinitionJson.Parse(DefinitionJson.Serialize(definition)).Condition);
        Assert.Equal(("condition.colour", "is not a known member here."), Single(unknownMember));
        Assert.Equal("condition", Single(unknownType).Field);
        Assert.Equal("condition.op", Single(integerEnum).Field);
        Assert.Equal(("condition.window", "is not a duration; write a string such as \"30d\" (s, m, h, d or w)."), Single(badWindow));
        Assert.Equal(("$", CdpValidationRule.TooLarge), (tooLarge.Errors[0].Field, tooLarge.Errors[0].Rule));
    }

    [Fact]
    public void Json_NestedBeyondTheLimit_IsRefusedAsTooDeep()
    {
        var json = string.Concat(Enumerable.Repeat("""{"type":"not","condition":""", 60)) + """{"type":"trait","trait":"a","op":"exists"}"""
            + new string('}', 60);

        var definition = $$"""{"id":"a","purpose":"analytics","condition":{{json}}}""";

        var error = Single(Assert.Throws<CdpValidationException>(() => DefinitionJson.Parse(definition)));

        Assert.Equal("is nested deeper than 48 levels.", error.Message);
    }

    [Fact]
    public void Validator_ReportsEveryBrokenRule_WithItsPath()
    {
        var definition = new SegmentDefinition
        {
            Id = "bad id",
            Purpose = "telepathy",
            ExportIdentifiers = ["e mail"],
            Condition = new AndCondition
            {
                Conditions =
                [
                    new TraitCondition { Trait = "ltv", Op = ValueOperator.Greater, Value = "high" },
                    new EventCondition { Aggregate = AggregateKind.Count, Event = "A", Op = ValueOperator.GreaterOrEqual, Value = 1,
                        Window = TimeSpan.FromDays(500) },
                    new EventCondition { Aggregate = AggregateKind.Sum, Event = "A", Op = ValueOperator.Contains, Value = 1 },
                    new TraitCondition { Trait = "plan", Op = ValueOperator.In, Value = CdpValue.Array() },
                    new AbsenceCondition { After = "A", Missing = "A", Within = TimeSpan.Zero },
                    new ConsentCondition { Purpose = "nope" },
                    new OrCondition { Conditions = [] },
                ],
            },
        };

        var errors = DefinitionValidator.Validate(definition, ConsentCatalog.Default.PurposeOf);

        Assert.Equal(
            [
                ("id", CdpValidationRule.InvalidFormat),
                ("purpose", CdpValidationRule.NotFound),
                ("condition.conditions[0].value", CdpValidationRule.WrongType),
                ("condition.conditions[1].window", CdpValidationRule.OutOfRange),
                ("condition.conditions[2].property", CdpValidationRule.Required),
                ("condition.conditions[2].op", CdpValidationRule.UnknownType),
                ("condition.conditions[3].value", CdpValidationRule.WrongType),
                ("condition.conditions[4].missing", CdpValidationRule.InvalidFormat),
                ("condition.conditions[4].within", CdpValidationRule.OutOfRange),
                ("condition.conditions[5].purpose", CdpValidationRule.NotFound),
                ("condition.conditions[6].conditions", CdpValidationRule.Required),
                ("exportIdentifiers[0]", CdpValidationRule.InvalidFormat),
            ],
            errors.Select(e => (e.Field, e.Rule)));
        Assert.Equal("500d is outside 1s to 400d.", errors[3].Message);
    }

    [Fact]
    public void Validator_OnText_PointsAtTheColumnOfTheNode()
    {
        var columns = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        var condition = DefinitionText.ParseCondition("""trait("plan") = "pro" and count("A", 401d) >= 1""", columns);

        var error = Assert.Single(DefinitionValidator.Validate(
            new SegmentDefinition { Id = "x", Purpose = "analytics", Condition = condition }, ConsentCatalog.Default.PurposeOf, columns));

        Assert.Equal(
            ("text", CdpValidationRule.OutOfRange, "column 27: 401d is outside 1s to 400d."), (error.Field, error.Rule, error.Message));
    }

    [Fact]
    public void Validator_TooDeepAndTooLarge_AreRefused()
    {
        Condition deep = new TraitCondition { Trait = "a", Op = ValueOperator.Exists };
        for (var i = 0; i < DefinitionValidator.MaxDepth; i++)
        {
            deep = new NotCondition { Condition = deep };
        }

        var wide = new OrCondition
        {
            Conditions =
            [
                .. Enumerable.Range(0, DefinitionValidator.MaxNodes)
                    .Select(_ => new TraitCondition { Trait = "t", Op = ValueOperator.Exists }),
            ],
        };

        var deepErrors = DefinitionValidator.Validate(new SegmentDefinition { Id = "d", Purpose = "analytics", Condition = deep },
            ConsentCatalog.Default.PurposeOf);
        var wideErrors = DefinitionValidator.Validate(new SegmentDefinition { Id = "w", Purpose = "analytics", Condition = wide },
            ConsentCatalog.Default.PurposeOf);

        Assert.Equal((CdpValidationRule.TooDeep, "condition" + string.Concat(Enumerable.Repeat(".condition", 16))),
            (Assert.Single(deepErrors).Rule, deepErrors[0].Field));
        Assert.Equal(("condition.conditions[199]", CdpValidationRule.TooLarge), (Assert.Single(wideErrors).Field, wideErrors[0].Rule));
    }

    [Theory]
    [InlineData("45s", 45)]
    [InlineData("30m", 1800)]
    [InlineData("1h", 3600)]
    [InlineData("30d", 2_592_000)]
    [InlineData("2w", 1_209_600)]
    public void Durations_ParseAndFormat(string text, int seconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
        Assert.Equal(text, Durations.Format(duration));
    }

    private static (string Field, string Message) Single(CdpValidationException exception)
    {
        var error = Assert.Single(exception.Errors);
        return (error.Field, error.Message);
    }
}
