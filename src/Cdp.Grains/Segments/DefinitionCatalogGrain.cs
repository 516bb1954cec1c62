using Cdp.Grains.Domain;
using Cdp.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cdp.Grains.Segments;

[GenerateSerializer, Alias("cdp.definition-catalog-state")]
public sealed class DefinitionCatalogState
{
    [Id(0)] public long Version { get; set; }

    [Id(1)] public Dictionary<string, SegmentDefinition> Definitions { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The catalog of definitions. Text is parsed into the tree, the whole definition validated (and member references
/// checked against the catalog: they must name segments, and never form a cycle) before anything is stored.
/// </summary>
public sealed partial class DefinitionCatalogGrain(
    [PersistentState("segment-catalog", CdpStorageNames.Profiles)] IPersistentState<DefinitionCatalogState> state,
    ConsentCatalog consent,
    DefinitionCache cache,
    TimeProvider time,
    IOptions<CdpSegmentOptions> options,
    ILogger<DefinitionCatalogGrain> logger) : Grain, IDefinitionCatalogGrain
{
    /// <summary>The key of the one catalog grain.</summary>
    public const string Key = "default";

    public async Task<SegmentDefinition> CreateAsync(SegmentDefinition definition)
    {
        var prepared = Prepare(definition);
        if (state.State.Definitions.ContainsKey(prepared.Id))
        {
            throw new CdpValidationException(new CdpValidationError(
                "id", CdpValidationRule.Conflict, $"a definition '{prepared.Id}' exists; update it instead."));
        }

        if (state.State.Definitions.Count >= options.Value.MaxDefinitions)
        {
            throw new CdpValidationException(new CdpValidationError(
                "id", CdpValidationRule.TooMany, $"the catalog holds its limit of {options.Value.MaxDefinitions} definitions."));
        }

        return await StoreAsync(prepared with { Version = 1, UpdatedAt = time.GetUtcNow() });
    }

    public async Task<SegmentDefinition> UpdateAsync(SegmentDefinition definition)
    {
        var prepared = Prepare(definition);
        if (!state.State.Definitions.TryGetValue(prepared.Id, out var stored))
        {
            throw new CdpValidationException(new CdpValidationError(
                "id", CdpValidationRule.NotFound, $"there is no definition '{prepared.Id}'."));
        }

        if (stored.Version != prepared.Version)
        {
            throw new CdpValidationException(new CdpValidationError(
                "version", CdpValidationRule.Conflict,
                $"version {prepared.Version} was read, but version {stored.Version} is stored; read it again and reapply the change."));
        }

        if (stored.Kind != prepared.Kind)
        {
            throw new CdpValidationException(new CdpValidationError(
                "kind", CdpValidationRule.Conflict, $"'{prepared.Id}' is a {stored.Kind}; a definition keeps its kind."));
        }

        return await StoreAsync(prepared with { Version = stored.Version + 1, UpdatedAt = time.GetUtcNow() });
    }

    public async Task<bool> DeleteAsync(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (!state.State.Definitions.TryGetValue(id, out var stored))
        {
            return false;
        }

        var users = state.State.Definitions.Values
            .Where(d => CompiledCatalog.Members(d.Condition).Contains(id, StringComparer.Ordinal)).Select(d => d.Id).ToList();
        if (users.Count > 0)
        {
            throw new CdpValidationException(new CdpValidationError(
                "id", CdpValidationRule.Conflict, $"'{id}' is used by {string.Join(", ", users)}; change those first."));
        }

        state.State.Definitions.Remove(id);
        state.State.Version++;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Definitions[id] = stored;
            state.State.Version--;
            throw;
        }

        Offer();
        LogDeleted(logger, id, state.State.Version);
        return true;
    }

    public Task<SegmentDefinition?> GetAsync(string id) => Task.FromResult(state.State.Definitions.GetValueOrDefault(id));

    public Task<DefinitionCatalog?> GetCatalogAsync(long knownVersion) =>
        Task.FromResult(knownVersion == state.State.Version ? null : Snapshot());

    private DefinitionCatalog Snapshot() => new(state.State.Version, [.. state.State.Definitions.Values]);

    private void Offer() => cache.Offer(Snapshot());

    private async Task<SegmentDefinition> StoreAsync(SegmentDefinition definition)
    {
        var previous = state.State.Definitions.GetValueOrDefault(definition.Id);
        state.State.Definitions[definition.Id] = definition;
        state.State.Version++;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            if (previous is null)
            {
                state.State.Definitions.Remove(definition.Id);
            }
            else
            {
                state.State.Definitions[definition.Id] = previous;
            }

            state.State.Version--;
            throw;
        }

        Offer();
        LogSaved(logger, definition.Id, definition.Kind, definition.Version, state.State.Version);
        return definition;
    }

    // Text parsed into the tree, purposes in the consent catalog's names, then every rule checked.
    private SegmentDefinition Prepare(SegmentDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Dictionary<object, int>? columns = null;
        if (definition.Text is { } text)
        {
            // A definition as read carries both; they must then agree, or which one was meant is unclear.
            columns = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
            var parsed = definition.Kind == DefinitionKind.ComputedTrait
                ? definition with { Computed = DefinitionText.ParseComputed(text, columns), Condition = null }
                : definition with { Condition = DefinitionText.ParseCondition(text, columns), Computed = null };
            if ((definition.Condition is not null && !Equals(definition.Condition, parsed.Condition)) ||
                (definition.Computed is not null && !Equals(definition.Computed, parsed.Computed)))
            {
                throw new CdpValidationException(new CdpValidationError(
                    "text", CdpValidationRule.Conflict, "the text and the tree differ; give one of them, or both alike."));
            }

            definition = parsed;
        }

        var errors = DefinitionValidator.Validate(definition, consent.PurposeOf, columns);
        foreach (var used in CompiledCatalog.Members(definition.Condition).Distinct(StringComparer.Ordinal))
        {
            if (used == definition.Id || Reaches(used, definition.Id))
            {
                errors.Add(new CdpValidationError("condition", CdpValidationRule.Conflict,
                    $"member(\"{used}\") would make '{definition.Id}' depend on itself."));
            }
            else if (!state.State.Definitions.TryGetValue(used, out var segment) || segment.Kind != DefinitionKind.Segment)
            {
                errors.Add(new CdpValidationError("condition", CdpValidationRule.NotFound, $"member(\"{used}\") names no segment."));
            }
        }

        if (errors.Count > 0)
        {
            throw new CdpValidationException(errors);
        }

        return definition with
        {
            Purpose = consent.PurposeOf(definition.Purpose)!,
            Condition = definition.Condition is { } condition ? NormalizePurposes(condition) : null,
        };
    }

    // Whether segment 'from' reads 'target', directly or through other segments.
    private bool Reaches(string from, string target)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([from]);
        while (queue.TryDequeue(out var id))
        {
            if (!seen.Add(id) || !state.State.Definitions.TryGetValue(id, out var definition))
            {
                continue;
            }

            foreach (var used in CompiledCatalog.Members(definition.Condition))
            {
                if (used == target)
                {
                    return true;
                }

                queue.Enqueue(used);
            }
        }

        return false;
    }

