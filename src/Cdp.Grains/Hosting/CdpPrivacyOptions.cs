using Microsoft.Extensions.Options;

namespace Cdp.Grains.Hosting;

/// <summary>What becomes of an erased customer's identifiers.</summary>
public enum AfterErasure
{
    /// <summary>Later events that carry one of them are dropped (their receipts say so).</summary>
    Suppress = 0,

    /// <summary>Later events that carry one of them start a new, empty profile.</summary>
    AllowFreshStart = 1,
}

/// <summary>Privacy request settings, bound from the <c>Cdp:Privacy</c> configuration section.</summary>
public sealed class CdpPrivacyOptions
{
    public const string SectionName = "Cdp:Privacy";

    /// <summary>
    /// The secret that salts the hashes of erased identifiers (HMAC-SHA256) in suppression records, erasure notices
    /// and the audit log. Required, at least 16 characters, when storage is AzureTable; otherwise a fixed development
    /// value is used. Changing it makes earlier suppression records unrecognizable, so keep it for the deployment's life.
    /// </summary>
    public string? SuppressionSalt { get; set; }

    /// <summary>Default: <see cref="Hosting.AfterErasure.Suppress"/>.</summary>
    public AfterErasure AfterErasure { get; set; } = AfterErasure.Suppress;

    /// <summary>Archived events received more than this many days ago are removed. Default: 0, retention off.</summary>
    public int RetentionDays { get; set; }

    /// <summary>How often the retention sweep runs while retention is on. Default: 1 hour.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How many privacy requests the audit log keeps; the oldest go first. The log is one grain's state (one table
    /// entity, at most 1 MiB), which bounds it. Default: 2,000; at most 4,000.
    /// </summary>
    public int AuditEntriesKept { get; set; } = 2000;

    /// <summary>The salt used when none is configured and storage is Memory. Not a secret; for development and tests only.</summary>
    public const string DevelopmentSalt = "cdp-development-salt-not-a-secret";

    internal string EffectiveSalt => string.IsNullOrEmpty(SuppressionSalt) ? DevelopmentSalt : SuppressionSalt;
}

internal sealed class CdpPrivacyOptionsValidator(IOptions<CdpStorageOptions> storage) : IValidateOptions<CdpPrivacyOptions>
{
    public const int MinSaltLength = 16;

    public ValidateOptionsResult Validate(string? name, CdpPrivacyOptions options)
    {
        var failures = Check(options, storage.Value.Provider);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static List<string> Check(CdpPrivacyOptions options, CdpStorageProvider provider)
    {
        var failures = new List<string>();
        var section = CdpPrivacyOptions.SectionName;
        if (provider == CdpStorageProvider.AzureTable && string.IsNullOrWhiteSpace(options.SuppressionSalt))
        {
            failures.Add($"{section}:SuppressionSalt is required when {CdpStorageOptions.SectionName}:Provider is AzureTable.");
        }
        else if (!string.IsNullOrEmpty(options.SuppressionSalt) && options.SuppressionSalt.Length < MinSaltLength)
        {
            failures.Add($"{section}:SuppressionSalt must be at least {MinSaltLength} characters.");
        }

        if (!Enum.IsDefined(options.AfterErasure))
        {
            failures.Add($"{section}:AfterErasure must be Suppress or AllowFreshStart.");
        }

        if (options.RetentionDays is < 0 or > 36_500)
        {
            failures.Add($"{section}:RetentionDays is {options.RetentionDays}; it must be between 0 (off) and 36500.");
        }

        if (options.RetentionInterval < TimeSpan.FromMinutes(1) || options.RetentionInterval > TimeSpan.FromDays(7))
        {
            failures.Add($"{section}:RetentionInterval is {options.RetentionInterval}; it must be between 1 minute and 7 days.");
        }

        if (options.AuditEntriesKept is < 1 or > 4000)
        {
            failures.Add($"{section}:AuditEntriesKept is {options.AuditEntriesKept}; it must be between 1 and 4000.");
        }

        return failures;
    }
}
