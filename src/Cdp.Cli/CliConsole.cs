namespace Cdp.Cli;

/// <summary>
/// Where a command reads and writes: the process's standard streams, or (in tests) writers of their own.
/// </summary>
internal sealed class CliConsole
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Opens standard input as a byte stream.</summary>
    public required Func<Stream> OpenInput { get; init; }

    /// <summary>True when standard error is a terminal, the only place progress is drawn.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Environment variables, by name (read for <c>CDP_*</c> and <c>Cdp__Client__*</c> settings).</summary>
    public required IReadOnlyDictionary<string, string?> Environment { get; init; }

    /// <summary>The folder relative paths are read from and written to.</summary>
    public required string WorkingDirectory { get; init; }

    public static CliConsole System() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        OpenInput = Console.OpenStandardInput,
        ErrorIsTerminal = !Console.IsErrorRedirected,
        Environment = global::System.Environment.GetEnvironmentVariables()
            .Cast<global::System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal),
        WorkingDirectory = global::System.Environment.CurrentDirectory,
    };

    public string FullPath(string path) => Path.GetFullPath(path, WorkingDirectory);
}
