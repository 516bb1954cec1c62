namespace Cdp.UnitTests;

public sealed class ExternalIdTests
{
    [Theory]
    [InlineData("CRM_ID", "crm_id")]
    [InlineData("Device_Id", "device_id")]
    [InlineData(" crm_id ", "crm_id")]
    [InlineData("crm_id", "crm_id")]
    public void Normalize_Type_IsTrimmedAndLowerCased(string type, string expected)
    {
        var normalized = new ExternalId(type, "Abc-1").Normalize();

        Assert.Equal(new ExternalId(expected, "Abc-1"), normalized);
    }

    [Theory]
    [InlineData("email", "  Ada@Example.COM ")]
    [InlineData("EMAIL", "ADA@EXAMPLE.COM")]
    [InlineData("Email", "ada@example.com\t")]
    [InlineData("email", "ada@example.com")]
    public void Normalize_Email_IsTrimmedAndLowerCased(string type, string value)
    {
        var normalized = new ExternalId(type, value).Normalize();

        Assert.Equal(new ExternalId("email", "ada@example.com"), normalized);
    }

    [Theory]
    [InlineData("user_id", "AbC-42")]
    [InlineData("user_id", " padded ")]
    [InlineData("device_id", "DEVICE-Ff00")]
    [InlineData("phone", " +44 20 7946 0000 ")]
    public void Normalize_NonEmailValue_IsKeptExactly(string type, string value)
    {
        var normalized = new ExternalId(type, value).Normalize();

        Assert.Equal(type, normalized.Type);
        Assert.Equal(value, normalized.Value);
    }

    [Fact]
    public void Normalize_UpperCaseUserIdType_LowerCasesTypeOnly()
    {
        var normalized = new ExternalId("USER_ID", "AbC").Normalize();

        Assert.Equal(new ExternalId("user_id", "AbC"), normalized);
    }

    [Fact]
    public void ToString_Identifier_IsTypeColonValue()
    {
        Assert.Equal("crm_id:C-9", new ExternalId("crm_id", "C-9").ToString());
    }

    [Theory]
    [InlineData("email:ada@example.com", "email", "ada@example.com")]
    [InlineData("urn:isbn:0451450523", "urn", "isbn:0451450523")]
    public void Parse_TypeColonValue_SplitsAtFirstColon(string text, string type, string value)
    {
        Assert.Equal(new ExternalId(type, value), ExternalId.Parse(text));
    }

    [Theory]
    [InlineData("no-colon")]
    [InlineData(":value")]
    [InlineData("type:")]
    public void Parse_TextWithoutTypeOrValue_ThrowsFormatException(string text)
    {
        Assert.Throws<FormatException>(() => ExternalId.Parse(text));
    }
}
