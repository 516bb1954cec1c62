using System.Text.RegularExpressions;

namespace Cdp;

/// <summary>Checks identity rules before they are stored; every problem is reported with its path.</summary>
public static class IdentityRulesValidator
{
    public const int MaxTypes = 100;
    public const int MaxLimit = 10_000;
    public const int MaxPriority = 1_000;
    public const int MaxBlockedValues = 1_000;
    public const int MaxBlockedPatterns = 50;
    public const int MaxPatternLength = 500;
    public static readonly TimeSpan MaxLimitWindow = TimeSpan.FromDays(3650);

    /// <summary>The problems found; empty when the rules are good.</summary>
    public static List<CdpValidationError> Validate(IdentityRules? rules)
    {
        var errors = new List<CdpValidationError>();
        if (rules is null)
        {
            errors.Add(new("rules", CdpValidationRule.Required, "identity rules are required."));
            return errors;
        }

        Range(rules.MaxIdentifiers, 1, MaxLimit, "maxIdentifiers", errors);
        Range(rules.MaxMerges, 0, MaxLimit, "maxMerges", errors);
        CheckValues(rules.BlockedValues, "blockedValues", errors);
        if (rules.Default is null)
        {
            errors.Add(new("default", CdpValidationRule.Required, "the default type rule is required."));
        }
        else
        {
            CheckType(rules.Default, "default", errors);
        }

        if (rules.Types is null)
        {
            errors.Add(new("types", CdpValidationRule.Required, "the per-type rules must not be null (leave the map empty)."));
            return errors;
        }

        if (rules.Types.Count > MaxTypes)
        {
            errors.Add(new("types", CdpValidationRule.TooMany, $"at most {MaxTypes} identifier types may have rules."));
        }

        foreach (var (type, rule) in rules.Types)
        {
            var path = $"types.{type}";
            if (!IsTypeName(type))
            {
                errors.Add(new(path, CdpValidationRule.InvalidFormat,
                    "an identifier type is 1 to 64 lower-case letters, digits, '_', '-' or '.'."));
            }

            if (rule is null)
            {
                errors.Add(new(path, CdpValidationRule.Required, "a type rule must not be null."));
                continue;
            }

            CheckType(rule, path, errors);
        }

        return errors;
    }

    /// <summary>Throws <see cref="CdpValidationException"/> listing every problem, if there is any.</summary>
    public static void ThrowIfInvalid(IdentityRules? rules)
    {
        var errors = Validate(rules);
        if (errors.Count > 0)
        {
            throw new CdpValidationException(errors);
        }
    }

    private static void CheckType(IdentifierTypeRule rule, string path, List<CdpValidationError> errors)
    {
        Range(rule.Priority, 0, MaxPriority, path + ".priority", errors);
        Range(rule.Limit, 1, MaxLimit, path + ".limit", errors);
        if (rule.LimitWindow is { } window && (window <= TimeSpan.Zero || window > MaxLimitWindow))
        {
            errors.Add(new(path + ".limitWindow", CdpValidationRule.OutOfRange,
                $"a limit window is positive and at most {MaxLimitWindow.TotalDays:0} days."));
        }

        CheckValues(rule.BlockedValues, path + ".blockedValues", errors);
        if (rule.BlockedPatterns is null)
        {
            errors.Add(new(path + ".blockedPatterns", CdpValidationRule.Required, "must not be null (leave the list empty)."));
            return;
        }

        if (rule.BlockedPatterns.Count > MaxBlockedPatterns)
        {
            errors.Add(new(path + ".blockedPatterns", CdpValidationRule.TooMany, $"at most {MaxBlockedPatterns} patterns per type."));
        }

        for (var i = 0; i < rule.BlockedPatterns.Count; i++)
        {
            var pattern = rule.BlockedPatterns[i];
            var field = $"{path}.blockedPatterns[{i}]";
            if (string.IsNullOrEmpty(pattern) || pattern.Length > MaxPatternLength)
            {
                errors.Add(new(field, CdpValidationRule.TooLong, $"a pattern is 1 to {MaxPatternLength} characters."));
                continue;
            }

            if (CompilePattern(pattern) is null)
            {
                errors.Add(new(field, CdpValidationRule.InvalidFormat,
                    "not a regular expression that runs in linear time (no back-references or look-arounds)."));
            }
        }
    }

    /// <summary>
    /// Compiles a blocked-value pattern for matching in time linear in the input, so no identifier can make
    /// the platform backtrack; null when the pattern is not valid or needs backtracking.
    /// </summary>
    public static Regex? CompilePattern(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private static void CheckValues(List<string>? values, string path, List<CdpValidationError> errors)
    {
        if (values is null)
        {
            errors.Add(new(path, CdpValidationRule.Required, "must not be null (leave the list empty)."));
            return;
        }

        if (values.Count > MaxBlockedValues)
        {
            errors.Add(new(path, CdpValidationRule.TooMany, $"at most {MaxBlockedValues} blocked values."));
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is null || values[i].Length > EventLimits.MaxIdentifierBytes)
            {
                errors.Add(new($"{path}[{i}]", CdpValidationRule.TooLong,
                    $"a blocked value is a string of at most {EventLimits.MaxIdentifierBytes} characters."));
            }
        }
    }

    private static void Range(int value, int min, int max, string path, List<CdpValidationError> errors)
    {
        if (value < min || value > max)
        {
            errors.Add(new(path, CdpValidationRule.OutOfRange, $"is {value}; it must be between {min} and {max}."));
        }
    }

    private static bool IsTypeName(string type) =>
        type.Length is > 0 and <= EventLimits.MaxIdentifierTypeLength &&
        type.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' or '.');
}
