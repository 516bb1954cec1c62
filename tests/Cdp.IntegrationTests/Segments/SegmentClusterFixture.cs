using System.Threading.Channels;
using Cdp.Client;
using Cdp.Grains.Hosting;
using Cdp.Grains.Segments;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.IntegrationTests.Segments;

/// <summary>
/// A cluster for segment tests: the catalog is read on every evaluation, and segment time is a fake clock that
/// tests move (three days behind real time at the start, so event timestamps stay acceptable as it advances).
/// </summary>
public sealed class SegmentClusterFixture : IAsyncLifetime
{
    private CdpTestCluster? _cluster;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow.AddDays(-3));

    public CdpTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public ICdpClient Client => Cluster.Client;

    public async Task InitializeAsync() => _cluster = await CdpTestCluster.StartAsync(configureSilo: silo =>
    {
        silo.Services.Configure<CdpSegmentOptions>(o => o.CatalogRefresh = TimeSpan.Zero);
        silo.Services.AddKeyedSingleton<TimeProvider>(SegmentRuntime.ClockKey, Clock);
    });

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>Re-evaluates the customer an identifier belongs to at the fake clock's now, as its deadline timer would.</summary>
    public async Task<string> ReevaluateAsync(ExternalId id)
    {
        var profile = await Client.GetProfileAsync(id) ?? throw new InvalidOperationException($"No customer holds {id}.");
        await Cluster.Grains.GetGrain<ICustomerGrain>(profile.CustomerId).ReevaluateAsync();
        return profile.CustomerId;
    }

    /// <summary>Subscribes to a definition's stream and collects its messages.</summary>
    public async Task<Inbox> SubscribeAsync(string definitionId, DefinitionKind kind)
    {
        var inbox = new Inbox();
        inbox.Subscription = await Client.SubscribeAsync(definitionId, kind, inbox.ReceiveAsync);
        return inbox;
    }
}

[CollectionDefinition(Name)]
public sealed class SegmentClusterCollection : ICollectionFixture<SegmentClusterFixture>
{
    public const string Name = "Segment cluster";
}

/// <summary>The messages a subscription received, awaited one by one with a timeout instead of polled.</summary>
public sealed class Inbox : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly Channel<SegmentMessage> _messages = Channel.CreateUnbounded<SegmentMessage>();

    public IAsyncDisposable? Subscription { get; set; }

    public Task ReceiveAsync(SegmentMessage message, CancellationToken cancellationToken) =>
        _messages.Writer.WriteAsync(message, cancellationToken).AsTask();

    public async Task<SegmentMessage> NextAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            return await _messages.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No segment message arrived within {Timeout.TotalSeconds:0} seconds.");
        }
    }

    public async Task<List<SegmentMessage>> NextAsync(int count)
    {
        var messages = new List<SegmentMessage>(count);
        for (var i = 0; i < count; i++)
        {
            messages.Add(await NextAsync());
        }

        return messages;
    }

    public async ValueTask DisposeAsync()
    {
        if (Subscription is not null)
        {
            await Subscription.DisposeAsync();
        }
    }
}
