using Cdp.Grains.Hosting;

namespace Cdp.Grains.Privacy;

[GenerateSerializer, Alias("cdp.suppression-state")]
public sealed class SuppressionState
{
    [Id(0)] public string? RequestId { get; set; }

    [Id(1)] public bool Pending { get; set; }

    [Id(2)] public DateTimeOffset At { get; set; }
}

/// <summary>The suppression record of one erased identifier, keyed by the identifier's salted hash.</summary>
public sealed class SuppressionGrain(
    [PersistentState("suppression", CdpStorageNames.Profiles)] IPersistentState<SuppressionState> state,
    TimeProvider time) : Grain, ISuppressionGrain
{
    public Task<(string? RequestId, bool Pending)> GetAsync() => Task.FromResult((state.State.RequestId, state.State.Pending));

    public async Task<string> BeginAsync(string requestId)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        if (state.State is { Pending: true, RequestId: { } holder })
        {
            return holder;
        }

        state.State.RequestId = requestId;
        state.State.Pending = true;
        state.State.At = time.GetUtcNow();
        await state.WriteStateAsync();
        return requestId;
    }

    public async Task CompleteAsync(string requestId, bool keep)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        if (state.State.RequestId != requestId || !state.State.Pending)
        {
            return;
        }

        if (keep)
        {
            state.State.Pending = false;
            await state.WriteStateAsync();
        }
        else
        {
            await state.ClearStateAsync();
            state.State = new SuppressionState();
            DeactivateOnIdle();
        }
    }
}
