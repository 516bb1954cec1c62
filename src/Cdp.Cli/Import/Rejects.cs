using System.Globalization;

namespace Cdp.Cli.Import;

/// <summary>
/// Rejected rows: written to a CSV file (<c>line,reason,record</c>, created at the first reject), and the first
/// few also to standard error as <c>file:line: reason</c>, one line each.
/// </summary>
/// <param name="path">The rejects file; null to write none (then every reject goes to standard error).</param>
internal sealed class Rejects(string? path, string inputName, Progress progress, int echoLimit = 10) : IDisposable
{
    private readonly Lock _lock = new();
    private StreamWriter? _file;
    private long _count;

    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>The rejects file, once something was written to it.</summary>
    public string? FilePath => _file is null ? null : path;

    public void Add(long line, string reason, string text)
    {
        lock (_lock)
        {
            _count++;
            if (path is null)
            {
                progress.WriteLine($"{inputName}:{line.ToString(CultureInfo.InvariantCulture)}: {reason}");
                return;
            }

            if (_file is null)
            {
                _file = new StreamWriter(path, append: false);
                _file.WriteLine("line,reason,record");
            }

            _file.WriteLine(CsvRecords.Encode([line.ToString(CultureInfo.InvariantCulture), reason, text], ','));
            if (_count <= echoLimit)
            {
                progress.WriteLine($"{inputName}:{line.ToString(CultureInfo.InvariantCulture)}: {reason}");
            }
            else if (_count == echoLimit + 1)
            {
                progress.WriteLine($"{inputName}: more rows rejected; all are in {path}.");
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _file?.Dispose();
        }
    }
}

/// <summary>
/// A one-line progress display on standard error, redrawn at most five times a second: rows done, rate,
/// rejects, and (when the input's size is known) the share read and the time left. Drawn only on a terminal.
/// </summary>
internal sealed class Progress(TextWriter error, bool enabled, RunStats stats, Func<(long Read, long Length)?> position)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private TimeSpan _lastDraw;
    private int _drawnWidth;

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Tick()
    {
        if (!enabled || _clock.Elapsed - _lastDraw < TimeSpan.FromMilliseconds(200))
        {
            return;
        }

        lock (_lock)
        {
            _lastDraw = _clock.Elapsed;
            var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{stats.Done:N0} rows  {stats.Done / seconds:N0}/s  {stats.Rejected:N0} rejected");
            if (position() is { Length: > 0 } at && at.Read > 0)
            {
                var share = Math.Min(1.0, (double)at.Read / at.Length);
                var left = TimeSpan.FromSeconds(seconds * (1 - share) / share);
                line += string.Create(CultureInfo.InvariantCulture, $"  {share:P0}  {left:h\\:mm\\:ss} left");
            }

            error.Write("\r" + line.PadRight(_drawnWidth));
            _drawnWidth = line.Length;
            error.Flush();
        }
    }

    /// <summary>Writes a line to standard error, clearing the progress line first.</summary>
    public void WriteLine(string text)
    {
        lock (_lock)
        {
            ClearLine();
            error.WriteLine(text);
        }
    }

    public void Finish()
    {
        lock (_lock)
        {
            ClearLine();
        }
    }

    private void ClearLine()
    {
        if (_drawnWidth > 0)
        {
            error.Write("\r" + new string(' ', _drawnWidth) + "\r");
            _drawnWidth = 0;
        }
    }
}
