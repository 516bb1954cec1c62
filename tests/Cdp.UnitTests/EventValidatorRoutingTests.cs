namespace Cdp.UnitTests;

/// <summary>Rules that keep the routed form of an accepted event valid: what routing adds is checked too.</summary>
public sealed class EventValidatorRoutingTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Validate_IdentifyWhoseOnlyIdentifierIsAnEmailOverOneKilobyte_NamesTheEmailTrait()
    {
        var evt = new CdpEvent
        {
            Type = EventType.Identify,
            Traits = new() { ["email"] = new string('a', 1_100) + "@example.com" },
        };

        var error = Assert.Throws<CdpValidationException>(() => EventValidator.Validate(evt, Now));

        Assert.Equal(("traits.email", CdpValidationRule.TooLong), (error.Errors[0].Field, error.Errors[0].Rule));
    }

    [Fact]
    public void Validate_IdentifyWithOnlyABlankEmail_HasNoIdentifier()
    {
        var evt = new CdpEvent { Type = EventType.Identify, Traits = new() { ["email"] = "   " } };

        var error = Assert.Throws<CdpValidationException>(() => EventValidator.Validate(evt, Now));

        Assert.Equal(("userId", CdpValidationRule.Required), (error.Errors[0].Field, error.Errors[0].Rule));
    }

    [Fact]
    public void Validate_IdentifyWithOnlyAnEmail_IsAccepted()
    {
        var evt = new CdpEvent { Type = EventType.Identify, Traits = new() { ["email"] = "ada@example.com" } };

        Assert.Equal(CdpJson.MeasureBytes(evt), EventValidator.Validate(evt, Now));
    }

    [Fact]
    public void Validate_NullReferenceInsideProperties_NamesItsPathAsWrongType()
    {
        var evt = new CdpEvent
        {
            Type = EventType.Track,
            UserId = "u",
            Event = "Order Completed",
            Properties = new() { ["items"] = CdpValue.Array("a", null!), ["ok"] = CdpValue.Null },
        };

        var error = Assert.Throws<CdpValidationException>(() => EventValidator.Validate(evt, Now));

        Assert.Equal(("properties.items[1]", CdpValidationRule.WrongType), (error.Errors[0].Field, error.Errors[0].Rule));
    }
}
