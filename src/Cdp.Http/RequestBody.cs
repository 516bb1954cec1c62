using System.IO.Compression;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>
/// Reads a request body into memory, never more than a limit: on the wire and, for <c>Content-Encoding: gzip</c>,
/// again after decompression, so a small compressed body cannot expand into a large one.
/// </summary>
internal static class RequestBody
{
    /// <summary>The body, or the answer to give instead (413 too large, 415 unknown encoding, 400 bad gzip).</summary>
    public static async Task<(byte[]? Body, JsonAnswer? Refusal)> ReadAsync(HttpRequest request, int limit)
    {
        var encoding = request.Headers.ContentEncoding.ToString().Trim();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return (null, JsonAnswer.Error(StatusCodes.Status415UnsupportedMediaType, "unsupported_encoding",
                $"Content-Encoding '{Shorten(encoding)}' is not supported; send the body plain or gzip-compressed."));
        }

        if (request.ContentLength > limit)
        {
            return (null, TooLarge(limit));
        }

        var cancellationToken = request.HttpContext.RequestAborted;
        var raw = await ReadBoundedAsync(request.Body, limit, cancellationToken);
        if (raw is null)
        {
            return (null, TooLarge(limit));
        }

        if (!gzip)
        {
            return (raw, null);
        }

        try
        {
            await using var unzip = new GZipStream(new MemoryStream(raw, writable: false), CompressionMode.Decompress);
            var body = await ReadBoundedAsync(unzip, limit, cancellationToken);
            return body is null ? (null, TooLarge(limit)) : (body, null);
        }
        catch (InvalidDataException)
        {
            return (null, JsonAnswer.Invalid([new CdpValidationError("$", CdpValidationRule.MalformedJson,
                "is marked Content-Encoding: gzip but is not valid gzip data.")]));
        }
    }

    public static JsonAnswer TooLarge(int limit) => JsonAnswer.Error(StatusCodes.Status413PayloadTooLarge, "too_large",
        $"The body is larger than {limit / 1024} KB (counted after decompression).",
        [new CdpValidationError("$", CdpValidationRule.TooLarge, $"may be at most {limit} bytes.")]);

    // Reads up to limit bytes; null when the stream holds more.
    private static async Task<byte[]?> ReadBoundedAsync(Stream stream, int limit, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return buffer.ToArray();
            }

            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
