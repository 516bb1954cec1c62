using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Streams;

namespace Cdp.Grains.Hosting;

/// <summary>Stream settings, bound from the <c>Cdp:Streams</c> configuration section.</summary>
public sealed class CdpStreamOptions
{
    public const string SectionName = "Cdp:Streams";

    /// <summary>Default: <see cref="CdpStreamProvider.Memory"/>.</summary>
    public CdpStreamProvider Provider { get; set; } = CdpStreamProvider.Memory;

    /// <summary>The Azure Storage connection string for <see cref="CdpStreamProvider.AzureQueue"/>. Default: the storage one.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Queues the provider spreads streams over (named <c>cdp-streams-0</c>, …). Default: 4.</summary>
    public int QueueCount { get; set; } = 4;

    /// <summary>
    /// How often each silo's pulling agents read their queues when the last read found nothing: the floor of the time
    /// a segment message waits before delivery. Default: 10 milliseconds for <see cref="CdpStreamProvider.Memory"/>
    /// (a read is an in-memory call) and 100 milliseconds for <see cref="CdpStreamProvider.AzureQueue"/> (a read is a
    /// storage request, billed and rate-limited).
    /// </summary>
    public TimeSpan? PollInterval { get; set; }

    /// <summary>The poll interval in force: the configured one, else the provider's default.</summary>
    public TimeSpan EffectivePollInterval =>
        PollInterval ?? (Provider == CdpStreamProvider.AzureQueue ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromMilliseconds(10));

    /// <summary>The queue names for <paramref name="count"/> queues; silos and clients must agree on them.</summary>
    public static List<string> QueueNames(int count) => [.. Enumerable.Range(0, count).Select(i => $"cdp-streams-{i}")];
}

internal sealed class CdpStreamOptionsValidator : IValidateOptions<CdpStreamOptions>
{
    public ValidateOptionsResult Validate(string? name, CdpStreamOptions options) => Check(options, null) is { Count: > 0 } failures
        ? ValidateOptionsResult.Fail(failures)
        : ValidateOptionsResult.Success;

    public static List<string> Check(CdpStreamOptions options, string? storageConnectionString)
    {
        const string Section = CdpStreamOptions.SectionName;
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Provider))
        {
            failures.Add($"{Section}:Provider must be Memory or AzureQueue.");
        }

        if (options.Provider == CdpStreamProvider.AzureQueue &&
            string.IsNullOrWhiteSpace(options.ConnectionString) && string.IsNullOrWhiteSpace(storageConnectionString))
        {
            failures.Add($"{Section}:ConnectionString (or Cdp:Storage:ConnectionString) is required when Provider is AzureQueue.");
        }

        if (options.QueueCount is < 1 or > 64)
        {
            failures.Add($"{Section}:QueueCount is {options.QueueCount}; it must be between 1 and 64.");
        }

        if (options.PollInterval is { } poll && (poll < TimeSpan.FromMilliseconds(1) || poll > TimeSpan.FromSeconds(10)))
        {
            failures.Add($"{Section}:PollInterval is {poll}; it must be between 1 millisecond and 10 seconds.");
        }

        return failures;
    }
}

/// <summary>The Orleans stream provider that erasure notices and segment and trigger messages travel on.</summary>
public static class CdpStreamHosting
{
    /// <summary>The grain storage Orleans keeps explicit stream subscriptions in.</summary>
    public const string PubSubStorage = "PubSubStore";

    /// <summary>
    /// Adds the stream provider <see cref="SegmentStreams.Provider"/> (memory, or Azure Queue storage when
    /// <paramref name="options"/> say so) and, when none is registered yet, memory storage for stream subscriptions.
    /// Safe to call more than once, and alongside other code that registers the same provider: whoever registers it
    /// first wins.
    /// </summary>
    public static ISiloBuilder AddCdpStreams(
        this ISiloBuilder builder, CdpStreamOptions? options = null, string? storageConnectionString = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!HasKeyed<IStreamProvider>(builder.Services, SegmentStreams.Provider))
        {
            var connection = options?.ConnectionString ?? storageConnectionString;
            if (options is { Provider: CdpStreamProvider.AzureQueue } && !string.IsNullOrWhiteSpace(connection))
            {
                var queues = new QueueServiceClient(connection);
                var names = CdpStreamOptions.QueueNames(options.QueueCount);
                builder.AddAzureQueueStreams(SegmentStreams.Provider, streams =>
                {
                    streams.ConfigureAzureQueue(o => o.Configure(q =>
                    {
                        q.QueueServiceClient = queues;
                        q.QueueNames = names;
                    }));
                    streams.ConfigurePullingAgent(o => o.Configure(p => p.GetQueueMsgsTimerPeriod = options.EffectivePollInterval));
                });
            }
            else
            {
                var poll = (options ?? new CdpStreamOptions()).EffectivePollInterval;
                builder.AddMemoryStreams(SegmentStreams.Provider, streams =>
                    streams.ConfigurePullingAgent(o => o.Configure(p =>
                    {
                        p.GetQueueMsgsTimerPeriod = poll;
                        p.BatchContainerBatchSize = 64;
                    })));
            }
        }

        if (!HasKeyed<Orleans.Storage.IGrainStorage>(builder.Services, PubSubStorage))
        {
            builder.AddMemoryGrainStorage(PubSubStorage);
        }

        return builder;
    }

    /// <summary>Whether a keyed service of the type is registered under the key.</summary>
    public static bool HasKeyed<T>(IServiceCollection services, string key)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.Any(s => s.IsKeyedService && s.ServiceType == typeof(T) && Equals(s.ServiceKey, key));
    }
}
