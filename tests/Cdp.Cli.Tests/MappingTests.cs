using Cdp.Cli.Import;

namespace Cdp.Cli.Tests;

public sealed class MappingTests
{
    [Fact]
    public void Parse_UnknownTopLevelField_IsATypedErrorNamingIt()
    {
        var error = Assert.Throws<MappingException>(() => ImportMapping.Parse("""{ "source": "crm", "trait": ["plan"] }"""));

        Assert.Equal("trait", error.Field);
        Assert.Equal(
            "trait: is not a mapping field; the fields are source, key, identifiers, traits, timestamp, track, types.", error.Message);
    }

    [Fact]
    public void Parse_UnknownTrackField_NamesItsPath()
    {
        var error = Assert.Throws<MappingException>(() => ImportMapping.Parse("""{ "track": { "event": "X", "evnt": "Y" } }"""));

        Assert.Equal("track.evnt", error.Field);
    }

    [Fact]
    public void Parse_UnknownColumnType_NamesTheColumn()
    {
        var error = Assert.Throws<MappingException>(() => ImportMapping.Parse("""{ "types": { "total": "money" } }"""));

        Assert.Equal(("types.total", "types.total: must be string, number, boolean or date."), (error.Field, error.Message));
    }

    [Fact]
    public void Parse_IdentifierTypeWithSpaces_IsRefused()
    {
        var error = Assert.Throws<MappingException>(() => ImportMapping.Parse("""{ "identifiers": { "id": "crm id" } }"""));

        Assert.Equal("identifiers.id", error.Field);
    }

    [Fact]
    public void RowMapper_MappingNamesAColumnTheHeaderLacks_NamesTheField()
    {
        var mapping = ImportMapping.Parse("""{ "identifiers": { "mail": "email" } }""");

        var error = Assert.Throws<MappingException>(() => new RowMapper(mapping, "crm", ["email", "plan"], "contacts.csv"));

        Assert.Equal("identifiers.mail", error.Field);
        Assert.Equal("identifiers.mail: column 'mail' is not in the header of contacts.csv; its columns are email, plan.", error.Message);
    }

    [Fact]
    public void RowMapper_SameKeyTwice_GivesTheSameMessageIdAndAnotherSourceAnother()
    {
        var mapping = ImportMapping.Parse("""
            { "key": "order_id", "identifiers": { "email": "email" }, "track": { "event": "Order Completed" } }
            """);
        var shop = new RowMapper(mapping, "shop", ["order_id", "email", "total"], "orders.csv");
        var other = new RowMapper(mapping, "other-shop", ["order_id", "email", "total"], "orders.csv");
        ImportRecord Row(string total) => new(2, new() { ["order_id"] = "O-1", ["email"] = "a@example.com", ["total"] = total }, "row");

        var first = shop.Map(Row("10"), out _)!;
        var changed = shop.Map(Row("12"), out _)!;
        var elsewhere = other.Map(Row("10"), out _)!;

        Assert.Equal(first.MessageId, changed.MessageId);
        Assert.NotEqual(first.MessageId, elsewhere.MessageId);
        Assert.StartsWith("import-", first.MessageId, StringComparison.Ordinal);
        Assert.Equal(47, first.MessageId!.Length);
    }
}
