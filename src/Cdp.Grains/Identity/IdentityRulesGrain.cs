using Cdp.Grains.Domain;
using Cdp.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Cdp.Grains.Identity;

[GenerateSerializer, Alias("cdp.identity-rules-state")]
public sealed class IdentityRulesState
{
    /// <summary>The rules last set through the SDK; null while the configured ones apply.</summary>
    [Id(0)] public IdentityRules? Rules { get; set; }
}

/// <summary>
/// The deployment's identity rules. Until the SDK sets some, they are the configured ones as version 1;
/// each change is validated, stored, and takes the next version.
/// </summary>
public sealed class IdentityRulesGrain(
    [PersistentState("identity-rules", CdpStorageNames.Profiles)] IPersistentState<IdentityRulesState> state,
    IOptions<CdpIdentityOptions> options,
    IdentityRulesCache cache) : Grain, IIdentityRulesGrain
{
    /// <summary>The key of the one rules grain.</summary>
    public const string Key = "default";

    public Task<IdentityRules> GetAsync() => Task.FromResult(Current.Clone());

    public async Task<IdentityRules> SetAsync(IdentityRules rules)
    {
        IdentityRulesValidator.ThrowIfInvalid(rules);
        var next = rules.Clone();
        next.Version = Current.Version + 1;

        var previous = state.State.Rules;
        state.State.Rules = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Rules = previous;
            throw;
        }

        cache.Offer(next);
        return next.Clone();
    }

    private IdentityRules Current => state.State.Rules ?? Configured();

    private IdentityRules Configured()
    {
        var configured = options.Value.Rules.Clone();
        configured.Version = 1;
        return configured;
    }
}

/// <summary>
/// A silo's copy of the identity rules, compiled. It asks the rules grain again once its copy is older than
/// <see cref="CdpIdentityOptions.RulesRefresh"/>; the silo that stores a change takes it at once.
/// </summary>
public sealed class IdentityRulesCache(IGrainFactory grains, IOptions<CdpIdentityOptions> options, TimeProvider time)
{
    private readonly TimeSpan _refresh = options.Value.RulesRefresh;
    private volatile Entry? _entry;
    private Task<IdentityRuleSet>? _fetching;

    public ValueTask<IdentityRuleSet> GetAsync()
    {
        var entry = _entry;
        if (entry is not null && time.GetElapsedTime(entry.FetchedAt) < _refresh)
        {
            return new(entry.Rules);
        }

        return new(FetchAsync());
    }

    /// <summary>Takes rules known to be current (just stored), unless this silo already has a newer version.</summary>
    public void Offer(IdentityRules rules)
    {
        var entry = _entry;
        if (entry is null || entry.Rules.Version < rules.Version)
        {
            _entry = new Entry(new IdentityRuleSet(rules), time.GetTimestamp());
        }
    }

    // One fetch at a time: callers that arrive while it runs share it.
    private Task<IdentityRuleSet> FetchAsync()
    {
        var fetching = Volatile.Read(ref _fetching);
        if (fetching is { IsCompleted: false })
        {
            return fetching;
        }

        var started = FetchOnceAsync();
        Interlocked.CompareExchange(ref _fetching, started, fetching);
        return started;
    }

    private async Task<IdentityRuleSet> FetchOnceAsync()
    {
        var rules = await grains.GetGrain<IIdentityRulesGrain>(IdentityRulesGrain.Key).GetAsync();
        var entry = _entry;
        var set = entry is not null && entry.Rules.Version == rules.Version ? entry.Rules : new IdentityRuleSet(rules);
        _entry = new Entry(set, time.GetTimestamp());
        return set;
    }

    private sealed record Entry(IdentityRuleSet Rules, long FetchedAt);
}