    private Condition NormalizePurposes(Condition condition) => condition switch
    {
        ConsentCondition c => c with { Purpose = consent.PurposeOf(c.Purpose)! },
        AndCondition a => a with { Conditions = [.. a.Conditions.Select(NormalizePurposes)] },
        OrCondition o => o with { Conditions = [.. o.Conditions.Select(NormalizePurposes)] },
        NotCondition n => n with { Condition = NormalizePurposes(n.Condition) },
        _ => condition,
    };

    [LoggerMessage(EventId = 6000, Level = LogLevel.Information,
        Message = "Definition {DefinitionId} ({Kind}) saved as version {Version}; catalog version {CatalogVersion}")]
    private static partial void LogSaved(ILogger logger, string definitionId, DefinitionKind kind, long version, long catalogVersion);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information,
        Message = "Definition {DefinitionId} deleted; catalog version {CatalogVersion}")]
    private static partial void LogDeleted(ILogger logger, string definitionId, long catalogVersion);
}

/// <summary>
/// A silo's compiled copy of the definition catalog. It asks the catalog grain again once its copy is older than
/// <see cref="CdpSegmentOptions.CatalogRefresh"/> (only a changed catalog is sent back); the silo that stores a
/// change takes it at once.
/// </summary>
public sealed class DefinitionCache(IGrainFactory grains, IOptions<CdpSegmentOptions> options, TimeProvider time)
{
    private readonly TimeSpan _refresh = options.Value.CatalogRefresh;
    private volatile Entry? _entry;
    private Task<CompiledCatalog>? _fetching;

    public ValueTask<CompiledCatalog> GetAsync()
    {
        var entry = _entry;
        if (entry is not null && time.GetElapsedTime(entry.FetchedAt) < _refresh)
        {
            return new(entry.Catalog);
        }

        return new(FetchAsync());
    }

    /// <summary>Takes a catalog known to be current (just stored), unless this silo already has a newer version.</summary>
    public void Offer(DefinitionCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var entry = _entry;
        if (entry is null || entry.Catalog.Version < catalog.Version)
        {
            _entry = new Entry(CompiledCatalog.Build(catalog), time.GetTimestamp());
        }
    }

    private Task<CompiledCatalog> FetchAsync()
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

    private async Task<CompiledCatalog> FetchOnceAsync()
    {
        var entry = _entry;
        var known = entry?.Catalog.Version ?? -1;
        var changed = await grains.GetGrain<IDefinitionCatalogGrain>(DefinitionCatalogGrain.Key).GetCatalogAsync(known);
        var compiled = changed is null ? entry!.Catalog : CompiledCatalog.Build(changed);
        _entry = new Entry(compiled, time.GetTimestamp());
        return compiled;
    }

    private sealed record Entry(CompiledCatalog Catalog, long FetchedAt);
}
