using Cdp.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cdp.Grains.Admission;

/// <summary>
/// Counts the <see cref="IIngestGrain"/> calls a silo is serving and refuses those beyond
/// <see cref="CdpIngestOptions.MaxConcurrentCalls"/> at once, so that a burst costs the callers a retry
/// instead of costing the silo unbounded memory. One per silo.
/// </summary>
public sealed partial class IngestAdmission
{
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    private readonly int _limit;
    private readonly TimeSpan _retryAfter;
    private readonly TimeProvider _time;
    private readonly ILogger<IngestAdmission> _logger;
    private int _inFlight;
    private int _peak;
    private long _refused;
    private long _refusedAtLastWarning;
    private long _lastWarningTicks = long.MinValue;

    public IngestAdmission(IOptions<CdpIngestOptions> options, TimeProvider time, ILogger<IngestAdmission> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _limit = options.Value.MaxConcurrentCalls;
        _retryAfter = options.Value.RetryAfter;
        _time = time;
        _logger = logger;
    }

    /// <summary>Ingest calls being served now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most ingest calls this silo has served at once since it started; never above the limit.</summary>
    public int PeakInFlight => Volatile.Read(ref _peak);

    /// <summary>Ingest calls refused since the silo started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Takes a place, or throws <see cref="CdpOverloadedException"/> when every place is taken.</summary>
    internal void Enter()
    {
        var now = Interlocked.Increment(ref _inFlight);
        if (now > _limit)
        {
            Interlocked.Decrement(ref _inFlight);
            var refused = Interlocked.Increment(ref _refused);
            WarnNowAndThen(refused);
            throw new CdpOverloadedException(_retryAfter, _limit);
        }

        var peak = Volatile.Read(ref _peak);
        while (now > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peak, now, peak);
            if (seen == peak)
            {
                break;
            }

            peak = seen;
        }
    }

    internal void Exit() => Interlocked.Decrement(ref _inFlight);

    // One warning per interval at most, with the count since the last one: an operator learns that the silo
    // sheds load without a log line per refused call.
    private void WarnNowAndThen(long refused)
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastWarningTicks);
        if (last != long.MinValue && _time.GetElapsedTime(last, now) < WarningInterval)
        {
            LogRefused(_logger, _limit);
            return;
        }

        if (Interlocked.CompareExchange(ref _lastWarningTicks, now, last) == last)
        {
            var since = refused - Interlocked.Exchange(ref _refusedAtLastWarning, refused);
            LogOverloaded(_logger, since, _limit, _retryAfter.TotalSeconds);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Ingest overloaded: refused {Refused} call(s) since the last warning; {Limit} are served at once "
            + "(Cdp:Ingest:MaxConcurrentCalls); callers were told to retry after {RetryAfterSeconds} s")]
    private static partial void LogOverloaded(ILogger logger, long refused, int limit, double retryAfterSeconds);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Ingest call refused: {Limit} calls in flight")]
    private static partial void LogRefused(ILogger logger, int limit);
}

/// <summary>Puts every <see cref="IIngestGrain"/> call through the silo's <see cref="IngestAdmission"/>.</summary>
internal sealed class IngestAdmissionFilter(IngestAdmission admission) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType != typeof(IIngestGrain))
        {
            await context.Invoke();
            return;
        }

        admission.Enter();
        try
        {
            await context.Invoke();
        }
        finally
        {
            admission.Exit();
        }
    }
}
