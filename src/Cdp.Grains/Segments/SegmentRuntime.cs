using Cdp.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cdp.Grains.Segments;

/// <summary>What customer grains need to evaluate segments, in one silo-wide service.</summary>
public sealed class SegmentRuntime
{
    /// <summary>
    /// The service key of a <see cref="TimeProvider"/> that replaces the silo's clock for segment evaluation only,
    /// so tests can move segment time without stopping Orleans' own timers.
    /// </summary>
    public const string ClockKey = "cdp-segments";

    public SegmentRuntime(IServiceProvider services, DefinitionCache cache, IOptions<CdpSegmentOptions> options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        Cache = cache;
        Options = options.Value;
        Clock = services.GetKeyedService<TimeProvider>(ClockKey) ?? services.GetRequiredService<TimeProvider>();
        Evaluator = new SegmentEvaluator(Options.MaxWindowEntries, Options.MaxDistinctValues);
    }

    public DefinitionCache Cache { get; }

    public CdpSegmentOptions Options { get; }

    public TimeProvider Clock { get; }

    public SegmentEvaluator Evaluator { get; }
}
