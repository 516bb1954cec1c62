namespace Cdp.UnitTests;

public sealed class IdentityRulesValidatorTests
{
    [Fact]
    public void Validate_Defaults_ReturnsNoErrors()
    {
        Assert.Empty(IdentityRulesValidator.Validate(IdentityRules.Defaults()));
    }

    [Fact]
    public void Validate_Null_ReportsRulesRequired()
    {
        var error = Assert.Single(IdentityRulesValidator.Validate(null));

        Assert.Equal(("rules", CdpValidationRule.Required), (error.Field, error.Rule));
    }

    [Theory]
    [InlineData(0, "is 0; it must be between 1 and 10000.")]
    [InlineData(10_001, "is 10001; it must be between 1 and 10000.")]
    public void Validate_MaxIdentifiersOutOfRange_ReportsMaxIdentifiers(int value, string message)
    {
        var rules = IdentityRules.Defaults();
        rules.MaxIdentifiers = value;

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(new CdpValidationError("maxIdentifiers", CdpValidationRule.OutOfRange, message), error);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10_000)]
    public void Validate_MaxIdentifiersAtBound_ReturnsNoErrors(int value)
    {
        var rules = IdentityRules.Defaults();
        rules.MaxIdentifiers = value;

        Assert.Empty(IdentityRulesValidator.Validate(rules));
    }

    [Theory]
    [InlineData(-1, "is -1; it must be between 0 and 10000.")]
    [InlineData(10_001, "is 10001; it must be between 0 and 10000.")]
    public void Validate_MaxMergesOutOfRange_ReportsMaxMerges(int value, string message)
    {
        var rules = IdentityRules.Defaults();
        rules.MaxMerges = value;

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(new CdpValidationError("maxMerges", CdpValidationRule.OutOfRange, message), error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_000)]
    public void Validate_MaxMergesAtBound_ReturnsNoErrors(int value)
    {
        var rules = IdentityRules.Defaults();
        rules.MaxMerges = value;

        Assert.Empty(IdentityRulesValidator.Validate(rules));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1_001)]
    public void Validate_PriorityOutOfRange_ReportsTypePriority(int priority)
    {
        var rules = IdentityRules.Defaults();
        rules.Types["email"].Priority = priority;

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(("types.email.priority", CdpValidationRule.OutOfRange), (error.Field, error.Rule));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    public void Validate_PriorityAtBound_ReturnsNoErrors(int priority)
    {
        var rules = IdentityRules.Defaults();
        rules.Types["email"].Priority = priority;

        Assert.Empty(IdentityRulesValidator.Validate(rules));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public void Validate_LimitOutOfRange_ReportsTypeLimit(int limit)
    {
        var rules = IdentityRules.Defaults();
        rules.Types["user_id"].Limit = limit;

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(("types.user_id.limit", CdpValidationRule.OutOfRange), (error.Field, error.Rule));
    }

    [Fact]
    public void Validate_DefaultRuleLimitOutOfRange_ReportsDefaultLimit()
    {
        var rules = IdentityRules.Defaults();
        rules.Default.Limit = 0;

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(("default.limit", CdpValidationRule.OutOfRange), (error.Field, error.Rule));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(3650L * TimeSpan.TicksPerDay + 1)]
    public void Validate_LimitWindowOutOfRange_ReportsTypeLimitWindow(long ticks)
    {
        var rules = IdentityRules.Defaults();
        rules.Types["anonymous_id"].LimitWindow = TimeSpan.FromTicks(ticks);

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(
            new CdpValidationError(
                "types.anonymous_id.limitWindow",
                CdpValidationRule.OutOfRange,
                "a limit window is positive and at most 3650 days."),
            error);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(3650L * TimeSpan.TicksPerDay)]
    public void Validate_LimitWindowInRange_ReturnsNoErrors(long ticks)
    {
        var rules = IdentityRules.Defaults();
        rules.Types["anonymous_id"].LimitWindow = TimeSpan.FromTicks(ticks);

        Assert.Empty(IdentityRulesValidator.Validate(rules));
    }

    [Theory]
    [InlineData("Email")]
    [InlineData("crm id")]
    [InlineData("crm:id")]
    [InlineData("")]
    [InlineData("x23456789012345678901234567890123456789012345678901234567890abcd5")]
    public void Validate_BadTypeName_ReportsInvalidFormat(string type)
    {
        var rules = IdentityRules.Defaults();
        rules.Types[type] = new IdentifierTypeRule { Priority = 2, Limit = 1 };

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(("types." + type, CdpValidationRule.InvalidFormat), (error.Field, error.Rule));
    }

    [Theory]
    [InlineData("crm_id")]
    [InlineData("device-id.v2")]
    [InlineData("x23456789012345678901234567890123456789012345678901234567890abcd")]
    public void Validate_GoodTypeName_ReturnsNoErrors(string type)
    {
        var rules = IdentityRules.Defaults();
        rules.Types[type] = new IdentifierTypeRule { Priority = 2, Limit = 1 };

        Assert.Empty(IdentityRulesValidator.Validate(rules));
    }

    [Fact]
    public void Validate_NullTypeRule_ReportsRequiredOnlyForThatType()
    {
        var rules = IdentityRules.Defaults();
        rules.Types["crm_id"] = null!;

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(("types.crm_id", CdpValidationRule.Required), (error.Field, error.Rule));
    }

    [Fact]
    public void Validate_NullLists_ReportsEachAsRequired()
    {
        var rules = IdentityRules.Defaults();
        rules.BlockedValues = null!;
        rules.Default = null!;
        rules.Types["email"].BlockedValues = null!;
        rules.Types["email"].BlockedPatterns = null!;
        rules.Types = new(rules.Types) { ["phone"] = new() { Priority = 2, Limit = 1, BlockedPatterns = null! } };

        var errors = IdentityRulesValidator.Validate(rules);

        Assert.Equal(
            [
                ("blockedValues", CdpValidationRule.Required),
                ("default", CdpValidationRule.Required),
                ("types.email.blockedValues", CdpValidationRule.Required),
                ("types.email.blockedPatterns", CdpValidationRule.Required),
                ("types.phone.blockedPatterns", CdpValidationRule.Required),
            ],
            errors.Select(e => (e.Field, e.Rule)));
    }

    [Fact]
    public void Validate_NullTypesMap_ReportsTypesRequired()
    {
        var rules = IdentityRules.Defaults();
        rules.Types = null!;

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(("types", CdpValidationRule.Required), (error.Field, error.Rule));
    }

    [Fact]
    public void Validate_TooManyTypes_ReportsTypesTooMany()
    {
        var rules = IdentityRules.Defaults();
        for (var i = rules.Types.Count; i <= IdentityRulesValidator.MaxTypes; i++)
        {
            rules.Types[$"type_{i}"] = new IdentifierTypeRule { Priority = 2, Limit = 1 };
        }

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(101, rules.Types.Count);
        Assert.Equal(("types", CdpValidationRule.TooMany), (error.Field, error.Rule));
    }

    [Fact]
    public void Validate_HundredTypes_ReturnsNoErrors()
    {
        var rules = IdentityRules.Defaults();
        for (var i = rules.Types.Count; i < IdentityRulesValidator.MaxTypes; i++)
        {
            rules.Types[$"type_{i}"] = new IdentifierTypeRule { Priority = 2, Limit = 1 };
        }

        Assert.Empty(IdentityRulesValidator.Validate(rules));
    }

    [Fact]
    public void Validate_TooManyGlobalBlockedValues_ReportsTooMany()
    {
        var rules = IdentityRules.Defaults();
        rules.BlockedValues = [.. Enumerable.Range(0, 1_001).Select(i => $"v{i}")];

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(("blockedValues", CdpValidationRule.TooMany), (error.Field, error.Rule));
    }

    [Fact]
    public void Validate_ThousandBlockedValues_ReturnsNoErrors()
    {
        var rules = IdentityRules.Defaults();
        rules.Types["email"].BlockedValues = [.. Enumerable.Range(0, 1_000).Select(i => $"v{i}")];

        Assert.Empty(IdentityRulesValidator.Validate(rules));
    }

    [Fact]
    public void Validate_TooManyTypeBlockedValues_ReportsTooMany()
    {
        var rules = IdentityRules.Defaults();
        rules.Types["email"].BlockedValues = [.. Enumerable.Range(0, 1_001).Select(i => $"v{i}")];

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(("types.email.blockedValues", CdpValidationRule.TooMany), (error.Field, error.Rule));
    }

    [Fact]
    public void Validate_NullOrOverlongBlockedValue_ReportsItsIndex()
    {
        var rules = IdentityRules.Defaults();
        rules.BlockedValues = ["ok", null!, new string('x', 1_024), new string('x', 1_025)];

        var errors = IdentityRulesValidator.Validate(rules);

        Assert.Equal(
            [("blockedValues[1]", CdpValidationRule.TooLong), ("blockedValues[3]", CdpValidationRule.TooLong)],
            errors.Select(e => (e.Field, e.Rule)));
    }

    [Fact]
    public void Validate_TooManyPatterns_ReportsTooMany()
    {
        var rules = IdentityRules.Defaults();
        rules.Default.BlockedPatterns = [.. Enumerable.Range(0, 51).Select(i => $"^test{i}$")];

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(("default.blockedPatterns", CdpValidationRule.TooMany), (error.Field, error.Rule));
    }

    [Fact]
    public void Validate_FiftyPatterns_ReturnsNoErrors()
    {
        var rules = IdentityRules.Defaults();
        rules.Default.BlockedPatterns = [.. Enumerable.Range(0, 50).Select(i => $"^test{i}$")];

        Assert.Empty(IdentityRulesValidator.Validate(rules));
    }

    [Theory]
    [InlineData(@"^(\w)\1+$")]
    [InlineData(@"^(?<c>\w)\k<c>$")]
    [InlineData("^(?=.*test)")]
    [InlineData("^(?!x)")]
    [InlineData("(?<=a)b")]
    [InlineData("(?<!a)b")]
    [InlineData("[a-")]
    [InlineData("(unclosed")]
    public void Validate_PatternNotLinearOrInvalid_ReportsInvalidFormat(string pattern)
    {
        var rules = IdentityRules.Defaults();
        rules.Types["email"].BlockedPatterns = ["^ok$", pattern];

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(
            new CdpValidationError(
                "types.email.blockedPatterns[1]", CdpValidationRule.InvalidFormat,
                "not a regular expression that runs in linear time (no back-references or look-arounds)."),
            error);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void Validate_EmptyPattern_ReportsTooLong(string? pattern)
    {
        var rules = IdentityRules.Defaults();
        rules.Types["email"].BlockedPatterns = [pattern!];

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(("types.email.blockedPatterns[0]", CdpValidationRule.TooLong), (error.Field, error.Rule));
    }

    [Fact]
    public void Validate_PatternOverFiveHundredCharacters_ReportsTooLong()
    {
        var rules = IdentityRules.Defaults();
        rules.Types["email"].BlockedPatterns = [new string('a', 500), new string('a', 501)];

        var error = Assert.Single(IdentityRulesValidator.Validate(rules));

        Assert.Equal(("types.email.blockedPatterns[1]", CdpValidationRule.TooLong), (error.Field, error.Rule));
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsAllInOrder()
    {
        var rules = IdentityRules.Defaults();
        rules.MaxIdentifiers = 0;
        rules.MaxMerges = -1;
        rules.Default.Priority = 1_001;
        rules.Types["user_id"].Limit = 0;
        rules.Types["email"].LimitWindow = TimeSpan.Zero;
        rules.Types["email"].BlockedPatterns = [@"(a)\1"];
        rules.Types["Phone"] = new IdentifierTypeRule { Priority = -1, Limit = 1 };

        var errors = IdentityRulesValidator.Validate(rules);

        Assert.Equal(
            [
                ("maxIdentifiers", CdpValidationRule.OutOfRange),
                ("maxMerges", CdpValidationRule.OutOfRange),
                ("default.priority", CdpValidationRule.OutOfRange),
                ("types.user_id.limit", CdpValidationRule.OutOfRange),
                ("types.email.limitWindow", CdpValidationRule.OutOfRange),
                ("types.email.blockedPatterns[0]", CdpValidationRule.InvalidFormat),
                ("types.Phone", CdpValidationRule.InvalidFormat),
                ("types.Phone.priority", CdpValidationRule.OutOfRange),
            ],
            errors.Select(e => (e.Field, e.Rule)));
    }

    [Fact]
    public void ThrowIfInvalid_SeveralProblems_ThrowsWithEveryError()
    {
        var rules = IdentityRules.Defaults();
        rules.MaxIdentifiers = 0;
        rules.MaxMerges = -1;

        var ex = Assert.Throws<CdpValidationException>(() => IdentityRulesValidator.ThrowIfInvalid(rules));

        Assert.Equal(["maxIdentifiers", "maxMerges"], ex.Errors.Select(e => e.Field));
    }

    [Theory]
    [InlineData("^test", "TEST-123", true)]
    [InlineData("^test", "my-test", false)]
    [InlineData("^[0-9]{3,}$", "12345", true)]
    public void CompilePattern_LinearPattern_MatchesIgnoringCase(string pattern, string input, bool matches)
    {
        var regex = IdentityRulesValidator.CompilePattern(pattern);

        Assert.NotNull(regex);
        Assert.Equal(matches, regex.IsMatch(input));
    }
}
