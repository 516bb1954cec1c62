namespace Cdp.Bench.Hosting;

/// <summary>The engine's ceiling: a grain call that does nothing, so its cost is Orleans' alone.</summary>
[Alias("cdp.bench.noop")]
public interface INoopGrain : IGrainWithIntegerKey
{
    [Alias("ping")]
    Task PingAsync();
}

public sealed class NoopGrain : Grain, INoopGrain
{
    public Task PingAsync() => Task.CompletedTask;
}
