namespace Cdp.UnitTests;

public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Validate_EventWithoutAnyIdentifier_NamesUserIdRequired()
    {
        var evt = new CdpEvent { Type = EventType.Track, Event = "Order Completed" };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("userId", error.Field);
        Assert.Equal(CdpValidationRule.Required, error.Rule);
        Assert.Null(error.EventIndex);
    }

    [Fact]
    public void Validate_UndefinedEventType_NamesTypeUnknownType()
    {
        var evt = new CdpEvent { Type = (EventType)42, UserId = "u-1" };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("type", error.Field);
        Assert.Equal(CdpValidationRule.UnknownType, error.Rule);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Validate_TrackWithoutEventName_NamesEventField(string? name)
    {
        var evt = new CdpEvent { Type = EventType.Track, UserId = "u-1", Event = name };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("event", error.Field);
        Assert.Equal(CdpValidationRule.Required, error.Rule);
    }

    [Fact]
    public void Validate_ValidEvent_ReturnsSerializedSize()
    {
        var evt = Track() with { Traits = new() { ["plan"] = "pro" }, Timestamp = Now.AddMinutes(-5) };

        var size = EventValidator.Validate(evt, Now);

        Assert.Equal(CdpJson.MeasureBytes(evt), size);
        Assert.Equal(CdpJson.Serialize(evt).Length, size);
    }

    [Fact]
    public void Validate_EventExactlyAtSizeLimit_IsAcceptedAndReturnsItsSize()
    {
        var evt = TrackOfSize(EventLimits.MaxEventBytes);

        var size = EventValidator.Validate(evt, Now);

        Assert.Equal(EventLimits.MaxEventBytes, size);
        Assert.Equal(CdpJson.MeasureBytes(evt), size);
    }

    [Fact]
    public void Validate_EventOneByteOverSizeLimit_NamesRootTooLarge()
    {
        var evt = TrackOfSize(EventLimits.MaxEventBytes + 1);

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("$", error.Field);
        Assert.Equal(CdpValidationRule.TooLarge, error.Rule);
    }

    [Fact]
    public void ValidateBatch_TotalOverBatchLimit_NamesEventsTooLarge()
    {
        // 17 events of 31,000 bytes: each well under 32 KiB, together 527,000 bytes, over 500 KiB.
        var events = Enumerable.Range(0, 17)
            .Select(i => TrackOfSize(31_000, $"m-{i:D2}"))
            .ToArray();
        Assert.All(events, e => Assert.Equal(31_000, EventValidator.Validate(e, Now)));

        var error = SingleError(() => EventValidator.ValidateBatch(events, Now));

        Assert.Equal("events", error.Field);
        Assert.Equal(CdpValidationRule.TooLarge, error.Rule);
        Assert.Null(error.EventIndex);
    }

    [Fact]
    public void ValidateBatch_TotalExactlyAtBatchLimit_IsAccepted()
    {
        var events = Enumerable.Range(0, 16)
            .Select(i => TrackOfSize(EventLimits.MaxBatchBytes / 16, $"m-{i:D2}"))
            .ToArray();
        Assert.Equal(EventLimits.MaxBatchBytes, events.Sum(CdpJson.MeasureBytes));

        var exception = Record.Exception(() => EventValidator.ValidateBatch(events, Now));

        Assert.Null(exception);
    }

    [Fact]
    public void ValidateBatch_NoEvents_NamesEventsRequired()
    {
        var error = SingleError(() => EventValidator.ValidateBatch([], Now));

        Assert.Equal("events", error.Field);
        Assert.Equal(CdpValidationRule.Required, error.Rule);
    }

    public static TheoryData<DateTimeOffset> TimestampsOutOfRange => new()
    {
        new DateTimeOffset(1969, 12, 31, 23, 59, 59, TimeSpan.Zero),
        new DateTimeOffset(1969, 7, 20, 20, 17, 0, TimeSpan.Zero),
        Now.AddDays(2),
        Now.AddHours(24).AddTicks(1),
    };

    [Theory]
    [MemberData(nameof(TimestampsOutOfRange))]
    public void Validate_TimestampOutOfRange_NamesTimestampInvalidDate(DateTimeOffset timestamp)
    {
        var evt = Track() with { Timestamp = timestamp };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("timestamp", error.Field);
        Assert.Equal(CdpValidationRule.InvalidDate, error.Rule);
    }

    public static TheoryData<DateTimeOffset> TimestampsInRange => new()
    {
        new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Now.AddYears(-10),
        Now.AddHours(1),
        Now.AddHours(24),
    };

    [Theory]
    [MemberData(nameof(TimestampsInRange))]
    public void Validate_TimestampInRange_IsAccepted(DateTimeOffset timestamp)
    {
        var evt = Track() with { Timestamp = timestamp };

        var size = EventValidator.Validate(evt, Now);

        Assert.Equal(CdpJson.MeasureBytes(evt), size);
    }

    public static TheoryData<DateTimeOffset> SentAtsOutOfRange => new()
    {
        DateTimeOffset.MaxValue,
        Now.AddDays(2),
        new DateTimeOffset(1969, 12, 31, 23, 59, 59, TimeSpan.Zero),
        new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    [Theory]
    [MemberData(nameof(SentAtsOutOfRange))]
    public void Validate_SentAtOutOfRange_NamesSentAtInvalidDate(DateTimeOffset sentAt)
    {
        // The event time is timestamp + (receivedAt - sentAt): a sentAt far off moves it just as far,
        // past the range checked for timestamp, or beyond what DateTimeOffset can hold.
        var evt = Track() with { Timestamp = Now.AddHours(-1), SentAt = sentAt };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("sentAt", error.Field);
        Assert.Equal(CdpValidationRule.InvalidDate, error.Rule);
    }

    [Fact]
    public void Validate_SentAtSlightlyOff_IsAccepted()
    {
        var evt = Track() with { Timestamp = Now.AddHours(-1), SentAt = Now.AddMinutes(5) };

        var size = EventValidator.Validate(evt, Now);

        Assert.Equal(CdpJson.MeasureBytes(evt), size);
    }

    [Fact]
    public void Validate_TraitsNestedOneLevelTooDeep_NamesPathOfTooDeepObject()
    {
        var evt = Track() with { Traits = new() { ["a"] = NestedObjects(EventLimits.MaxNestingDepth + 1) } };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("traits" + string.Concat(Enumerable.Repeat(".a", EventLimits.MaxNestingDepth + 1)), error.Field);
        Assert.Equal(CdpValidationRule.TooDeep, error.Rule);
    }

    [Fact]
    public void Validate_TraitsNestedExactlyToLimit_IsAccepted()
    {
        var evt = Track() with { Traits = new() { ["a"] = NestedObjects(EventLimits.MaxNestingDepth) } };

        var size = EventValidator.Validate(evt, Now);

        Assert.Equal(CdpJson.MeasureBytes(evt), size);
    }

    [Fact]
    public void Validate_PropertiesArraysNestedTooDeep_NamesIndexedPath()
    {
        var value = CdpValue.Array();
        for (var level = 1; level < EventLimits.MaxNestingDepth + 1; level++)
        {
            value = CdpValue.Array("leaf", value);
        }

        var evt = Track() with { Properties = new() { ["list"] = value } };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("properties.list" + string.Concat(Enumerable.Repeat("[1]", EventLimits.MaxNestingDepth)), error.Field);
        Assert.Equal(CdpValidationRule.TooDeep, error.Rule);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Validate_EmptyIdentifierValue_NamesIdentifierValueRequired(string value)
    {
        var evt = Track() with { Identifiers = [new ExternalId("email", value)] };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("identifiers[0].value", error.Field);
        Assert.Equal(CdpValidationRule.Required, error.Rule);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\n")]
    public void Validate_EmptyOrWhitespaceUserId_NamesUserIdRequired(string userId)
    {
        var evt = Track() with { UserId = userId };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("userId", error.Field);
        Assert.Equal(CdpValidationRule.Required, error.Rule);
    }

    [Theory]
    [InlineData('€', 400)]
    [InlineData('€', 342)]
    [InlineData('a', 1025)]
    public void Validate_IdentifierOverKilobyteOfUtf8_NamesTooLong(char c, int count)
    {
        var evt = Track() with { Identifiers = [new ExternalId("crm_id", new string(c, count))] };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("identifiers[0].value", error.Field);
        Assert.Equal(CdpValidationRule.TooLong, error.Rule);
    }

    [Theory]
    [InlineData('a', 1024)]
    [InlineData('€', 341)]
    public void Validate_IdentifierWithinKilobyteOfUtf8_IsAccepted(char c, int count)
    {
        var evt = Track() with { Identifiers = [new ExternalId("crm_id", new string(c, count))] };

        var size = EventValidator.Validate(evt, Now);

        Assert.Equal(CdpJson.MeasureBytes(evt), size);
    }

    [Fact]
    public void Validate_UserIdOverKilobyteOfUtf8_NamesUserIdTooLong()
    {
        var evt = Track() with { UserId = new string('€', 400) };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("userId", error.Field);
        Assert.Equal(CdpValidationRule.TooLong, error.Rule);
    }

    [Theory]
    [InlineData("crm id")]
    [InlineData("crm/id")]
    [InlineData("e-mail@")]
    public void Validate_IdentifierTypeWithForbiddenCharacter_NamesTypeInvalidFormat(string type)
    {
        var evt = Track() with { Identifiers = [new ExternalId("email", "ada@example.com"), new ExternalId(type, "c-1")] };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("identifiers[1].type", error.Field);
        Assert.Equal(CdpValidationRule.InvalidFormat, error.Rule);
    }

    [Fact]
    public void Validate_GroupWithoutGroupId_NamesGroupIdRequired()
    {
        var evt = new CdpEvent { Type = EventType.Group, UserId = "u-1" };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("groupId", error.Field);
        Assert.Equal(CdpValidationRule.Required, error.Rule);
    }

    [Fact]
    public void Validate_AliasWithoutPreviousId_NamesPreviousIdRequired()
    {
        var evt = new CdpEvent { Type = EventType.Alias, UserId = "u-1" };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("previousId", error.Field);
        Assert.Equal(CdpValidationRule.Required, error.Rule);
    }

    [Fact]
    public void Validate_EventBreakingSeveralRules_ListsEveryRule()
    {
        var evt = new CdpEvent
        {
            Type = EventType.Track,
            Timestamp = new DateTimeOffset(1960, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Identifiers = [new ExternalId("crm id", "")],
        };

        var errors = Assert.Throws<CdpValidationException>(() => EventValidator.Validate(evt, Now)).Errors;

        Assert.Equal(
            [
                ("event", CdpValidationRule.Required),
                ("identifiers[0].type", CdpValidationRule.InvalidFormat),
                ("identifiers[0].value", CdpValidationRule.Required),
                ("timestamp", CdpValidationRule.InvalidDate),
            ],
            errors.Select(e => (e.Field, e.Rule)));
    }

    [Fact]
    public void ValidateBatch_SeveralBadEvents_ListsEachWithItsIndex()
    {
        CdpEvent[] events =
        [
            Track(),
            Track() with { Event = null },
            Track(),
            new CdpEvent { Type = EventType.Page, Name = "Home" },
            Track() with { Identifiers = [new ExternalId("crm id", "c-1")] },
            new CdpEvent { Type = EventType.Group, AnonymousId = "a-1" },
        ];

        var errors = Assert.Throws<CdpValidationException>(() => EventValidator.ValidateBatch(events, Now)).Errors;

        Assert.Equal(
            [
                ("event", CdpValidationRule.Required, (int?)1),
                ("userId", CdpValidationRule.Required, (int?)3),
                ("identifiers[0].type", CdpValidationRule.InvalidFormat, (int?)4),
                ("groupId", CdpValidationRule.Required, (int?)5),
            ],
            errors.Select(e => (e.Field, e.Rule, e.EventIndex)));
    }

    [Fact]
    public void Validate_PropertyWithLoneSurrogate_NamesPropertyInvalidFormat()
    {
        // JSON cannot carry a lone UTF-16 surrogate: the serializer writes U+FFFD in its place, so an
        // accepted event would be archived with a different value than the live profile applied.
        var evt = Track() with { Properties = new() { ["note"] = "broken \ud800 text" } };

        var error = SingleError(() => EventValidator.Validate(evt, Now));

        Assert.Equal("properties.note", error.Field);
        Assert.Equal(CdpValidationRule.InvalidFormat, error.Rule);
    }

    private static CdpEvent Track() => new()
    {
        Type = EventType.Track,
        MessageId = "m-1",
        UserId = "u-1",
        Event = "Order Completed",
    };

    // A track event whose JSON form is exactly the given number of bytes.
    private static CdpEvent TrackOfSize(int bytes, string messageId = "m-1")
    {
        var empty = Track() with { MessageId = messageId, Properties = new() { ["note"] = "" } };
        var padding = bytes - CdpJson.MeasureBytes(empty);
        var evt = empty with { Properties = new() { ["note"] = new string('x', padding) } };
        Assert.Equal(bytes, CdpJson.MeasureBytes(evt));
        return evt;
    }

    // levels objects, each the only member "a" of the one above; the innermost holds a number.
    private static CdpValue NestedObjects(int levels)
    {
        var value = CdpValue.Object(new() { ["leaf"] = 1 });
        for (var level = 1; level < levels; level++)
        {
            value = CdpValue.Object(new() { ["a"] = value });
        }

        return value;
    }

    private static CdpValidationError SingleError(Action action) =>
        Assert.Single(Assert.Throws<CdpValidationException>(action).Errors);
}
