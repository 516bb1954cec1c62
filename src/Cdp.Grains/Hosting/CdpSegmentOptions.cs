using Microsoft.Extensions.Options;

namespace Cdp.Grains.Hosting;

/// <summary>Segment evaluation settings, bound from the <c>Cdp:Segments</c> configuration section.</summary>
public sealed class CdpSegmentOptions
{
    public const string SectionName = "Cdp:Segments";

    /// <summary>
    /// How long a silo evaluates with the catalog it read before it asks for the current version again; a change
    /// saved on a silo takes effect there at once, elsewhere within this time. Default: 5 seconds; zero asks every time.
    /// </summary>
    public TimeSpan CatalogRefresh { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many event times one windowed condition keeps per customer; beyond it the oldest are dropped (and the
    /// window undercounts). Default: 1,000.
    /// </summary>
    public int MaxWindowEntries { get; set; } = 1_000;

    /// <summary>How many distinct values a most_frequent computed trait tracks per customer. Default: 100.</summary>
    public int MaxDistinctValues { get; set; } = 100;

    /// <summary>How many definitions the catalog holds at most. Default: 1,000.</summary>
    public int MaxDefinitions { get; set; } = 1_000;

    /// <summary>
    /// How many customer ids one stored row of a member-list or customer-index shard holds. A shard of more ids stores
    /// its snapshot across several rows, so no shard outgrows a table row (about 25,000 ids). Default: 10,000.
    /// </summary>
    public int SnapshotPageSize { get; set; } = 10_000;
}

internal sealed class CdpSegmentOptionsValidator : IValidateOptions<CdpSegmentOptions>
{
    public ValidateOptionsResult Validate(string? name, CdpSegmentOptions options)
    {
        const string Section = CdpSegmentOptions.SectionName;
        var failures = new List<string>();
        if (options.CatalogRefresh < TimeSpan.Zero || options.CatalogRefresh > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{Section}:CatalogRefresh is {options.CatalogRefresh}; it must be between 0 and 10 minutes.");
        }

        Range(options.MaxWindowEntries, 1, 100_000, "MaxWindowEntries", failures);
        Range(options.MaxDistinctValues, 1, 10_000, "MaxDistinctValues", failures);
        Range(options.MaxDefinitions, 1, 100_000, "MaxDefinitions", failures);
        Range(options.SnapshotPageSize, 100, 20_000, "SnapshotPageSize", failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(int value, int min, int max, string key, List<string> failures)
    {
        if (value < min || value > max)
        {
            failures.Add($"{CdpSegmentOptions.SectionName}:{key} is {value}; it must be between {min} and {max}.");
        }
    }
}
