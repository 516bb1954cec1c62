namespace Cdp.Http;

/// <summary>
/// The ingest grain's reference, built once per host: Orleans resolves the grain interface by reflection each time a
/// reference is built, which costs more than the local call that follows.
/// </summary>
internal sealed class IngestTarget(IGrainFactory grains)
{
    private IIngestGrain? _grain;

    public IIngestGrain Grain => _grain ??= grains.GetGrain<IIngestGrain>(0);
}
