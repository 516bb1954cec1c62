using System.Diagnostics;

namespace Cdp.Bench.Hosting;

/// <summary>
/// Counts the HTTP requests the Azure SDK sends to one storage port, from .NET's own HttpClient activities:
/// every storage write, whoever makes it (archive transactions, profile snapshots, identity claims).
/// </summary>
public sealed class StorageRequestCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly int _port;
    private long _writes;
    private long _reads;

    public StorageRequestCounter(int port)
    {
        _port = port;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = Count,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Requests other than GET: entity-group transactions (POST $batch), upserts, inserts, deletes.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    public long Reads => Interlocked.Read(ref _reads);

    public void Dispose() => _listener.Dispose();

    private void Count(Activity activity)
    {
        if (activity.GetTagItem("server.port") is not int port || port != _port)
        {
            return;
        }

        if (activity.GetTagItem("http.request.method") as string == "GET")
        {
            Interlocked.Increment(ref _reads);
        }
        else
        {
            Interlocked.Increment(ref _writes);
        }
    }
}
