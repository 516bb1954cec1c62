namespace Cdp.Grains.Ingest;

/// <summary>Events that the resolver dropped because they carry an erased identifier.</summary>
internal static class SuppressedEvents
{
    /// <summary>Gives each suppressed event its receipt; returns the positions of the others, to apply.</summary>
    public static List<int> ReceiptsAndRest(CdpEvent[] routed, string[] customers, EventReceipt[] receipts)
    {
        var rest = new List<int>(routed.Length);
        for (var i = 0; i < routed.Length; i++)
        {
            if (customers[i] == IdentityResolver.Suppressed)
            {
                receipts[i] = EventReceipt.OfSuppressed(routed[i].MessageId!);
            }
            else
            {
                rest.Add(i);
            }
        }

        return rest;
    }
}
