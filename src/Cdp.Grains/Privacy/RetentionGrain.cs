using System.Diagnostics;
using Cdp.Grains.Archive;
using Cdp.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cdp.Grains.Privacy;

/// <summary>
/// Removes archived events older than the retention period: every <c>Cdp:Privacy:RetentionInterval</c> while
/// retention is on (a grain timer that keeps this one grain active), and on demand. The archive finds old events
/// by their write time, so no index of customers is needed.
/// </summary>
public sealed partial class RetentionGrain(
    IEventArchive archive,
    IOptions<CdpPrivacyOptions> options,
    TimeProvider time,
    ILogger<RetentionGrain> logger) : Grain, IRetentionGrain
{
    private IGrainTimer? _timer;

    public Task StartAsync()
    {
        var settings = options.Value;
        if (settings.RetentionDays > 0 && _timer is null)
        {
            _timer = this.RegisterGrainTimer(
                _ => SweepOnTimerAsync(),
                new GrainTimerCreationOptions(settings.RetentionInterval, settings.RetentionInterval) { KeepAlive = true });
            LogStarted(logger, settings.RetentionDays, settings.RetentionInterval);
        }

        return Task.CompletedTask;
    }

    public async Task<RetentionSweepResult> SweepAsync(DateTimeOffset? cutoff, string requestedBy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        var started = time.GetUtcNow();
        var result = await SweepCoreAsync(cutoff ?? DefaultCutoff());
        await GrainFactory.GetGrain<IPrivacyAuditGrain>(0).AppendAsync(new PrivacyAuditEntry
        {
            RequestId = "r" + Guid.CreateVersion7().ToString("N"),
            Kind = PrivacyRequestKind.RetentionSweep,
            RequestedBy = requestedBy,
            RequestedAt = started,
            Outcome = PrivacyRequestStatus.Completed,
            Duration = result.Duration,
            Events = result.EventsRemoved,
        });
        return result;
    }

    // Timed sweeps are logged, not audited: one an hour would push the requests people made out of the bounded log.
    private async Task SweepOnTimerAsync()
    {
        try
        {
            await SweepCoreAsync(DefaultCutoff());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSweepFailed(logger, ex);
        }
    }

    private async Task<RetentionSweepResult> SweepCoreAsync(DateTimeOffset cutoff)
    {
        var watch = Stopwatch.StartNew();
        var removed = await archive.DeleteReceivedBeforeAsync(cutoff, CancellationToken.None);
        LogSwept(logger, removed, cutoff, watch.ElapsedMilliseconds);
        return new RetentionSweepResult(cutoff, removed, watch.Elapsed);
    }

    private DateTimeOffset DefaultCutoff()
    {
        var days = options.Value.RetentionDays;
        if (days == 0)
        {
            throw new InvalidOperationException(
                $"Retention is off ({CdpPrivacyOptions.SectionName}:RetentionDays is 0); give a cutoff to sweep on demand.");
        }

        return time.GetUtcNow().AddDays(-days);
    }

    [LoggerMessage(EventId = 5020, Level = LogLevel.Information,
        Message = "Retention on: archived events older than {Days} days are removed every {Interval}")]
    private static partial void LogStarted(ILogger logger, int days, TimeSpan interval);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Information,
        Message = "Retention sweep removed {Count} archived events received before {Cutoff} in {Milliseconds} ms")]
    private static partial void LogSwept(ILogger logger, long count, DateTimeOffset cutoff, long milliseconds);

    [LoggerMessage(EventId = 5022, Level = LogLevel.Warning, Message = "Retention sweep failed; the next one tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
