using System.Text;

namespace Cdp.UnitTests;

public sealed class CdpJsonTests
{
    [Fact]
    public void SerializeThenDeserialize_FullEvent_KeepsEveryField()
    {
        var original = new CdpEvent
        {
            Type = EventType.Identify,
            MessageId = "m-0001",
            UserId = "User-42",
            AnonymousId = "anon-7f3c",
            Identifiers = [new ExternalId("email", "ada@example.com"), new ExternalId("crm_id", "C-9")],
            Timestamp = new DateTimeOffset(2025, 3, 1, 9, 30, 15, TimeSpan.FromHours(2)).AddTicks(1_234_567),
            SentAt = new DateTimeOffset(2025, 3, 1, 7, 31, 0, TimeSpan.Zero),
            ReceivedAt = new DateTimeOffset(2025, 3, 1, 7, 31, 2, TimeSpan.Zero),
            Event = "Order Completed",
            Name = "Checkout",
            GroupId = "acme",
            PreviousId = "anon-0001",
            Source = "web",
            Traits = new()
            {
                ["first_name"] = "Ada",
                ["age"] = 36,
                ["vip"] = true,
                ["churned"] = false,
                ["nickname"] = CdpValue.Null,
                ["address"] = CdpValue.Object(new()
                {
                    ["city"] = "London",
                    ["geo"] = CdpValue.Object(new() { ["lat"] = 51.5072, ["lon"] = -0.1276 }),
                }),
                ["tags"] = CdpValue.Array("a", 1, false, CdpValue.Null, CdpValue.Array(), CdpValue.Object(new())),
            },
            Properties = new()
            {
                ["revenue"] = 19.99,
                ["tiny"] = 1e-300,
                ["huge"] = -1.7976931348623157e308,
                ["text"] = "quote \" backslash \\ newline \n euro € emoji 😀",
                ["items"] = CdpValue.Array(CdpValue.Object(new() { ["sku"] = "X-1", ["qty"] = 2 })),
            },
            Context = new() { ["ip"] = "203.0.113.9", ["library"] = CdpValue.Object(new() { ["name"] = "cdp-js" }) },
            Integrations = new() { ["All"] = true, ["Salesforce"] = false },
        };

        var copy = CdpJson.DeserializeEvent(CdpJson.Serialize(original));

        Assert.Equal(WithoutCollections(original), WithoutCollections(copy));
        Assert.Equal(original.Timestamp!.Value.Offset, copy.Timestamp!.Value.Offset);
        Assert.Equal(original.Identifiers, copy.Identifiers);
        AssertSameEntries(original.Traits, copy.Traits);
        AssertSameEntries(original.Properties, copy.Properties);
        AssertSameEntries(original.Context, copy.Context);
        AssertSameEntries(original.Integrations, copy.Integrations);
    }

    [Fact]
    public void SerializeThenDeserialize_MinimalEvent_LeavesAbsentFieldsNull()
    {
        var original = new CdpEvent { Type = EventType.Page, AnonymousId = "anon-1" };

        var copy = CdpJson.DeserializeEvent(CdpJson.Serialize(original));

        Assert.Equal(original, copy);
        Assert.Equal("{\"type\":\"page\",\"anonymousId\":\"anon-1\"}", Encoding.UTF8.GetString(CdpJson.Serialize(original)));
    }

    [Fact]
    public void SerializeThenDeserialize_RoutedEventAtIdentifierLimit_KeepsEveryIdentifier()
    {
        // The customer grain archives events as the ingest grain routes them: with every identifier it
        // extracted, which for an identify call includes the email trait. The validator counts that trait,
        // so an accepted event stays within the limit and replay reads it back.
        var evt = new CdpEvent
        {
            Type = EventType.Identify,
            MessageId = "m-1",
            UserId = "u-1",
            AnonymousId = "anon-1",
            Identifiers =
            [
                .. Enumerable.Range(0, EventLimits.MaxIdentifiersPerEvent - 3).Select(i => new ExternalId("crm_id", $"C-{i}")),
            ],
            Traits = new() { ["email"] = "ada@example.com" },
        };
        var now = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        EventValidator.Validate(evt, now);
        var routed = evt with { ReceivedAt = now, Identifiers = Cdp.Grains.Domain.Identifiers.Extract(evt) };

        var copy = CdpJson.DeserializeEvent(CdpJson.Serialize(routed));

        Assert.Equal(EventLimits.MaxIdentifiersPerEvent, copy.Identifiers!.Length);
        Assert.Equal(routed.Identifiers, copy.Identifiers);
    }

