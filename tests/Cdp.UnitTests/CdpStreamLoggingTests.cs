using Cdp.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cdp.UnitTests;

public sealed class CdpStreamLoggingTests
{
    // The categories Orleans 10 logs a cancelled queue read under, as a stopping silo printed them.
    private const string AgentCategory = "Orleans.Streams.cdp";
    private const string ReceiverCategory =
        "Orleans.Providers.MemoryAdapterReceiver`1[[Orleans.Providers.DefaultMemoryMessageBodySerializer]].cdp.cdp-2";

    [Theory]
    [InlineData(AgentCategory)]
    [InlineData(ReceiverCategory)]
    public void CancelledRead_InAStreamCategory_IsWrittenAtDebug(string category)
    {
        var (log, factory) = Build(LogLevel.Trace);

        Write(factory.CreateLogger(category), LogLevel.Error, new OperationCanceledException(), "read failed");

        Assert.Equal([(category, LogLevel.Debug, "read failed")], log.Entries);
    }

    [Fact]
    public void CancelledRead_BelowTheConfiguredLevel_IsNotWritten()
    {
        var (log, factory) = Build(LogLevel.Warning);

        Write(factory.CreateLogger(AgentCategory), LogLevel.Error, new TaskCanceledException(), "read failed");

        Assert.Empty(log.Entries);
    }

    [Fact]
    public void OtherFailures_InAStreamCategory_KeepTheirLevel()
    {
        var (log, factory) = Build(LogLevel.Trace);
        var logger = factory.CreateLogger(AgentCategory);

        Write(logger, LogLevel.Error, new InvalidOperationException(), "queue gone");
        Write(logger, LogLevel.Error, null, "no exception");
        Write(logger, LogLevel.Warning, new OperationCanceledException(), "cancelled warning");

        Assert.Equal(
            [
                (AgentCategory, LogLevel.Error, "queue gone"),
                (AgentCategory, LogLevel.Error, "no exception"),
                (AgentCategory, LogLevel.Warning, "cancelled warning"),
            ],
            log.Entries);
    }

    [Fact]
    public void CancelledOperation_OutsideTheStreamCategories_KeepsItsLevel()
    {
        var (log, factory) = Build(LogLevel.Trace);

        Write(factory.CreateLogger("Orleans.Runtime.Catalog"), LogLevel.Error, new OperationCanceledException(), "stop failed");
        Write(factory.CreateLogger<CdpStreamLoggingTests>(), LogLevel.Error, new OperationCanceledException(), "ours");

        Assert.Equal(
            [
                ("Orleans.Runtime.Catalog", LogLevel.Error, "stop failed"),
                ("Cdp.UnitTests.CdpStreamLoggingTests", LogLevel.Error, "ours"),
            ],
            log.Entries);
    }

    [Fact]
    public void Install_WithoutTheStandardLoggerFactory_SaysWhatItNeeds()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddCdpStreamShutdownLogging());

        Assert.Contains("call it after AddLogging", error.Message, StringComparison.Ordinal);
    }

    // The raw call every logging helper, Orleans' generated ones included, ends in.
    private static void Write(ILogger logger, LogLevel level, Exception? exception, string message) =>
        logger.Log(level, default, message, exception, (text, _) => text);

    private static (RecordingProvider Log, ILoggerFactory Factory) Build(LogLevel minimum)
    {
        var log = new RecordingProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.ClearProviders().AddProvider(log).SetMinimumLevel(minimum));
        services.AddCdpStreamShutdownLogging();
        return (log, services.BuildServiceProvider().GetRequiredService<ILoggerFactory>());
    }

    private sealed class RecordingProvider : ILoggerProvider
    {
        public List<(string Category, LogLevel Level, string Message)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Recorder(RecordingProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(
                LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Add((category, logLevel, formatter(state, exception)));
        }
    }
}
