namespace Cdp.Grains.Customers;

/// <summary>
/// The messageIds a customer grain applied most recently, oldest forgotten first. It spares the archive
/// a round trip for a retry that comes soon; the archive's markers remain the durable check.
/// </summary>
internal sealed class RecentIds(int capacity)
{
    private readonly HashSet<string> _set = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public bool Contains(string messageId) => _set.Contains(messageId);

    public void Add(string messageId)
    {
        if (capacity == 0 || !_set.Add(messageId))
        {
            return;
        }

        _order.Enqueue(messageId);
        if (_order.Count > capacity)
        {
            _set.Remove(_order.Dequeue());
        }
    }
}
