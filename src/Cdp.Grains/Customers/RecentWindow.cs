namespace Cdp.Grains.Customers;

/// <summary>
/// The hash codes of the messageIds in a profile's recent-event window, so that checking an incoming event against the
/// window costs one vectorised search over a small array instead of a string comparison per recent event. A hash that
/// matches is confirmed against the window itself, and a window this index has not seen (a new profile after an
/// erasure, an unmerge or an activation) is indexed again on first use, so a missing or extra entry costs time, never
/// a wrong answer.
/// </summary>
internal sealed class RecentWindow
{
    private List<RecentEvent>? _source;
    private int[] _hashes = [];
    private int _count;

    /// <summary>Whether the window holds an event with this messageId.</summary>
    public bool Contains(List<RecentEvent> recent, string messageId)
    {
        if (!ReferenceEquals(recent, _source))
        {
            Index(recent);
        }

        if (_hashes.AsSpan(0, _count).IndexOf(Hash(messageId)) < 0)
        {
            return false;
        }

        for (var i = recent.Count - 1; i >= 0; i--)
        {
            if (string.Equals(recent[i].MessageId, messageId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Follows one applied event: <paramref name="messageId"/> joined the window unless it is <paramref name="left"/>,
    /// the id that is no longer in it (as <see cref="Domain.ProfileBuilder.Apply"/> returns it).
    /// </summary>
    public void Applied(List<RecentEvent> recent, string messageId, string? left)
    {
        if (!ReferenceEquals(recent, _source))
        {
            Index(recent);
            return;
        }

        if (string.Equals(left, messageId, StringComparison.Ordinal))
        {
            return;
        }

        if (left is not null)
        {
            var at = _hashes.AsSpan(0, _count).IndexOf(Hash(left));
            if (at >= 0)
            {
                _hashes[at] = _hashes[--_count];
            }
        }

        Add(Hash(messageId));
    }

    private void Index(List<RecentEvent> recent)
    {
        _source = recent;
        _count = 0;
        if (_hashes.Length < recent.Count)
        {
            _hashes = new int[recent.Count];
        }

        foreach (var e in recent)
        {
            Add(Hash(e.MessageId));
        }
    }

    private void Add(int hash)
    {
        if (_count == _hashes.Length)
        {
            Array.Resize(ref _hashes, Math.Max(8, _hashes.Length * 2));
        }

        _hashes[_count++] = hash;
    }

    private static int Hash(string messageId) => string.GetHashCode(messageId, StringComparison.Ordinal);
}