    [Fact]
    public void Validate_IdentifyWhoseEmailTraitWouldExceedTheIdentifierLimit_IsRefused()
    {
        var evt = new CdpEvent
        {
            Type = EventType.Identify,
            UserId = "u-1",
            AnonymousId = "anon-1",
            Identifiers = [.. Enumerable.Range(0, EventLimits.MaxIdentifiersPerEvent - 2).Select(i => new ExternalId("crm_id", $"C-{i}"))],
            Traits = new() { ["email"] = "ada@example.com" },
        };

        var error = Assert.Throws<CdpValidationException>(() => EventValidator.Validate(evt, DateTimeOffset.UtcNow));

        Assert.Equal(("identifiers", CdpValidationRule.TooMany), (error.Errors[0].Field, error.Errors[0].Rule));
    }

    [Theory]
    [InlineData("{\"type\":\"foo\",\"userId\":\"u\"}", "type", CdpValidationRule.UnknownType)]
    [InlineData("{\"type\":\"Track\",\"userId\":\"u\"}", "type", CdpValidationRule.UnknownType)]
    [InlineData("{\"userId\":\"u\",\"event\":\"Order Completed\"}", "type", CdpValidationRule.Required)]
    [InlineData("{\"type\":\"track\",\"timestamp\":\"not-a-date\"}", "timestamp", CdpValidationRule.InvalidDate)]
    [InlineData("{\"type\":\"track\",\"sentAt\":\"2025-13-45\"}", "sentAt", CdpValidationRule.InvalidDate)]
    [InlineData("{\"type\":\"identify\",\"traits\":\"gold\"}", "traits", CdpValidationRule.WrongType)]
    [InlineData("{\"type\":\"track\",\"properties\":[1,2]}", "properties", CdpValidationRule.WrongType)]
    [InlineData("{\"type\":\"track\",\"event\":7}", "event", CdpValidationRule.WrongType)]
    [InlineData("{\"type\":\"track\",\"userId\":{\"id\":1}}", "userId", CdpValidationRule.WrongType)]
    [InlineData("{\"type\":\"track\",\"identifiers\":[{\"value\":1}]}", "identifiers[0].type", CdpValidationRule.Required)]
    [InlineData("{\"type\":\"track\",\"properties\":{\"n\":1e400}}", "properties.n", CdpValidationRule.InvalidFormat)]
    [InlineData("[{\"type\":\"track\"}]", "$", CdpValidationRule.WrongType)]
    public void DeserializeEvent_InvalidField_NamesFieldAndRule(string json, string field, CdpValidationRule rule)
    {
        var error = SingleError(json);

        Assert.Equal(field, error.Field);
        Assert.Equal(rule, error.Rule);
    }

    [Theory]
    [InlineData("{\"type\":\"track\",")]
    [InlineData("not json")]
    [InlineData("{\"type\":\"track\"} {}")]
    public void DeserializeEvent_MalformedJson_NamesRootMalformedJson(string json)
    {
        var error = SingleError(json);

        Assert.Equal(CdpValidationRule.MalformedJson, error.Rule);
        Assert.Equal("$", error.Field);
    }

    [Fact]
    public void DeserializeEvent_PropertiesNestedOneLevelTooDeep_NamesPathInsideProperties()
    {
        var json = "{\"type\":\"track\",\"properties\":" + NestedJson(EventLimits.MaxNestingDepth + 1) + "}";

        var error = SingleError(json);

        Assert.Equal("properties.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q", error.Field);
        Assert.Equal(CdpValidationRule.TooDeep, error.Rule);
    }

    [Fact]
    public void DeserializeEvent_PropertiesNestedExactlyToLimit_IsAcceptedAndKeepsInnermostValue()
    {
        var json = "{\"type\":\"track\",\"properties\":" + NestedJson(EventLimits.MaxNestingDepth) + "}";

        var evt = CdpJson.DeserializeEvent(Encoding.UTF8.GetBytes(json));

        var value = evt.Properties!["a"];
        foreach (var key in "bcdefghijklmnop")
        {
            value = value[key.ToString()]!;
        }

        Assert.Equal(CdpValue.Object(new() { ["leaf"] = true }), value);
    }

    [Fact]
    public void DeserializeEvent_NumericIds_AreKeptAsTheirDigits()
    {
        var evt = Deserialize("{\"type\":\"group\",\"userId\":42,\"anonymousId\":7,\"groupId\":1001}");

        Assert.Equal("42", evt.UserId);
        Assert.Equal("7", evt.AnonymousId);
        Assert.Equal("1001", evt.GroupId);
    }

    [Fact]
    public void DeserializeEvent_UnknownTopLevelFields_AreIgnored()
    {
        var evt = Deserialize(
            "{\"version\":2,\"writeKey\":\"k\",\"type\":\"track\",\"extra\":{\"a\":[1,{\"b\":null}]}," +
            "\"userId\":\"u-1\",\"event\":\"Order Completed\",\"_metadata\":[true]}");

        Assert.Equal(new CdpEvent { Type = EventType.Track, UserId = "u-1", Event = "Order Completed" }, evt);
    }

