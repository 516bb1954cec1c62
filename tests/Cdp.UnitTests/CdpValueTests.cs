namespace Cdp.UnitTests;

public sealed class CdpValueTests
{
    [Fact]
    public void ImplicitConversion_Scalars_KeepKindAndValue()
    {
        CdpValue text = "pro";
        CdpValue flag = true;
        CdpValue count = 12;
        CdpValue big = 9_007_199_254_740_992L;
        CdpValue ratio = 0.25;
        CdpValue price = 19.99m;
        CdpValue missing = (string?)null;

        Assert.Equal(CdpValueKind.String, text.Kind);
        Assert.Equal("pro", text.AsString());
        Assert.Equal(CdpValueKind.Boolean, flag.Kind);
        Assert.True(flag.AsBoolean());
        Assert.Equal(CdpValueKind.Number, count.Kind);
        Assert.Equal(12.0, count.AsNumber());
        Assert.Equal(9_007_199_254_740_992.0, big.AsNumber());
        Assert.Equal(0.25, ratio.AsNumber());
        Assert.Equal(19.99, price.AsNumber());
        Assert.Same(CdpValue.Null, missing);
        Assert.True(missing.IsNull);
    }

    [Fact]
    public void ImplicitConversion_DateTimeOffset_IsRoundTripIsoString()
    {
        CdpValue date = new DateTimeOffset(2025, 3, 1, 9, 30, 0, TimeSpan.FromHours(1));

        Assert.Equal("2025-03-01T09:30:00.0000000+01:00", date.AsString());
    }

    [Fact]
    public void From_Booleans_AreTheSharedInstances()
    {
        Assert.Same(CdpValue.True, CdpValue.From(true));
        Assert.Same(CdpValue.False, CdpValue.From(false));
        Assert.False(CdpValue.False.AsBoolean());
    }

    [Fact]
    public void Equals_NestedObjectsBuiltSeparately_AreEqualWithEqualHashCodes()
    {
        var first = CdpValue.Object(new()
        {
            ["name"] = "Ada",
            ["tags"] = CdpValue.Array("a", 1, CdpValue.Null, CdpValue.Object(new() { ["deep"] = true })),
            ["address"] = CdpValue.Object(new() { ["city"] = "London", ["zip"] = "N1" }),
        });
        var second = CdpValue.Object(new()
        {
            ["address"] = CdpValue.Object(new() { ["zip"] = "N1", ["city"] = "London" }),
            ["tags"] = CdpValue.Array("a", 1.0, CdpValue.Null, CdpValue.Object(new() { ["deep"] = true })),
            ["name"] = "Ada",
        });

        Assert.Equal(first, second);
        Assert.True(first.Equals((object)second));
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }

    [Fact]
    public void Equals_DifferenceDeepInside_IsNotEqual()
    {
        var first = CdpValue.Object(new() { ["tags"] = CdpValue.Array("a", CdpValue.Object(new() { ["deep"] = true })) });
        var second = CdpValue.Object(new() { ["tags"] = CdpValue.Array("a", CdpValue.Object(new() { ["deep"] = false })) });

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Equals_ArraysInDifferentOrder_AreNotEqual()
    {
        Assert.NotEqual(CdpValue.Array(1, 2), CdpValue.Array(2, 1));
        Assert.NotEqual(CdpValue.Array(1, 2), CdpValue.Array(1, 2, 3));
    }

    [Fact]
    public void Equals_ObjectsWithDifferentKeys_AreNotEqual()
    {
        Assert.NotEqual(CdpValue.Object(new() { ["a"] = 1 }), CdpValue.Object(new() { ["b"] = 1 }));
        Assert.NotEqual(CdpValue.Object(new() { ["a"] = 1 }), CdpValue.Object(new() { ["a"] = 1, ["b"] = 2 }));
    }

    [Fact]
    public void Equals_SameTextInDifferentKinds_IsNotEqual()
    {
        Assert.NotEqual<CdpValue>("1", 1);
        Assert.NotEqual<CdpValue>(true, 1);
        Assert.NotEqual<CdpValue>(false, CdpValue.Null);
        Assert.NotEqual<CdpValue>("null", CdpValue.Null);
        Assert.NotEqual<CdpValue>(CdpValue.Array(), CdpValue.Object(new()));
    }

    [Fact]
    public void ToString_NestedValue_IsCompactJson()
    {
        var value = CdpValue.Object(new()
        {
            ["a"] = 1,
            ["b"] = CdpValue.Array(true, CdpValue.Null, "x"),
            ["c"] = 2.5,
            ["d"] = CdpValue.Object(new()),
        });

        Assert.Equal("{\"a\":1,\"b\":[true,null,\"x\"],\"c\":2.5,\"d\":{}}", value.ToString());
    }

    [Fact]
    public void ToString_String_IsQuotedAndEscapedJson()
    {
        Assert.Equal("\"tab\\tnew\\nback\\\\\"", CdpValue.From("tab\tnew\nback\\").ToString());
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void From_NonFiniteNumber_ThrowsArgumentOutOfRange(double number)
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => CdpValue.From(number));

        Assert.Equal("value", exception.ParamName);
    }

    [Fact]
    public void AsNumber_OnString_ThrowsInvalidOperation()
    {
        Assert.Throws<InvalidOperationException>(() => CdpValue.From("12").AsNumber());
    }

    [Fact]
    public void Indexer_ObjectMember_ReturnsMemberOrNull()
    {
        var value = CdpValue.Object(new() { ["plan"] = "pro" });

        Assert.Equal<CdpValue?>("pro", value["plan"]);
        Assert.Null(value["missing"]);
        Assert.Null(CdpValue.From("plan")["plan"]);
    }
}
