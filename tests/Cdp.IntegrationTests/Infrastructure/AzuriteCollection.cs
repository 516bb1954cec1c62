namespace Cdp.IntegrationTests.Infrastructure;

/// <summary>Test classes in this collection share one Azurite instance and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
