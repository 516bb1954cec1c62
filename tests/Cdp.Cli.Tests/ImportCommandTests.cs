using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.Cli.Tests;

/// <summary><c>cdp import</c> run in-process against the collection's in-process cluster.</summary>
[Collection(MemoryClusterCollection.Name)]
public sealed class ImportCommandTests(MemoryClusterFixture fixture) : IDisposable
{
    private readonly CliHarness _cli = new(fixture.Client);
    private readonly ICdpClient _client = fixture.Client;
    private readonly string _domain = TestIds.New("crm") + ".example.com";

    public void Dispose() => _cli.Dispose();

    private ExternalId Email(string localPart) => new(IdentifierTypes.Email, $"{localPart}@{_domain}");

    private static JsonElement Summary(CliResult result) => JsonDocument.Parse(result.Out).RootElement;

    private static (long Rows, long Applied, long Duplicates, long Rejected) Counts(CliResult result)
    {
        var summary = Summary(result);
        return (summary.GetProperty("rows").GetInt64(), summary.GetProperty("applied").GetInt64(),
            summary.GetProperty("duplicates").GetInt64(), summary.GetProperty("rejected").GetInt64());
    }

    [Fact]
    public async Task Import_SampleContactsThenOrders_BuildsExactProfilesAndAReimportChangesNothing()
    {
        _cli.Write("contacts.csv", Samples.ReadUnique("contacts.csv", _domain));
        _cli.Write("orders.csv", Samples.ReadUnique("orders.csv", _domain));
        _cli.Write("orders.mapping.json", Samples.Read("orders.mapping.json"));

        var contacts = await _cli.RunAsync("import", "contacts.csv", "--source", "crm", "--json");
        var orders = await _cli.RunAsync("import", "orders.csv", "--mapping", "orders.mapping.json", "--json");

        Assert.Equal((0, ""), (contacts.ExitCode, contacts.Error));
        Assert.Equal((20L, 20L, 0L, 0L), Counts(contacts));
        Assert.Equal("crm", Summary(contacts).GetProperty("source").GetString());
        Assert.Equal((0, ""), (orders.ExitCode, orders.Error));
        Assert.Equal((15L, 15L, 0L, 0L), Counts(orders));
        Assert.Equal("shop", Summary(orders).GetProperty("source").GetString());

        var ada = (await _client.GetProfileAsync(Email("ada.lindqvist")))!;
        Assert.Equal(
            [$"crm_id:{_domain[..12]}-C-1001", $"email:ada.lindqvist@{_domain}"],
            ada.Identifiers.Select(i => i.ToExternalId().ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["city", "company", "country", "created_at", "email", "first_name", "job_title", "last_name", "phone", "plan"],
            ada.Traits.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(CdpValue.From("Ada"), ada.Traits["first_name"].Value);
        Assert.Equal(CdpValue.From("Northwind Traders"), ada.Traits["company"].Value);
        Assert.Equal(CdpValue.From("+46 8 555 0101"), ada.Traits["phone"].Value);
        Assert.Equal(("crm", ProfileSection.Behavioral), (ada.Traits["plan"].Source, ada.Traits["plan"].Section));
        Assert.Equal(4, ada.EventCount);
        var adaOrders = ada.Events["Order Completed"];
        Assert.Equal((3L, 500.00m), (adaOrders.Count, adaOrders.Sum));
        Assert.Equal(DateTimeOffset.Parse("2024-03-01T09:15:00Z", System.Globalization.CultureInfo.InvariantCulture), adaOrders.FirstTime);
        Assert.Equal(DateTimeOffset.Parse("2024-03-11T18:25:00Z", System.Globalization.CultureInfo.InvariantCulture), adaOrders.LastTime);

        var bruno = (await _client.GetProfileAsync(Email("bruno.maartens")))!;
        Assert.Equal(CdpValue.From("Fabrikam, Inc."), bruno.Traits["company"].Value);
        var grace = (await _client.GetProfileAsync(Email("grace.okafor")))!;
        Assert.Equal(CdpValue.From("Adventure Works \"East\""), grace.Traits["company"].Value);
        Assert.Equal((2L, 500.24m), (grace.Events["Order Completed"].Count, grace.Events["Order Completed"].Sum));
        var dmitri = (await _client.GetProfileAsync(Email("dmitri.volkov")))!;
        Assert.False(dmitri.Traits.ContainsKey("phone"));
        var chiara = (await _client.GetProfileAsync(new ExternalId(IdentifierTypes.CrmId, _domain[..12] + "-C-1003")))!;
        Assert.Equal((2L, 1349.00m), (chiara.Events["Order Completed"].Count, chiara.Events["Order Completed"].Sum));
        var quinn = (await _client.GetProfileAsync(Email("quinn.murphy")))!;
        Assert.Equal((1L, 0), (quinn.EventCount, quinn.Events.Count));

        var contactsAgain = await _cli.RunAsync("import", "contacts.csv", "--source", "crm", "--json");
        var ordersAgain = await _cli.RunAsync("import", "orders.csv", "--mapping", "orders.mapping.json", "--json");

        Assert.Equal((0, 20L, 0L, 20L, 0L), (contactsAgain.ExitCode, Counts(contactsAgain).Rows, Counts(contactsAgain).Applied,
            Counts(contactsAgain).Duplicates, Counts(contactsAgain).Rejected));
        Assert.Equal((15L, 0L, 15L, 0L), Counts(ordersAgain));
        var adaAgain = (await _client.GetProfileAsync(Email("ada.lindqvist")))!;
        var adaOrdersAgain = adaAgain.Events["Order Completed"];
        Assert.Equal((4L, 3L, 500.00m), (adaAgain.EventCount, adaOrdersAgain.Count, adaOrdersAgain.Sum));
        Assert.Equal(ada.Sequence, adaAgain.Sequence);
    }

    [Fact]
    public async Task Import_SummaryLine_SaysWhatHappened()
    {
        _cli.Write("few.csv", $"email,plan\nx@{_domain},pro\ny@{_domain},free\n");

        var result = await _cli.RunAsync("import", "few.csv", "--source", "crm");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(
            @"^few\.csv: 2 rows in [0-9.]+ s \([0-9,]+ rows/s\): 2 applied, 0 duplicates, 0 rejected; source 'crm'\.\n$", result.Out);
    }

    [Fact]
    public async Task Import_MissingFile_ExitsTwoWithOneLine()
    {
        var result = await _cli.RunAsync("import", "nope.csv");

        Assert.Equal((2, "", "cdp import: nope.csv: no such file.\n"), (result.ExitCode, result.Out, result.Error));
    }

    [Fact]
    public async Task Import_SemicolonFileReadWithCommas_SuggestsTheDelimiterAndSendsNothing()
    {
        _cli.Write("semi.csv", $"email;first_name;plan\nsemi@{_domain};Ada;pro\n");

        var wrong = await _cli.RunAsync("import", "semi.csv");
        var right = await _cli.RunAsync("import", "semi.csv", "--delimiter", ";", "--json");

        Assert.Equal(2, wrong.ExitCode);
        Assert.Equal(
            "cdp import: semi.csv: the header row has one column ('email;first_name;plan') split by ';', not by ','; " +
            "try --delimiter ';'.\n",
            wrong.Error);
        Assert.Equal((0, 1L, 1L), (right.ExitCode, Counts(right).Rows, Counts(right).Applied));
        var profile = (await _client.GetProfileAsync(Email("semi")))!;
        Assert.Equal((CdpValue.From("Ada"), 1L), (profile.Traits["first_name"].Value, profile.EventCount));
    }

    [Fact]
    public async Task Import_RaggedRows_AreRejectedWithLineNumbersAndTheRestApplied()
    {
        _cli.Write("ragged.csv",
            $"email,first_name,plan\nr1@{_domain},Ann,pro\nr2@{_domain},Bob,free,extra\nr3@{_domain},Cy\nr4@{_domain},Dee,pro\n");

        var result = await _cli.RunAsync("import", "ragged.csv", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal((4L, 2L, 0L, 2L), Counts(result));
        Assert.Equal(
            "ragged.csv:3: the row has 4 fields; the header has 3.\nragged.csv:4: the row has 2 fields; the header has 3.\n",
            result.Error);
        Assert.Equal(
            $"line,reason,record\n3,the row has 4 fields; the header has 3.,\"r2@{_domain},Bob,free,extra\"\n" +
            $"4,the row has 2 fields; the header has 3.,\"r3@{_domain},Cy\"\n",
            _cli.Read("ragged.rejects.csv"));
        Assert.Equal("ragged.rejects.csv", Summary(result).GetProperty("rejectsFile").GetString());
        Assert.Null(await _client.GetProfileAsync(Email("r2")));
        Assert.Null(await _client.GetProfileAsync(Email("r3")));
        Assert.Equal(1, (await _client.GetProfileAsync(Email("r4")))!.EventCount);
    }

    [Fact]
    public async Task Import_BadAndOutOfRangeDates_RejectOnlyTheirRowsOfTheBatch()
    {
        _cli.Write("orders.mapping.json", Samples.Read("orders.mapping.json"));
        _cli.Write("dates.csv",
            "order_id,customer_email,ordered_at,total,currency,items,status\n" +
            $"D-1,d1@{_domain},2024-05-01T10:00:00Z,10.50,EUR,1,completed\n" +
            $"D-2,d2@{_domain},2024-13-45,20,EUR,1,completed\n" +
            $"D-3,d3@{_domain},2099-01-01,30,EUR,1,completed\n" +
            $"D-4,d4@{_domain},2024-05-02,not-a-number,EUR,1,completed\n" +
            $"D-5,d1@{_domain},2024-05-03 08:30:00,4.25,EUR,1,completed\n");

        var result = await _cli.RunAsync("import", "dates.csv", "--mapping", "orders.mapping.json", "--rejects", "bad-dates.csv", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal((5L, 2L, 0L, 3L), Counts(result));
        Assert.Equal(
            "dates.csv:3: column 'ordered_at': '2024-13-45' is not a date; use ISO 8601, e.g. 2024-05-17 or 2024-05-17T14:30:00Z.\n" +
            "dates.csv:4: timestamp: must lie between 1970-01-01 and 24 hours from now.\n" +
            "dates.csv:5: column 'total': 'not-a-number' is not a number.\n",
            result.Error);
        Assert.StartsWith("line,reason,record\n3,", _cli.Read("bad-dates.csv"), StringComparison.Ordinal);
        var d1 = (await _client.GetProfileAsync(Email("d1")))!;
        Assert.Equal((2L, 14.75m), (d1.Events["Order Completed"].Count, d1.Events["Order Completed"].Sum));
        Assert.Equal(DateTimeOffset.Parse("2024-05-03T08:30:00Z", System.Globalization.CultureInfo.InvariantCulture),
            d1.Events["Order Completed"].LastTime);
        Assert.Null(await _client.GetProfileAsync(Email("d2")));
        Assert.Null(await _client.GetProfileAsync(Email("d3")));
        Assert.Null(await _client.GetProfileAsync(Email("d4")));
    }

    [Fact]
    public async Task Import_EmptyIdentifierCells_RejectThoseRowsByLine()
    {
        _cli.Write("gaps.csv", $"email,first_name\ng1@{_domain},Ann\n,Bob\ng3@{_domain},Cy\n  ,Dee\n");

        var result = await _cli.RunAsync("import", "gaps.csv", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal((4L, 2L, 0L, 2L), Counts(result));
        Assert.Equal(
            "gaps.csv:3: no identifier: column 'email' is empty.\ngaps.csv:5: no identifier: column 'email' is empty.\n",
            result.Error);
        Assert.Equal(CdpValue.From("Cy"), (await _client.GetProfileAsync(Email("g3")))!.Traits["first_name"].Value);
    }

    [Fact]
    public async Task Import_MappingWithAnUnknownField_ExitsTwoNamingTheField()
    {
        _cli.Write("c.csv", $"email,plan\nm@{_domain},pro\n");
        _cli.Write("typo.json", """{ "source": "crm", "trait": ["plan"] }""");
        _cli.Write("column.json", """{ "identifiers": { "mail": "email" } }""");

        var typo = await _cli.RunAsync("import", "c.csv", "--mapping", "typo.json");
        var column = await _cli.RunAsync("import", "c.csv", "--mapping", "column.json");

        Assert.Equal(2, typo.ExitCode);
        Assert.Equal(
            "cdp import: mapping typo.json: trait: is not a mapping field; " +
            "the fields are source, key, identifiers, traits, timestamp, track, types.\n",
            typo.Error);
        Assert.Equal(2, column.ExitCode);
        Assert.Equal(
            "cdp import: mapping column.json: identifiers.mail: column 'mail' is not in the header of c.csv; " +
            "its columns are email, plan.\n",
            column.Error);
        Assert.Null(await _client.GetProfileAsync(Email("m")));
    }

    [Fact]
    public async Task Import_NoIdentifierColumn_ExitsTwoAskingForAMapping()
    {
        _cli.Write("anon.csv", "name,plan\nAnn,pro\n");

        var result = await _cli.RunAsync("import", "anon.csv");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            "cdp import: anon.csv: no column is an identifier (none is named email, user_id, anonymous_id, crm_id or id); " +
            "give a mapping file (--mapping) that names the identifier columns.\n",
            result.Error);
    }

    [Fact]
    public async Task Import_GzipByNameAndByContent_ReadsTheSameRows()
    {
        var csv = Samples.ReadUnique("contacts.csv", _domain);
        WriteGzip("contacts.csv.gz", csv);
        WriteGzip("packed-but-named.csv", csv.Replace("-C-10", "-G-10", StringComparison.Ordinal));

        var byName = await _cli.RunAsync("import", "contacts.csv.gz", "--source", "crm", "--json");
        var byContent = await _cli.RunAsync("import", "packed-but-named.csv", "--source", "crm", "--json");

        Assert.Equal((0, 20L, 20L), (byName.ExitCode, Counts(byName).Rows, Counts(byName).Applied));
        Assert.Equal((0, 20L, 20L), (byContent.ExitCode, Counts(byContent).Rows, Counts(byContent).Applied));
        var tara = (await _client.GetProfileAsync(Email("tara.singh")))!;
        Assert.Equal(
            [$"crm_id:{_domain[..12]}-C-1020", $"crm_id:{_domain[..12]}-G-1020", $"email:tara.singh@{_domain}"],
            tara.Identifiers.Select(i => i.ToExternalId().ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(2, tara.EventCount);
    }

    [Fact]
    public async Task Import_NdjsonRecords_KeepJsonTypesAndUseTheMapping()
    {
        _cli.Write("tickets.jsonl",
            $"{{\"ticket\":\"T-1\",\"email\":\"n1@{_domain}\",\"opened\":\"2024-06-01T12:00:00Z\",\"priority\":2,\"tags\":[\"vip\"]}}\n" +
            "\n" +
            $"{{\"ticket\":\"T-2\",\"email\":\"n1@{_domain}\",\"opened\":\"2024-06-03T12:00:00Z\",\"priority\":1}}\n" +
            "{\"ticket\":\"T-3\",\"email\":\n");
        _cli.Write("tickets.json", """
            { "source": "desk", "key": "ticket", "identifiers": { "email": "email" },
              "track": { "event": "Ticket Created", "timestamp": "opened" } }
            """);

        var result = await _cli.RunAsync("import", "tickets.jsonl", "--mapping", "tickets.json", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal((3L, 2L, 0L, 1L), Counts(result));
        Assert.StartsWith("tickets.jsonl:4: the line is not valid JSON", result.Error, StringComparison.Ordinal);
        var id = Email("n1");
        var events = await _client.ReadAllEventsAsync(id).ToListAsync();
        Assert.Equal(2, events.Count);
        var first = events.Single(e => e.Event.Properties!["ticket"].Equals(CdpValue.From("T-1"))).Event;
        Assert.Equal(CdpValue.From(2), first.Properties!["priority"]);
        Assert.Equal(CdpValue.Array(CdpValue.From("vip")), first.Properties["tags"]);
        Assert.False(first.Properties.ContainsKey("opened"));
        var section = (await _client.GetProfileAsync(id))!.Events["Ticket Created"].Section;
        Assert.Equal(("desk", ProfileSection.Engagement), (first.Source, section));
    }

    [Fact]
    public async Task Import_DryRun_ChecksEveryRowAndSendsNothing()
    {
        _cli.Write("dry.csv", $"email,plan\ndry1@{_domain},pro\n,free\n");

        var result = await _cli.RunAsync("import", "dry.csv", "--dry-run", "--json");

        Assert.Equal(1, result.ExitCode);
        var summary = Summary(result);
        Assert.Equal((true, 2L, 1L, 1L), (summary.GetProperty("dryRun").GetBoolean(), summary.GetProperty("rows").GetInt64(),
            summary.GetProperty("valid").GetInt64(), summary.GetProperty("rejected").GetInt64()));
        Assert.Null(await _client.GetProfileAsync(Email("dry1")));
    }

    private void WriteGzip(string name, string content)
    {
        using var file = File.Create(_cli.PathOf(name));
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(content));
    }
}
