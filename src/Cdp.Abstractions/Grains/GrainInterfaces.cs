namespace Cdp;

/// <summary>
/// The entry point for events (a stateless worker on every silo): validates, resolves each event's
/// identifiers to a customer and hands the events to their customer grains.
/// </summary>
[Alias("cdp.IIngestGrain")]
public interface IIngestGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Applies the events; returns when every one is durable, with one receipt per event in order.
    /// A batch that breaks a rule is refused whole with <see cref="CdpValidationException"/>.
    /// </summary>
    [Alias("ingest")]
    Task<EventReceipt[]> IngestAsync(CdpEvent[] events);
}

/// <summary>One customer: the single writer of its profile. Keyed by the customer id.</summary>
[Alias("cdp.ICustomerGrain")]
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>Applies routed events (identifiers normalized, messageId and receivedAt set); durable on return.</summary>
    [Alias("apply")]
    Task<bool[]> ApplyAsync(CdpEvent[] events);

    /// <summary>The profile, or null for a customer that has never received an event.</summary>
    [Alias("profile")]
    Task<CustomerProfile?> GetProfileAsync();

    [Alias("events")]
    Task<EventPage> GetEventsAsync(long afterSequence, int pageSize);

    [Alias("conflict")]
    Task RecordConflictAsync(IdentityConflict conflict);
}

/// <summary>One external identifier, keyed <c>type:value</c> (normalized): which customer it belongs to.</summary>
[Alias("cdp.IIdentityGrain")]
public interface IIdentityGrain : IGrainWithStringKey
{
    [Alias("owner")]
    Task<string?> GetCustomerAsync();

    /// <summary>Claims the identifier for <paramref name="customerId"/> unless it is taken; returns the owner.</summary>
    [Alias("claim")]
    Task<string> ClaimAsync(string customerId);
}
