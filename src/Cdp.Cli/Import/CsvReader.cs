using System.Text;

namespace Cdp.Cli.Import;

/// <summary>
/// Reads CSV as RFC 4180 describes it, one record at a time: fields split by the delimiter; a field in double
/// quotes may hold the delimiter, line breaks and doubled quotes (<c>""</c>); records end with CRLF, LF or CR.
/// A quote inside an unquoted field is kept as it is, as most exporters expect. Nothing is read ahead beyond
/// a small buffer, so files of any size stream through.
/// </summary>
internal sealed class CsvReader
{
    private const int Eof = -1;

    private readonly TextReader _reader;
    private readonly char _delimiter;
    private readonly char[] _buffer = new char[16 * 1024];
    private readonly StringBuilder _field = new();
    private int _position;
    private int _length;
    private long _line = 1;

    public CsvReader(TextReader reader, char delimiter = ',')
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (delimiter is '"' or '\r' or '\n')
        {
            throw new ArgumentException("A CSV delimiter cannot be a quote or a line break.", nameof(delimiter));
        }

        _reader = reader;
        _delimiter = delimiter;
    }

    /// <summary>
    /// Reads the next record into <paramref name="fields"/>. Returns false at the end of the input. A record
    /// that is not well-formed still comes back, with <see cref="CsvRecord.Error"/> saying what is wrong.
    /// </summary>
    public bool TryRead(List<string> fields, out CsvRecord record)
    {
        ArgumentNullException.ThrowIfNull(fields);
        fields.Clear();
        record = default;
        if (Peek() == Eof)
        {
            return false;
        }

        var startLine = _line;
        string? error = null;
        while (true)
        {
            _field.Clear();
            int end;
            if (Peek() == '"')
            {
                Read();
                end = ReadQuoted(fields.Count + 1, startLine, ref error);
            }
            else
            {
                end = ReadUnquoted();
            }

            fields.Add(_field.ToString());
            if (end != _delimiter)
            {
                record = new CsvRecord(startLine, error);
                return true;
            }
        }
    }

    // Reads up to and including the character that ends the field; returns it (delimiter, '\n' or Eof).
    private int ReadUnquoted()
    {
        while (true)
        {
            var c = Read();
            if (c == _delimiter || c == Eof)
            {
                return c;
            }

            if (c is '\r' or '\n')
            {
                EndLine(c);
                return '\n';
            }

            _field.Append((char)c);
        }
    }

    private int ReadQuoted(int fieldNumber, long startLine, ref string? error)
    {
        while (true)
        {
            var c = Read();
            if (c == Eof)
            {
                error ??= $"field {fieldNumber} opens a quote on line {startLine} that is never closed.";
                return Eof;
            }

            if (c == '"')
            {
                if (Peek() == '"')
                {
                    Read();
                    _field.Append('"');
                    continue;
                }

                break;
            }

            if (c == '\n' || (c == '\r' && Peek() != '\n'))
            {
                _line++;
            }

            _field.Append((char)c);
        }

        var next = Read();
        if (next == _delimiter || next == Eof)
        {
            return next;
        }

        if (next is '\r' or '\n')
        {
            EndLine(next);
            return '\n';
        }

        error ??= $"field {fieldNumber} has text after its closing quote.";
        _field.Append((char)next);
        return ReadUnquoted();
    }

    private void EndLine(int c)
    {
        if (c == '\r' && Peek() == '\n')
        {
            Read();
        }

        _line++;
    }

    private int Peek()
    {
        if (_position == _length && !Fill())
        {
            return Eof;
        }

        return _buffer[_position];
    }

    private int Read()
    {
        if (_position == _length && !Fill())
        {
            return Eof;
        }

        return _buffer[_position++];
    }

    private bool Fill()
    {
        _length = _reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }
}

/// <summary>Where a record starts (1-based line number) and, if it is not well-formed, why.</summary>
internal readonly record struct CsvRecord(long Line, string? Error);
