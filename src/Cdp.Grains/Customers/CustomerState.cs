namespace Cdp.Grains.Customers;

/// <summary>What a customer grain persists: a snapshot of the profile as of <see cref="CustomerProfile.Sequence"/>.</summary>
[GenerateSerializer, Alias("cdp.customer-state")]
public sealed class CustomerState
{
    [Id(0)] public CustomerProfile Profile { get; set; } = new();
}
