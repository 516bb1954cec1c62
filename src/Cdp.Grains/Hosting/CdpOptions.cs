using Microsoft.Extensions.Options;

namespace Cdp.Grains.Hosting;

/// <summary>Where grain state and the event archive live.</summary>
public enum CdpStorageProvider
{
    /// <summary>In silo memory: fast, for tests and quick local runs; lost when the silo stops.</summary>
    Memory = 0,

    /// <summary>Azure Table storage (Azurite locally): durable.</summary>
    AzureTable = 1,
}

/// <summary>Storage settings, bound from the <c>Cdp:Storage</c> configuration section.</summary>
public sealed class CdpStorageOptions
{
    public const string SectionName = "Cdp:Storage";

    /// <summary>Default: <see cref="CdpStorageProvider.Memory"/>.</summary>
    public CdpStorageProvider Provider { get; set; } = CdpStorageProvider.Memory;

    /// <summary>The Azure Storage connection string; required for <see cref="CdpStorageProvider.AzureTable"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The table for grain state (profiles, identities). Default: <c>CdpGrainState</c>.</summary>
    public string StateTable { get; set; } = "CdpGrainState";

    /// <summary>The table for the event archive. Default: <c>CdpEventArchive</c>.</summary>
    public string ArchiveTable { get; set; } = "CdpEventArchive";
}

/// <summary>Profile settings, bound from the <c>Cdp:Profile</c> configuration section.</summary>
public sealed class CdpProfileOptions
{
    public const string SectionName = "Cdp:Profile";

    /// <summary>How many recent events a profile keeps in memory. Default: 100.</summary>
    public int RecentEventWindow { get; set; } = 100;

    /// <summary>
    /// A profile snapshot is written after this many applied events (and when the grain deactivates).
    /// Events are durable in the archive before they are acknowledged, so a snapshot only shortens the
    /// replay at the next activation. Default: 50; 1 writes one after every call.
    /// </summary>
    public int SnapshotEvery { get; set; } = 50;

    /// <summary>How many applied messageIds a grain remembers in memory, beyond the durable check. Default: 10,000.</summary>
    public int RememberedMessageIds { get; set; } = 10_000;

    /// <summary>Which section of the profile event and trait names belong to; adds to the defaults.</summary>
    public ProfileSectionMapping Sections { get; set; } = new();
}

/// <summary>Identity resolution settings, bound from the <c>Cdp:Identity</c> configuration section.</summary>
public sealed class CdpIdentityOptions
{
    public const string SectionName = "Cdp:Identity";

    /// <summary>
    /// The rules the deployment starts with (see <see cref="IdentityRules.Defaults"/>); entries given here
    /// change or add to the defaults. Rules set through the SDK later replace them, as a new version.
    /// </summary>
    public IdentityRules Rules { get; set; } = IdentityRules.Defaults();

    /// <summary>
    /// How long a silo uses the rules it read before it asks for the current version again; a rules change
    /// takes effect on every silo within this time. Default: 5 seconds; zero asks before every use.
    /// </summary>
    public TimeSpan RulesRefresh { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many refused merges and demoted identifiers a profile's journal keeps (repeats of one refusal are
    /// counted on its entry, not added). Merges and unmerges are always kept. Default: 100.
    /// </summary>
    public int MaxRefusals { get; set; } = 100;
}

/// <summary>
/// Names mapped to profile sections. Names match ignoring case, spaces, '_', '-' and '.', so
/// <c>first_name</c>, <c>firstName</c> and <c>First Name</c> are one name. Entries here override the defaults.
/// </summary>
public sealed class ProfileSectionMapping
{
    /// <summary>Track event names (exact) to sections, e.g. <c>"Order Completed": "Behavioral"</c>.</summary>
    public Dictionary<string, ProfileSection> Events { get; set; } = [];

    /// <summary>Words that place an event in a section when no exact name matches, e.g. <c>"Survey": "Attitudinal"</c>.</summary>
    public Dictionary<string, ProfileSection> EventKeywords { get; set; } = [];

    /// <summary>Trait names to sections, e.g. <c>"plan": "Behavioral"</c>.</summary>
    public Dictionary<string, ProfileSection> Traits { get; set; } = [];

    /// <summary>The section of a track event that nothing matches. Default: Behavioral.</summary>
    public ProfileSection DefaultEvent { get; set; } = ProfileSection.Behavioral;

