using Cdp.Bench.Load;

namespace Cdp.Bench;

/// <summary>How long and how large each part of the suite runs.</summary>
public sealed record SuiteSettings
{
    public required string Mode { get; init; }

    public required LoopShape Shape { get; init; }

    /// <summary>Concurrent callers in the closed loops against grains.</summary>
    public required int Workers { get; init; }

    /// <summary>Concurrent HTTP requests (below the API's default limit of 64 in flight).</summary>
    public required int HttpWorkers { get; init; }

    public required TimeSpan OpenLoopDuration { get; init; }

    /// <summary>Known customers the ingest scenarios spread their events over.</summary>
    public required int CustomerPool { get; init; }

    /// <summary>Pairs of customers merged per measured block.</summary>
    public required int MergesPerBlock { get; init; }

    /// <summary>Resident customer counts at which memory is measured, smallest first.</summary>
    public required int[] ResidentScales { get; init; }

    public bool SkipAzurite { get; init; }

    public bool SkipMicro { get; init; }

    public bool SkipLoad { get; init; }

    public static SuiteSettings Quick { get; } = new()
    {
        Mode = "quick",
        Shape = new LoopShape(TimeSpan.FromMilliseconds(200), 3, TimeSpan.FromMilliseconds(400)),
        Workers = 32,
        HttpWorkers = 8,
        OpenLoopDuration = TimeSpan.FromSeconds(1),
        CustomerPool = 1_000,
        MergesPerBlock = 150,
        ResidentScales = [5_000],
    };

    public static SuiteSettings Full { get; } = new()
    {
        Mode = "full",
        Shape = new LoopShape(TimeSpan.FromSeconds(3), 5, TimeSpan.FromSeconds(3)),
        Workers = 64,
        HttpWorkers = 16,
        OpenLoopDuration = TimeSpan.FromSeconds(10),
        CustomerPool = 10_000,
        MergesPerBlock = 1_000,
        ResidentScales = [10_000, 50_000, 100_000],
    };
}
