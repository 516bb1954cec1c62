namespace Cdp.IntegrationTests.Infrastructure;

/// <summary>
/// Stands in for xunit's interface of the same name, which the shared <c>AzuriteFixture</c> implements, so that the
/// bench compiles the integration tests' Azurite launcher as it is without depending on a test framework.
/// </summary>
public interface IAsyncLifetime
{
    Task InitializeAsync();

    Task DisposeAsync();
}
