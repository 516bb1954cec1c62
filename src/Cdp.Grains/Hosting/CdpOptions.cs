using Cdp.Grains.Domain;
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

    /// <summary>The table for reminders (segment deadlines beyond a grain's lifetime). Default: <c>CdpReminders</c>.</summary>
    public string ReminderTable { get; set; } = "CdpReminders";
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

    /// <summary>
    /// How many applied messageIds a grain remembers in memory beyond those of its recent-event window (which it always
    /// checks), so a retry is recognised without asking the archive; the archive's markers remain the durable check.
    /// Memory is taken only as ids leave the window. Default: 10,000.
    /// </summary>
    public int RememberedMessageIds { get; set; } = 10_000;

    /// <summary>Which section of the profile event and trait names belong to; adds to the defaults.</summary>
    public ProfileSectionMapping Sections { get; set; } = new();
}

/// <summary>Ingestion settings, bound from the <c>Cdp:Ingest</c> configuration section.</summary>
public sealed class CdpIngestOptions
{
    public const string SectionName = "Cdp:Ingest";

    /// <summary>
    /// <see cref="IIngestGrain"/> calls one silo serves at once, from the SDK and the HTTP API together; a call
    /// beyond them fails at once with <see cref="CdpOverloadedException"/> (HTTP 429) instead of waiting in
    /// memory. A call holds at most 500 KB of events, so this bounds the memory held by calls to about the
    /// limit times 500 KB. Default: 256.
    /// </summary>
    public int MaxConcurrentCalls { get; set; } = 256;

    /// <summary>The wait that a refused call is told to take before retrying. Default: 1 second.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);
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

    /// <summary>
    /// How many identifiers each silo remembers the customer of, so that events for known customers skip the identity
    /// lookups (about 150 bytes each). A remembered route is checked by the customer grain it leads to, so a stale one
    /// costs a lookup, never a wrong profile. Default: 1,000,000; zero turns the cache off.
    /// </summary>
    public int RouteCacheEntries { get; set; } = 1_000_000;

