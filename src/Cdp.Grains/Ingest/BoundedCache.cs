using System.Collections.Concurrent;

namespace Cdp.Grains.Ingest;

/// <summary>
/// A thread-safe map that holds at most about its capacity, in two generations: when the newer one holds half the
/// capacity, the older one is dropped and the newer one takes its place. A key found in the older generation moves to
/// the newer, so what is in use stays and what is not ages out, at the cost of a dictionary lookup, not a list.
/// </summary>
internal sealed class BoundedCache<TKey, TValue>
    where TKey : notnull
    where TValue : class
{
    private readonly int _half;
    private readonly Lock _rotation = new();
    private ConcurrentDictionary<TKey, TValue> _current;
    private ConcurrentDictionary<TKey, TValue> _previous;
    private int _count;

    /// <param name="capacity">The most entries kept; zero keeps none.</param>
    /// <param name="comparer">Compares keys; null for the default.</param>
    public BoundedCache(int capacity, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _half = capacity / 2;
        _current = new(comparer);
        _previous = new(comparer);
    }

    public bool Enabled => _half > 0;

    /// <summary>Entries held now (both generations; a key may be counted twice).</summary>
    public int Count => _current.Count + _previous.Count;

    public TValue? Find(TKey key)
    {
        if (_current.TryGetValue(key, out var value))
        {
            return value;
        }

        if (_previous.TryGetValue(key, out value))
        {
            Set(key, value);
            return value;
        }

        return null;
    }

    public void Set(TKey key, TValue value)
    {
        if (_half == 0)
        {
            return;
        }

        var current = _current;
        if (current.TryAdd(key, value))
        {
            if (Interlocked.Increment(ref _count) >= _half)
            {
                Rotate(current);
            }
        }
        else if (!current.TryGetValue(key, out var known) || !EqualityComparer<TValue>.Default.Equals(known, value))
        {
            current[key] = value;
        }
    }

    public void Remove(TKey key)
    {
        _current.TryRemove(key, out _);
        _previous.TryRemove(key, out _);
    }

    private void Rotate(ConcurrentDictionary<TKey, TValue> full)
    {
        lock (_rotation)
        {
            if (!ReferenceEquals(_current, full))
            {
                return;
            }

            _previous = full;
            _current = new ConcurrentDictionary<TKey, TValue>(full.Comparer);
            _count = 0;
        }
    }
}
