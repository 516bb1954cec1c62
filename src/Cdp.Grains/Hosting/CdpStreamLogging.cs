using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cdp.Grains.Hosting;

/// <summary>
/// Keeps the normal end of a stream-queue read out of the failure log. A pulling agent cancels the read it has
/// in flight when it stops (at shutdown, or when its queue moves to another silo), and Orleans logs that
/// cancellation at Error from both the agent and the memory queue receiver. With Cdp's 10 ms poll a read is in
/// flight often enough that a clean shutdown would regularly end with two "fail:" entries.
/// </summary>
public static class CdpStreamLogging
{
    /// <summary>
    /// Wraps the host's logger factory so that, in Orleans' stream categories only, an entry at Error or above whose
    /// exception is an <see cref="OperationCanceledException"/> is written at Debug. Every other entry, and every
    /// other failure in those categories, is written as it was. Call it after the host's logging is set up; the
    /// Cdp silo host does.
    /// </summary>
    public static IServiceCollection AddCdpStreamShutdownLogging(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory));
        if (registered is null || registered.ImplementationType != typeof(LoggerFactory))
        {
            throw new InvalidOperationException(
                "AddCdpStreamShutdownLogging wraps the standard LoggerFactory; call it after AddLogging and do not "
                + "replace ILoggerFactory with another implementation.");
        }

        services.Remove(registered);
        services.AddSingleton<ILoggerFactory>(sp => new CancelledReadsLoggerFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(),
            sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(),
            sp.GetService<IExternalScopeProvider>())));
        return services;
    }
}

/// <summary>The logger factory <see cref="CdpStreamLogging.AddCdpStreamShutdownLogging"/> puts in place.</summary>
internal sealed class CancelledReadsLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    // The pulling agents log as "Orleans.Streams.<provider>"; the memory receiver under its own type name.
    private static readonly string[] StreamCategories = ["Orleans.Streams.", "Orleans.Providers.MemoryAdapterReceiver"];

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        foreach (var prefix in StreamCategories)
        {
            if (categoryName.StartsWith(prefix, StringComparison.Ordinal))
            {
                return new CancelledReadsLogger(logger);
            }
        }

        return logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class CancelledReadsLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error && exception is OperationCanceledException)
            {
                logLevel = LogLevel.Debug;
                if (!inner.IsEnabled(logLevel))
                {
                    return;
                }
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
