using Microsoft.Extensions.Logging;

namespace Cdp.Grains.Segments;

/// <summary>
/// Visits every indexed customer so that a new or changed definition is evaluated for all of them now rather than at
/// their next event. Each visit is a customer re-evaluation, which backfills the definition from that customer's
/// archive. Progress lives in memory: a backfill cut short by a silo failure is started again by the caller.
/// </summary>
public sealed partial class SegmentBackfillGrain(TimeProvider time, ILogger<SegmentBackfillGrain> logger)
    : Grain, ISegmentBackfillGrain
{
    private const int PageSize = 500;
    private const int Parallelism = 32;

    private BackfillProgress? _progress;
    private int _visited;
    private int _failed;

    public async Task<BackfillProgress> StartAsync()
    {
        if (_progress is { Done: false })
        {
            return Current();
        }

        var id = this.GetPrimaryKeyString();
        var definition = await GrainFactory.GetGrain<IDefinitionCatalogGrain>(DefinitionCatalogGrain.Key).GetAsync(id)
            ?? throw new CdpValidationException(
                new CdpValidationError("id", CdpValidationRule.NotFound, $"there is no definition '{id}'."));
        var counts = await Task.WhenAll(Enumerable.Range(0, CustomerIndex.Shards)
            .Select(shard => GrainFactory.GetGrain<ICustomerIndexGrain>(shard).CountAsync()));
        _visited = 0;
        _failed = 0;
        _progress = new BackfillProgress
        {
            DefinitionId = id, DefinitionVersion = definition.Version, Total = counts.Sum(), StartedAt = time.GetUtcNow(),
        };
        LogStarted(logger, id, definition.Version, _progress.Total);

        // Runs on after this call returns, interleaved with progress reads; the grain stays active until it ends.
        _ = RunAsync();
        return Current();
    }

    public Task<BackfillProgress?> GetProgressAsync() => Task.FromResult(_progress is null ? null : Current());

    private BackfillProgress Current() =>
        _progress! with { Visited = Volatile.Read(ref _visited), Failed = Volatile.Read(ref _failed) };

    private async Task RunAsync()
    {
        DelayDeactivation(TimeSpan.FromHours(1));
        try
        {
            await VisitAllAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Reading the index failed: the backfill ends here, reported as done with what it visited.
            LogAborted(logger, ex, this.GetPrimaryKeyString());
        }

        _progress = Current() with { Done = true, FinishedAt = time.GetUtcNow() };
        LogFinished(logger, _progress.DefinitionId, _progress.Visited, _progress.Failed);
        DelayDeactivation(TimeSpan.Zero);
    }

    private async Task VisitAllAsync()
    {
        using var gate = new SemaphoreSlim(Parallelism);
        for (var shard = 0; shard < CustomerIndex.Shards; shard++)
        {
            string? after = null;
            while (true)
            {
                var page = await GrainFactory.GetGrain<ICustomerIndexGrain>(shard).GetPageAsync(after, PageSize);
                await Task.WhenAll(page.Select(async customerId =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        await GrainFactory.GetGrain<ICustomerGrain>(customerId).ReevaluateAsync();
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Interlocked.Increment(ref _failed);
                        LogCustomerFailed(logger, ex, this.GetPrimaryKeyString(), customerId);
                    }
                    finally
                    {
                        gate.Release();
                        Interlocked.Increment(ref _visited);
                    }
                }));

                if (page.Length < PageSize)
                {
                    break;
                }

                after = page[^1];
            }
        }
    }

    [LoggerMessage(EventId = 6020, Level = LogLevel.Information,
        Message = "Backfill of definition {DefinitionId} version {Version} started over {Total} customers")]
    private static partial void LogStarted(ILogger logger, string definitionId, long version, int total);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Information,
        Message = "Backfill of definition {DefinitionId} finished: {Visited} customers visited, {Failed} failed")]
    private static partial void LogFinished(ILogger logger, string definitionId, int visited, int failed);

    [LoggerMessage(EventId = 6023, Level = LogLevel.Error,
        Message = "Backfill of definition {DefinitionId} stopped: the customer index could not be read")]
    private static partial void LogAborted(ILogger logger, Exception exception, string definitionId);

    [LoggerMessage(EventId = 6022, Level = LogLevel.Warning,
        Message = "Backfill of definition {DefinitionId}: evaluating customer {CustomerId} failed")]
    private static partial void LogCustomerFailed(ILogger logger, Exception exception, string definitionId, string customerId);
}