    [Fact]
    public void DeserializeEvent_OriginalTimestamp_IsReadAsTimestamp()
    {
        var evt = Deserialize("{\"type\":\"track\",\"userId\":\"u\",\"originalTimestamp\":\"2025-03-01T10:00:00.5+01:00\"}");

        Assert.Equal(new DateTimeOffset(2025, 3, 1, 10, 0, 0, 500, TimeSpan.FromHours(1)), evt.Timestamp);
        Assert.Equal(TimeSpan.FromHours(1), evt.Timestamp!.Value.Offset);
    }

    [Fact]
    public void DeserializeEvent_TimestampWithoutOffset_IsReadAsUtc()
    {
        var evt = Deserialize("{\"type\":\"track\",\"userId\":\"u\",\"timestamp\":\"2025-03-01T10:00:00\"}");

        Assert.Equal(new DateTimeOffset(2025, 3, 1, 10, 0, 0, TimeSpan.Zero), evt.Timestamp);
        Assert.Equal(TimeSpan.Zero, evt.Timestamp!.Value.Offset);
    }

    [Fact]
    public void DeserializeEvent_NullObjects_AreReadAsAbsent()
    {
        var evt = Deserialize(
            "{\"type\":\"identify\",\"userId\":\"u\",\"traits\":null,\"properties\":null," +
            "\"identifiers\":null,\"timestamp\":null}");

        Assert.Equal(new CdpEvent { Type = EventType.Identify, UserId = "u" }, evt);
    }

    [Fact]
    public void DeserializeEvent_OriginalTimestampOfWrongTypeAfterTimestamp_NamesOriginalTimestampWrongType()
    {
        // The same field in front of "timestamp" is refused as WrongType; the order of the members of a JSON
        // object must not change the outcome. Read after "timestamp", the object's members are instead read
        // as if they were the event's own fields.
        var json = "{\"type\":\"track\",\"userId\":\"u\",\"timestamp\":\"2025-03-01T10:00:00Z\"," +
            "\"originalTimestamp\":{\"userId\":\"someone-else\"},\"event\":\"Order Completed\"}";

        var error = SingleError(json);

        Assert.Equal("originalTimestamp", error.Field);
        Assert.Equal(CdpValidationRule.WrongType, error.Rule);
    }

    [Fact]
    public void DeserializeEvent_OriginalTimestampOfWrongTypeBeforeTimestamp_NamesOriginalTimestampWrongType()
    {
        var json = "{\"type\":\"track\",\"userId\":\"u\",\"originalTimestamp\":{\"userId\":\"someone-else\"}," +
            "\"timestamp\":\"2025-03-01T10:00:00Z\",\"event\":\"Order Completed\"}";

        var error = SingleError(json);

        Assert.Equal("originalTimestamp", error.Field);
        Assert.Equal(CdpValidationRule.WrongType, error.Rule);
    }

    public static TheoryData<byte[]> UndecodableStrings => new()
    {
        // A byte that is not UTF-8 inside the event name.
        BytesAround("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"", 0xFF, "\"}"),

        // An escaped high surrogate with no low surrogate after it.
        Encoding.UTF8.GetBytes("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"\\ud800\"}"),
    };

    [Theory]
    [MemberData(nameof(UndecodableStrings))]
    public void DeserializeEvent_UndecodableString_ThrowsValidationException(byte[] json)
    {
        var exception = Record.Exception(() => CdpJson.DeserializeEvent(json));

        var validation = Assert.IsType<CdpValidationException>(exception);
        Assert.Equal(CdpValidationRule.MalformedJson, Assert.Single(validation.Errors).Rule);
    }

    private static byte[] BytesAround(string before, byte raw, string after) =>
        [.. Encoding.UTF8.GetBytes(before), raw, .. Encoding.UTF8.GetBytes(after)];

    private static CdpEvent Deserialize(string json) => CdpJson.DeserializeEvent(Encoding.UTF8.GetBytes(json));

    private static CdpValidationError SingleError(string json) =>
        Assert.Single(Assert.Throws<CdpValidationException>(() => Deserialize(json)).Errors);

    // levels nested objects keyed a, b, c, …; the innermost holds {"leaf": true}.
    private static string NestedJson(int levels)
    {
        var json = "{\"leaf\":true}";
        for (var level = levels - 1; level >= 0; level--)
        {
            json = $"{{\"{(char)('a' + level)}\":{json}}}";
        }

        return json;
    }

    // The event with its reference-compared members cleared, so record equality compares the rest.
    private static CdpEvent WithoutCollections(CdpEvent evt) =>
        evt with { Identifiers = null, Traits = null, Properties = null, Context = null, Integrations = null };

    private static void AssertSameEntries(Dictionary<string, CdpValue>? expected, Dictionary<string, CdpValue>? actual)
    {
        Assert.NotNull(expected);
        Assert.NotNull(actual);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected)
        {
            Assert.Equal(value, actual[key]);
        }
    }
}
