using System.IO.Compression;

namespace Cdp.Cli.Import;

/// <summary>The kinds of input the tool reads.</summary>
internal enum InputFormat
{
    Csv,
    Ndjson,
}

/// <summary>
/// An input file opened for streaming: gzip is recognised by its magic bytes (whatever the name) and unpacked
/// on the fly. <see cref="BytesRead"/> against <see cref="Length"/> (both of the file as stored) gives progress.
/// </summary>
internal sealed class InputFile : IDisposable
{
    private readonly FileStream _file;

    private InputFile(string displayName, FileStream file, Stream content, bool compressed)
    {
        DisplayName = displayName;
        _file = file;
        Content = content;
        Compressed = compressed;
    }

    public string DisplayName { get; }

    /// <summary>The file's content, unpacked when it is gzip.</summary>
    public Stream Content { get; }

    public bool Compressed { get; }

    public long Length => _file.Length;

    public long BytesRead => _file.Position;

    /// <exception cref="UsageException">The file is missing or cannot be read.</exception>
    public static InputFile Open(string path, string displayName)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"{displayName}: no such file.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{displayName}: cannot be read ({ex.Message}).");
        }

        Span<byte> magic = stackalloc byte[2];
        var read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        var gzip = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        Stream content = gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
        return new InputFile(displayName, file, content, gzip);
    }

    /// <summary>
    /// The format named by the file's extension (ignoring a trailing <c>.gz</c>), or null when it names none.
    /// </summary>
    public static InputFormat? FormatFromName(string path)
    {
        var name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        return Path.GetExtension(name).ToUpperInvariant() switch
        {
            ".CSV" or ".TSV" or ".TXT" => InputFormat.Csv,
            ".NDJSON" or ".JSONL" or ".JSON" => InputFormat.Ndjson,
            _ => null,
        };
    }

    public void Dispose()
    {
        if (!ReferenceEquals(Content, _file))
        {
            Content.Dispose();
        }

        _file.Dispose();
    }
}