    /// <summary>The section of a trait that nothing matches. Default: Personal.</summary>
    public ProfileSection DefaultTrait { get; set; } = ProfileSection.Personal;
}

internal sealed class CdpStorageOptionsValidator : IValidateOptions<CdpStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, CdpStorageOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Provider))
        {
            failures.Add($"{CdpStorageOptions.SectionName}:Provider must be Memory or AzureTable.");
        }

        if (options.Provider == CdpStorageProvider.AzureTable && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"{CdpStorageOptions.SectionName}:ConnectionString is required when Provider is AzureTable.");
        }

        CheckTableName(options.StateTable, "StateTable", failures);
        CheckTableName(options.ArchiveTable, "ArchiveTable", failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Azure table names: 3 to 63 letters or digits, starting with a letter.
    private static void CheckTableName(string? value, string key, List<string> failures)
    {
        if (value is null || value.Length is < 3 or > 63 || !char.IsAsciiLetter(value[0]) || !value.All(char.IsAsciiLetterOrDigit))
        {
            failures.Add($"{CdpStorageOptions.SectionName}:{key} '{value}' must be 3 to 63 letters or digits, starting with a letter.");
        }
    }
}

internal sealed class CdpProfileOptionsValidator : IValidateOptions<CdpProfileOptions>
{
    public ValidateOptionsResult Validate(string? name, CdpProfileOptions options)
    {
        var failures = new List<string>();
        Range(options.RecentEventWindow, 0, 10_000, "RecentEventWindow", failures);
        Range(options.SnapshotEvery, 1, 100_000, "SnapshotEvery", failures);
        Range(options.RememberedMessageIds, 0, 1_000_000, "RememberedMessageIds", failures);
        var sections = options.Sections;
        if (sections is null)
        {
            failures.Add($"{CdpProfileOptions.SectionName}:Sections must not be null.");
        }
        else
        {
            CheckSections(sections.Events, "Events", failures);
            CheckSections(sections.EventKeywords, "EventKeywords", failures);
            CheckSections(sections.Traits, "Traits", failures);
            CheckSection(sections.DefaultEvent, "Sections:DefaultEvent", failures);
            CheckSection(sections.DefaultTrait, "Sections:DefaultTrait", failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(int value, int min, int max, string key, List<string> failures)
    {
        if (value < min || value > max)
        {
            failures.Add($"{CdpProfileOptions.SectionName}:{key} is {value}; it must be between {min} and {max}.");
        }
    }

    private static void CheckSections(Dictionary<string, ProfileSection>? map, string key, List<string> failures)
    {
        foreach (var (name, section) in map ?? [])
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                failures.Add($"{CdpProfileOptions.SectionName}:Sections:{key} has an empty name.");
            }

            CheckSection(section, $"Sections:{key}:{name}", failures);
        }
    }

    private static void CheckSection(ProfileSection section, string key, List<string> failures)
    {
        if (!Enum.IsDefined(section))
        {
            failures.Add($"{CdpProfileOptions.SectionName}:{key} must be Personal, Engagement, Behavioral or Attitudinal.");
        }
    }
}

internal sealed class CdpIdentityOptionsValidator : IValidateOptions<CdpIdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, CdpIdentityOptions options)
    {
        var failures = new List<string>();
        foreach (var error in IdentityRulesValidator.Validate(options.Rules))
        {
            failures.Add($"{CdpIdentityOptions.SectionName}:Rules:{error.Field.Replace('.', ':')} {error.Message}");
        }

        if (options.RulesRefresh < TimeSpan.Zero || options.RulesRefresh > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{CdpIdentityOptions.SectionName}:RulesRefresh is {options.RulesRefresh}; it must be between 0 and 10 minutes.");
        }

        if (options.MaxRefusals is < 1 or > 10_000)
        {
            failures.Add($"{CdpIdentityOptions.SectionName}:MaxRefusals is {options.MaxRefusals}; it must be between 1 and 10000.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Runs every Cdp options check at once, for hosts that report all bad settings before starting.</summary>
public static class CdpSettingsValidation
{
    public static IReadOnlyList<string> Validate(CdpSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        AddFailures(new CdpStorageOptionsValidator().Validate(null, options.Storage), failures);
        AddFailures(new CdpProfileOptionsValidator().Validate(null, options.Profile), failures);
        AddFailures(new CdpIdentityOptionsValidator().Validate(null, options.Identity), failures);
        failures.AddRange(CdpPrivacyOptionsValidator.Check(options.Privacy, options.Storage.Provider));
        return failures;
    }

    private static void AddFailures(ValidateOptionsResult result, List<string> failures)
    {
        if (result.Failed)
        {
            failures.AddRange(result.Failures ?? []);
        }
    }
}
