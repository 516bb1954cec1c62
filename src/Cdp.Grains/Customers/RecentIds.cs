namespace Cdp.Grains.Customers;

/// <summary>
/// The messageIds a customer grain applied that are no longer in its profile's recent-event window, oldest forgotten
/// first. With the window, it spares the archive a round trip for a retry that comes soon; the archive's markers remain
/// the durable check. Nothing is allocated until the first id leaves the window, so a customer with few events pays
/// nothing for it.
/// </summary>
internal sealed class RecentIds(int capacity)
{
    private HashSet<string>? _set;
    private Queue<string>? _order;

    public bool Contains(string messageId) => _set is not null && _set.Contains(messageId);

    public void Add(string? messageId)
    {
        if (capacity == 0 || messageId is null || !(_set ??= new(StringComparer.Ordinal)).Add(messageId))
        {
            return;
        }

        (_order ??= new()).Enqueue(messageId);
        if (_order.Count > capacity)
        {
            _set.Remove(_order.Dequeue());
        }
    }
}
