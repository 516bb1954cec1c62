using Cdp.Cli.Import;

namespace Cdp.Cli.Tests;

public sealed class CsvReaderTests
{
    private static List<(List<string> Fields, CsvRecord Record)> ReadAll(string text, char delimiter = ',')
    {
        var reader = new CsvReader(new StringReader(text), delimiter);
        var records = new List<(List<string>, CsvRecord)>();
        var fields = new List<string>();
        while (reader.TryRead(fields, out var record))
        {
            records.Add(([.. fields], record));
        }

        return records;
    }

    [Fact]
    public void Read_QuotedFields_KeepDelimitersAndDoubledQuotes()
    {
        var records = ReadAll("a,\"b,c\",\"d \"\"q\"\" e\",\"\"\n");

        var (fields, record) = Assert.Single(records);
        Assert.Equal(["a", "b,c", "d \"q\" e", ""], fields);
        Assert.Equal(new CsvRecord(1, null), record);
    }

    [Fact]
    public void Read_LineBreakInsideQuotes_IsPartOfTheFieldAndLinesCountOn()
    {
        var records = ReadAll("h1,h2\n1,\"two\nlines\"\n2,x\n");

        Assert.Equal(3, records.Count);
        Assert.Equal(["1", "two\nlines"], records[1].Fields);
        Assert.Equal(2, records[1].Record.Line);
        Assert.Equal(["2", "x"], records[2].Fields);
        Assert.Equal(4, records[2].Record.Line);
    }

    [Fact]
    public void Read_CrlfLineEnds_LeaveNoCarriageReturnsOutsideQuotes()
    {
        var records = ReadAll("a,b\r\n\"x\r\ny\",z\r\nlast,row");

        Assert.Equal(3, records.Count);
        Assert.Equal(["a", "b"], records[0].Fields);
        Assert.Equal(["x\r\ny", "z"], records[1].Fields);
        Assert.Equal(["last", "row"], records[2].Fields);
        Assert.Equal([1L, 2L, 4L], records.Select(r => r.Record.Line));
    }

    [Fact]
    public void Read_EmptyFieldsAndATrailingDelimiter_AreEmptyStrings()
    {
        var (fields, _) = Assert.Single(ReadAll("a,,\n"));

        Assert.Equal(["a", "", ""], fields);
    }

    [Fact]
    public void Read_UnclosedQuote_ComesBackWithTheLineItOpenedOn()
    {
        var records = ReadAll("ok,1\n\"never closed,2\nmore\n");

        Assert.Equal(2, records.Count);
        Assert.Equal("field 1 opens a quote on line 2 that is never closed.", records[1].Record.Error);
    }

    [Fact]
    public void Read_TextAfterAClosingQuote_IsAnErrorAndTheNextRecordIsIntact()
    {
        var records = ReadAll("\"a\"b,c\nd,e\n");

        Assert.Equal("field 1 has text after its closing quote.", records[0].Record.Error);
        Assert.Equal(["ab", "c"], records[0].Fields);
        Assert.Equal(["d", "e"], records[1].Fields);
        Assert.Equal(new CsvRecord(2, null), records[1].Record);
    }

    [Fact]
    public void Read_QuotedFieldLongerThanTheBuffer_IsReadWhole()
    {
        var text = new string('x', 40_000) + "\"\"" + new string('y', 10);

        var (fields, _) = Assert.Single(ReadAll($"\"{text}\";2\n", ';'));

        Assert.Equal([text.Replace("\"\"", "\"", StringComparison.Ordinal), "2"], fields);
    }

    [Fact]
    public void Encode_FieldsThatNeedQuotes_RoundTrip()
    {
        string[] fields = ["plain", "with,comma", "with \"quote\"", "two\nlines", ""];

        var line = CsvRecords.Encode(fields, ',');
        var (read, _) = Assert.Single(ReadAll(line));

        Assert.Equal("plain,\"with,comma\",\"with \"\"quote\"\"\",\"two\nlines\",", line);
        Assert.Equal(fields, read);
    }
}
