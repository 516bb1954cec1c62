using System.Collections.Concurrent;
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
/// <remarks>
/// Bounded by two generations: when the newer one holds half the capacity, the older one is dropped and the newer
/// one takes its place. An identifier found in the older generation moves to the newer, so what is in use stays.
/// </remarks>
public sealed class RouteCache
{
    private static readonly Meter Meter = new("Cdp.Ingest");
    private static readonly Counter<long> Taken =
        Meter.CreateCounter<long>("cdp.ingest.routes_taken", description: "Events sent on a remembered route, without identity lookups");

    private static readonly Counter<long> Stale =
        Meter.CreateCounter<long>("cdp.ingest.routes_stale", description: "Remembered routes the customer grain handed back");

    private readonly int _half;
    private long _taken;
    private long _stale;
    private readonly Lock _rotation = new();
    private ConcurrentDictionary<ExternalId, string> _current = new();
    private ConcurrentDictionary<ExternalId, string> _previous = new();
    private int _count;

    public RouteCache(IOptions<CdpIdentityOptions> options)
        : this(options.Value.RouteCacheEntries)
    {
    }

    /// <param name="capacity">The most identifiers remembered; zero turns the cache off.</param>
    public RouteCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _half = capacity / 2;
    }

    /// <summary>Identifiers remembered now (both generations; an identifier may be counted twice).</summary>
    public int Count => _current.Count + _previous.Count;

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
        if (_half == 0 || ids.Length == 0)
        {
            return null;
        }

        var customer = Find(ids[0]);
        for (var i = 1; customer is not null && i < ids.Length; i++)
        {
            if (!string.Equals(Find(ids[i]), customer, StringComparison.Ordinal))
            {
                return null;
            }
        }

        return customer;
    }

    /// <summary>Remembers that these identifiers routed to the customer (one string instance for all of them).</summary>
    public void Remember(ExternalId[] ids, string customerId)
    {
        if (_half == 0)
        {
            return;
        }

        foreach (var id in ids)
        {
            Remember(id, customerId);
        }
    }

    /// <summary>Forgets the identifiers, whatever they routed to.</summary>
    public void Forget(ExternalId[] ids)
    {
        foreach (var id in ids)
        {
            _current.TryRemove(id, out _);
            _previous.TryRemove(id, out _);
        }
    }

    private string? Find(ExternalId id)
    {
        if (_current.TryGetValue(id, out var customer))
        {
            return customer;
        }

        if (_previous.TryGetValue(id, out customer))
        {
            Remember(id, customer);
            return customer;
        }

        return null;
    }

    private void Remember(ExternalId id, string customerId)
    {
        var current = _current;
        if (current.TryAdd(id, customerId))
        {
            if (Interlocked.Increment(ref _count) >= _half)
            {
                Rotate(current);
            }
        }
        else if (!current.TryGetValue(id, out var known) || !string.Equals(known, customerId, StringComparison.Ordinal))
        {
            current[id] = customerId;
        }
    }

    private void Rotate(ConcurrentDictionary<ExternalId, string> full)
    {
        lock (_rotation)
        {
            if (!ReferenceEquals(_current, full))
            {
                return;
            }

            _previous = full;
            _current = new ConcurrentDictionary<ExternalId, string>();
            _count = 0;
        }
    }
}