    /// <summary>
    /// How long an identity grain (and the suppression grain of an identifier, checked when the identifier is new) stays
    /// in memory unused. Events for known customers go by the route cache and call neither, so after the first event
    /// both are idle; an identity grain is activated again (one storage read) for a claim, a merge or a lookup that the
    /// cache cannot answer. Must be longer than Orleans' collection quantum
    /// (<c>Orleans:GrainCollection:CollectionQuantum</c>, one minute by default). Default: 2 minutes.
    /// </summary>
    public TimeSpan IdleAfter { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>Consent settings, bound from the <c>Cdp:Consent</c> configuration section.</summary>
public sealed class CdpConsentOptions
{
    public const string SectionName = "Cdp:Consent";

    /// <summary>
    /// The purposes customers give or refuse consent for. Default: <c>analytics</c>, <c>personalization</c>,
    /// <c>email_marketing</c>, <c>sms_marketing</c>, <c>advertising</c> and <c>data_sharing</c>; entries here add to them.
    /// </summary>
    public Dictionary<string, ConsentPurposeOptions> Purposes { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["analytics"] = new() { Description = "Measuring and analysing use of products and sites." },
        ["personalization"] = new() { Description = "Tailoring content and offers.", Channels = ["web", "app", "email"] },
        ["email_marketing"] = new() { Description = "Marketing messages by email." },
        ["sms_marketing"] = new() { Description = "Marketing messages by SMS." },
        ["advertising"] = new() { Description = "Targeted advertising and ad measurement.", Channels = ["web", "app", "social"] },
        ["data_sharing"] = new() { Description = "Sharing data with partners." },
    };

    /// <summary>
    /// Other names senders use for purposes, such as a consent manager's category ids (<c>"C0004": "advertising"</c>).
    /// Names already match ignoring case, spaces, '-' and '.' (<c>Email Marketing</c> is <c>email_marketing</c>).
    /// </summary>
    public Dictionary<string, string> Aliases { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How many consent decisions a profile's history keeps; the oldest are dropped first. Default: 1,000.</summary>
    public int MaxHistory { get; set; } = 1_000;
}

/// <summary>One consent purpose.</summary>
public sealed class ConsentPurposeOptions
{
    public string Description { get; set; } = "";

    /// <summary>Channels that take decisions of their own (e.g. <c>email</c>); empty: only the whole purpose does.</summary>
    public List<string> Channels { get; set; } = [];
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
        CheckTableName(options.ReminderTable, "ReminderTable", failures);
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

        if (options.RouteCacheEntries is < 0 or > 100_000_000)
        {
            failures.Add(
                $"{CdpIdentityOptions.SectionName}:RouteCacheEntries is {options.RouteCacheEntries}; it must be between 0 and 100000000.");
        }

        if (options.IdleAfter <= TimeSpan.Zero || options.IdleAfter > TimeSpan.FromDays(1))
        {
            failures.Add($"{CdpIdentityOptions.SectionName}:IdleAfter is {options.IdleAfter}; it must be more than 0 and at most 1 day.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed class CdpConsentOptionsValidator : IValidateOptions<CdpConsentOptions>
{
    public ValidateOptionsResult Validate(string? name, CdpConsentOptions options)
    {
        const string Section = CdpConsentOptions.SectionName;
        var failures = new List<string>();
        if (options.Purposes is null || options.Purposes.Count == 0)
        {
            failures.Add($"{Section}:Purposes must name at least one purpose.");
        }

        foreach (var (purpose, settings) in options.Purposes ?? [])
        {
            if (!IsName(purpose))
            {
                failures.Add($"{Section}:Purposes:{purpose} must be 1 to 64 letters, digits, '_' or '-'.");
            }

            foreach (var channel in settings?.Channels ?? [])
            {
                if (!IsName(channel))
                {
                    failures.Add($"{Section}:Purposes:{purpose}:Channels '{channel}' must be 1 to 64 letters, digits, '_' or '-'.");
                }
            }
        }

        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var purpose in (options.Purposes ?? []).Keys)
        {
            if (IsName(purpose) && !known.Add(ConsentCatalog.Normalize(purpose)))
            {
                failures.Add($"{Section}:Purposes:{purpose} is another spelling of a purpose already listed.");
            }
        }

        foreach (var (alias, purpose) in options.Aliases ?? [])
        {
            if (string.IsNullOrWhiteSpace(alias) || purpose is null || !known.Contains(ConsentCatalog.Normalize(purpose)))
            {
                failures.Add($"{Section}:Aliases:{alias} names '{purpose}', which is not one of the purposes.");
            }
            else if (known.Contains(ConsentCatalog.Normalize(alias)))
            {
                failures.Add($"{Section}:Aliases:{alias} is the name of a purpose; an alias cannot rename a purpose.");
            }
        }

        if (options.MaxHistory is < 1 or > 100_000)
        {
            failures.Add($"{Section}:MaxHistory is {options.MaxHistory}; it must be between 1 and 100000.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsName(string? name) =>
        name is { Length: > 0 and <= 64 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}

internal sealed class CdpIngestOptionsValidator : IValidateOptions<CdpIngestOptions>
{
    public ValidateOptionsResult Validate(string? name, CdpIngestOptions options)
    {
        var failures = new List<string>();
        if (options.MaxConcurrentCalls is < 1 or > 1_000_000)
        {
            failures.Add($"{CdpIngestOptions.SectionName}:MaxConcurrentCalls is {options.MaxConcurrentCalls}; "
                + "it must be between 1 and 1000000.");
        }

        if (options.RetryAfter <= TimeSpan.Zero || options.RetryAfter > TimeSpan.FromHours(1))
        {
            failures.Add($"{CdpIngestOptions.SectionName}:RetryAfter is {options.RetryAfter}; "
                + "it must be more than 0 and at most 1 hour.");
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
        AddFailures(new CdpConsentOptionsValidator().Validate(null, options.Consent), failures);
        failures.AddRange(CdpStreamOptionsValidator.Check(options.Streams, options.Storage.ConnectionString));
        AddFailures(new CdpIngestOptionsValidator().Validate(null, options.Ingest), failures);
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
