using System.Diagnostics.Metrics;
using Cdp.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Cdp.Grains.Ingest;

/// <summary>
/// The silo's memory of the customer each identifier last routed to, so that an event for a known customer goes
/// straight to its customer grain instead of asking one identity grain per identifier first. An entry is a hint,
/// never the truth: the customer grain checks that it still holds every identifier of an event that came this way
/// (a merge, an unmerge or an erasure may have moved them since) and otherwise hands the event back for a full
/// resolution, which drops the entries. So no invalidation has to cross silos.
/// </summary>
/// <remarks>Bounded in two generations (<see cref="BoundedCache{TKey, TValue}"/>), so what is in use stays.</remarks>
public sealed class RouteCache
{
    private static readonly Meter Meter = new("Cdp.Ingest");
    private static readonly Counter<long> Taken =
        Meter.CreateCounter<long>("cdp.ingest.routes_taken", description: "Events sent on a remembered route, without identity lookups");

    private static readonly Counter<long> Stale =
        Meter.CreateCounter<long>("cdp.ingest.routes_stale", description: "Remembered routes the customer grain handed back");

    private readonly BoundedCache<ExternalId, string> _routes;
    private long _taken;
    private long _stale;

    public RouteCache(IOptions<CdpIdentityOptions> options)
        : this(options.Value.RouteCacheEntries)
    {
    }

    /// <param name="capacity">The most identifiers remembered; zero turns the cache off.</param>
    public RouteCache(int capacity)
    {
        _routes = new BoundedCache<ExternalId, string>(capacity);
    }

    /// <summary>Identifiers remembered now (both generations; an identifier may be counted twice).</summary>
    public int Count => _routes.Count;

    /// <summary>Events sent on a remembered route, and routes handed back as stale, since the silo started.</summary>
    public (long Taken, long Stale) Totals => (Interlocked.Read(ref _taken), Interlocked.Read(ref _stale));

    /// <summary>Counts an event sent on a remembered route.</summary>
    public void CountTaken()
    {
        Interlocked.Increment(ref _taken);
        Taken.Add(1);
    }

    /// <summary>Counts a remembered route that the customer grain handed back, and forgets its identifiers.</summary>
    public void ForgetStale(ExternalId[] ids)
    {
        Interlocked.Increment(ref _stale);
        Stale.Add(1);
        Forget(ids);
    }

    /// <summary>The one customer every identifier routed to last, or null when one is unknown or they differ.</summary>
    public string? Find(ExternalId[] ids)
    {
        if (!_routes.Enabled || ids.Length == 0)
        {
            return null;
        }

        var customer = _routes.Find(ids[0]);
        for (var i = 1; customer is not null && i < ids.Length; i++)
        {
            if (!string.Equals(_routes.Find(ids[i]), customer, StringComparison.Ordinal))
            {
                return null;
            }
        }

        return customer;
    }

    /// <summary>Remembers that these identifiers routed to the customer (one string instance for all of them).</summary>
    public void Remember(ExternalId[] ids, string customerId)
    {
        foreach (var id in ids)
        {
            _routes.Set(id, customerId);
        }
    }

    /// <summary>Forgets the identifiers, whatever they routed to.</summary>
    public void Forget(ExternalId[] ids)
    {
        foreach (var id in ids)
        {
            _routes.Remove(id);
        }
    }
}
