namespace Cdp.IntegrationTests.Infrastructure;

/// <summary>Test classes in this collection share one Azurite instance and run one after another.</summary>
[CollectionDefinition(Name)]
[SuppressMessage(
    "Naming",
    "CA1711:Identifiers should not have incorrect suffix",
    Justification = "Named by the xunit convention for collection definitions; it is not a collection type.")]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
