using System.Diagnostics;

namespace Cdp.Bench.Load;

/// <summary>
/// What the garbage collector took while something was measured: the share of wall time the process spent paused
/// for it, the full (gen 2) collections, and the managed heap afterwards. A figure that drops with a heap full of
/// live customers is read against these, since a paused silo answers nothing.
/// </summary>
public readonly struct GcWatch
{
    private readonly TimeSpan _paused;
    private readonly int _gen2;
    private readonly long _started;

    private GcWatch(TimeSpan paused, int gen2, long started) => (_paused, _gen2, _started) = (paused, gen2, started);

    public static GcWatch Start() => new(GC.GetTotalPauseDuration(), GC.CollectionCount(2), Stopwatch.GetTimestamp());

    public GcUse Stop()
    {
        var elapsed = Stopwatch.GetElapsedTime(_started);
        var paused = GC.GetTotalPauseDuration() - _paused;
        return new GcUse(
            elapsed > TimeSpan.Zero ? paused / elapsed : 0, GC.CollectionCount(2) - _gen2, GC.GetGCMemoryInfo().HeapSizeBytes);
    }
}

/// <param name="PauseShare">Time paused for collections over wall time, 0 to 1.</param>
/// <param name="Gen2">Full collections meanwhile.</param>
/// <param name="HeapBytes">The managed heap after the last collection.</param>
public sealed record GcUse(double PauseShare, int Gen2, long HeapBytes)
{
    public void AddTo(IDictionary<string, double> details, string suffix = "")
    {
        details["GC pause %" + suffix] = Math.Round(PauseShare * 100, 1);
        details["gen2 GCs" + suffix] = Gen2;
        details["heap MB" + suffix] = Math.Round(HeapBytes / 1048576.0);
    }
}
