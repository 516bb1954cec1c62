using System.Text;
using System.Text.Json;
using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.Cli.Tests;

/// <summary><c>cdp send</c>, <c>profile</c> and <c>events</c>, in-process against the collection's cluster.</summary>
[Collection(MemoryClusterCollection.Name)]
public sealed class CommandTests(MemoryClusterFixture fixture) : IDisposable
{
    private readonly CliHarness _cli = new(fixture.Client);
    private readonly ICdpClient _client = fixture.Client;

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Send_NdjsonFileThenTheSameLinesOnStdin_AppliesEachEventOnceAndListsBadLines()
    {
        var user = TestIds.New("send");
        var lines =
            $$$"""{"type":"identify","userId":"{{{user}}}","traits":{"email":"{{{user}}}@example.com","first_name":"Ada"}}""" + "\n" +
            $$$"""{"type":"track","userId":"{{{user}}}","event":"Order Completed","messageId":"{{{user}}}-o1",""" +
            "\"properties\":{\"revenue\":25.5}}\n" +
            "\n" +
            $$$"""{"type":"page","userId":"{{{user}}}","name":"Pricing","timestamp":"2024-06-01T10:00:00Z"}""" + "\n" +
            """{"type":"track","userId":""" + "\n" +
            $$$"""{"userId":"{{{user}}}","event":"No Type"}""" + "\n";
        _cli.Write("events.ndjson", lines);

        var first = await _cli.RunAsync("send", "events.ndjson", "--source", "cli-test", "--json");
        var again = await _cli.RunWithInputAsync(lines, "send", "-", "--source", "cli-test", "--json");

        Assert.Equal(1, first.ExitCode);
        var errors = first.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, errors.Length);
        Assert.StartsWith("events.ndjson:5: $: ", errors[0], StringComparison.Ordinal);
        Assert.Equal("events.ndjson:6: type: is required.", errors[1]);
        var summary = JsonDocument.Parse(first.Out).RootElement;
        Assert.Equal((5, 3, 0, 2), (summary.GetProperty("rows").GetInt32(), summary.GetProperty("applied").GetInt32(),
            summary.GetProperty("duplicates").GetInt32(), summary.GetProperty("rejected").GetInt32()));
        var resent = JsonDocument.Parse(again.Out).RootElement;
        Assert.Equal((1, "stdin", 0, 3, 2), (again.ExitCode, resent.GetProperty("input").GetString(),
            resent.GetProperty("applied").GetInt32(), resent.GetProperty("duplicates").GetInt32(),
            resent.GetProperty("rejected").GetInt32()));
        Assert.StartsWith("stdin:5: ", again.Error, StringComparison.Ordinal);

        var profile = (await _client.GetProfileAsync(new ExternalId(IdentifierTypes.Email, $"{user}@example.com")))!;
        Assert.Equal(3, profile.EventCount);
        Assert.Equal((1L, 25.5m), (profile.Events["Order Completed"].Count, profile.Events["Order Completed"].Sum));
        Assert.Equal(1, profile.Events["Page Viewed"].Count);
        Assert.Equal(("Ada", "cli-test"), (profile.Traits["first_name"].Value.AsString(), profile.Traits["first_name"].Source));
        var archived = await _client.ReadAllEventsAsync(new ExternalId(IdentifierTypes.UserId, user)).ToListAsync();
        Assert.Contains(archived, e => e.Event.MessageId == $"{user}-o1");
        Assert.All(archived.Where(e => e.Event.MessageId != $"{user}-o1"),
            e => Assert.Matches("^send-[0-9a-f]{40}$", e.Event.MessageId!));
    }

    [Fact]
    public async Task Profile_HumanAndJson_ShowTheSameCustomer()
    {
        var user = TestIds.New("profile");
        var who = CustomerRef.User(user).And(IdentifierTypes.CrmId, "crm-" + user);
        var at = new DateTimeOffset(2024, 4, 2, 8, 0, 0, TimeSpan.Zero);
        await _client.IdentifyAsync(
            who, new() { ["first_name"] = "Grace", ["plan"] = "pro" }, new EventOptions { Timestamp = at, Source = "crm" });
        await _client.TrackAsync(
            who, "Order Completed", new() { ["revenue"] = 12.5 }, new EventOptions { Timestamp = at.AddDays(1), Source = "shop" });

        var text = await _cli.RunAsync("profile", $"user_id:{user}");
        var json = await _cli.RunAsync("profile", $"crm_id:crm-{user}", "--json");

        Assert.Equal((0, ""), (text.ExitCode, text.Error));
        var lines = text.Out.Split('\n');
        var customerId = (await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, user)))!.CustomerId;
        Assert.Equal($"Customer {customerId} (found by user_id:{user})", lines[0]);
        Assert.Equal("  first seen 2024-04-02 08:00:00Z, last seen 2024-04-03 08:00:00Z, 2 events", lines[1]);
        Assert.Contains("  first_name  Grace  [crm], 2024-04-02 08:00:00Z", lines);
        Assert.Contains("  Order Completed  1x, sum 12.5, 2024-04-03 08:00:00Z .. 2024-04-03 08:00:00Z", lines);
        Assert.Equal(0, json.ExitCode);
        var root = JsonDocument.Parse(json.Out).RootElement;
        Assert.Equal(customerId, root.GetProperty("customerId").GetString());
        Assert.Equal("Grace", root.GetProperty("traits").GetProperty("first_name").GetProperty("value").GetString());
        Assert.Equal("Behavioral", root.GetProperty("traits").GetProperty("plan").GetProperty("section").GetString());
        Assert.Equal((1, 12.5m), (root.GetProperty("events").GetProperty("Order Completed").GetProperty("count").GetInt32(),
            root.GetProperty("events").GetProperty("Order Completed").GetProperty("sum").GetDecimal()));
        Assert.Equal(2, root.GetProperty("identifiers").GetArrayLength());
    }

    [Fact]
    public async Task ProfileAndEvents_UnknownIdentifier_ExitFourWithOneLine()
    {
        var nobody = TestIds.New("nobody");

        var profile = await _cli.RunAsync("profile", $"email:{nobody}@example.com");
        var events = await _cli.RunAsync("events", $"user_id:{nobody}");

        Assert.Equal((4, "", $"cdp profile: no customer has the identifier email:{nobody}@example.com.\n"),
            (profile.ExitCode, profile.Out, profile.Error));
        Assert.Equal((4, "", $"cdp events: no customer has the identifier user_id:{nobody}.\n"),
            (events.ExitCode, events.Out, events.Error));
    }

    [Fact]
    public async Task Events_PagesThroughTheArchive_AndJsonLinesReadBackAsEvents()
    {
        var user = TestIds.New("events");
        await _client.SendBatchAsync(Enumerable.Range(1, 5).Select(i => new CdpEvent
        {
            Type = EventType.Track,
            UserId = user,
            Event = "Step",
            MessageId = $"{user}-{i}",
            Timestamp = new DateTimeOffset(2024, 1, i, 0, 0, 0, TimeSpan.Zero),
            Properties = new() { ["step"] = i },
        }).ToList());

        var all = await _cli.RunAsync("events", $"user_id:{user}", "--page-size", "2", "--json");
        var limited = await _cli.RunAsync("events", $"user_id:{user}", "--limit", "2");
        var rest = await _cli.RunAsync("events", $"user_id:{user}", "--after", "2");

        Assert.Equal((0, ""), (all.ExitCode, all.Error));
        var read = all.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => CdpJson.DeserializeEvent(Encoding.UTF8.GetBytes(l))).ToList();
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"{user}-{i}"), read.Select(e => e.MessageId));
        Assert.Equal(CdpValue.From(5), read[4].Properties!["step"]);
        var limitedLines = limited.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, limitedLines.Length);
        Assert.Equal($"     1  2024-01-01 00:00:00Z  track     Step  {{\"step\":1}}  [tests]  {user}-1", limitedLines[0]);
        Assert.Equal("cdp events: more events follow; continue with --after 2.\n", limited.Error);
        Assert.Equal(3, rest.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.StartsWith("     3  2024-01-03", rest.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_Mistakes_ExitTwoWithOneLine()
    {
        var none = await _cli.RunAsync();
        var unknownCommand = await _cli.RunAsync("imprt", "x.csv");
        var unknownOption = await _cli.RunAsync("import", "x.csv", "--bogus");
        var missingValue = await _cli.RunAsync("import", "x.csv", "--mapping");
        var badId = await _cli.RunAsync("profile", "ada@example.com");
        var badNumber = await _cli.RunAsync("import", "x.csv", "--parallel", "0");
        var help = await _cli.RunAsync("import", "--help");

        Assert.Equal(2, none.ExitCode);
        Assert.StartsWith("Usage: cdp COMMAND", none.Error, StringComparison.Ordinal);
        Assert.Equal(
            (2, "cdp imprt: 'imprt' is not a command; "
                + "the commands are import, send, profile, events, explain, journal, unmerge, rules, export, erase, consent, keys.\n"),
            (unknownCommand.ExitCode, unknownCommand.Error));
        Assert.Equal((2, "cdp import: 'import' has no option --bogus; see 'cdp import --help'.\n"),
            (unknownOption.ExitCode, unknownOption.Error));
        Assert.Equal((2, "cdp import: --mapping needs a value.\n"), (missingValue.ExitCode, missingValue.Error));
        Assert.Equal((2, "cdp profile: 'ada@example.com' is not an identifier; write TYPE:VALUE, e.g. email:ada@example.com.\n"),
            (badId.ExitCode, badId.Error));
        Assert.Equal((2, "cdp import: --parallel must be a whole number from 1 to 64, not '0'.\n"), (badNumber.ExitCode, badNumber.Error));
        Assert.Equal(0, help.ExitCode);
        Assert.StartsWith("Usage: cdp import FILE", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplainJournalUnmerge_OnAMergedPair_PrintTheChainAndUndoIt()
    {
        var ada = TestIds.New("ada");
        var crm = TestIds.New("crm");
        var first = await _client.TrackAsync(CustomerRef.User(ada), "Signed In");
        var second = await _client.TrackAsync(CustomerRef.By(IdentifierTypes.CrmId, crm), "Ticket Opened");
        var link = await _client.TrackAsync(CustomerRef.User(ada).And(IdentifierTypes.CrmId, crm), "Support Chat");

        var explain = await _cli.RunAsync("explain", $"crm_id:{crm}");
        var journal = await _cli.RunAsync("journal", $"user_id:{ada}", "--json");
        var entryId = (await _client.GetMergeJournalAsync(new ExternalId(IdentifierTypes.UserId, ada))).Single().EntryId;
        var unmerge = await _cli.RunAsync("unmerge", $"user_id:{ada}", entryId);
        var twice = await _cli.RunAsync("unmerge", $"user_id:{ada}", entryId);
        var unknown = await _cli.RunAsync("unmerge", $"user_id:{ada}", "j-none");

        Assert.Equal(0, explain.ExitCode);
        var lines = explain.Out.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Contains(
            $"crm_id:{crm} first arrived on a track event 'Ticket Opened' (messageId {second.MessageId}",
            lines[0],
            StringComparison.Ordinal);
        Assert.Contains($"customer {second.CustomerId} was merged into {first.CustomerId}", lines[1], StringComparison.Ordinal);
        Assert.Equal(0, journal.ExitCode);
        Assert.Contains($"\"messageId\": \"{link.MessageId}\"", journal.Out, StringComparison.Ordinal);
        Assert.Equal((0, ""), (unmerge.ExitCode, unmerge.Error));
        Assert.Contains("Unmerged [unmerge]", unmerge.Out, StringComparison.Ordinal);
        Assert.Equal(2, twice.ExitCode);
        Assert.Equal(
            (4, $"cdp unmerge: customer {first.CustomerId} has no merge journal entry 'j-none'.\n"),
            (unknown.ExitCode, unknown.Error));
        Assert.NotEqual(
            (await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, ada)))!.CustomerId,
            (await _client.GetProfileAsync(new ExternalId(IdentifierTypes.CrmId, crm)))!.CustomerId);
    }

    [Fact]
    public async Task Rules_PrintedAndSetFromAFile_BadOnesExitTwoNamingTheField()
    {
        var shown = await _cli.RunAsync("rules");
        _cli.Write("bad.json", """{"types": {"email": {"priority": 1, "limit": 0}}}""");
        var bad = await _cli.RunAsync("rules", "--set", "bad.json");
        _cli.Write("unknown.json", """{"maxIdentifier": 3}""");
        var unknown = await _cli.RunAsync("rules", "--set", "unknown.json");

        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("\"user_id\": {", shown.Out, StringComparison.Ordinal);
        Assert.Equal((2, "cdp rules: types.email.limit: is 0; it must be between 1 and 10000.\n"), (bad.ExitCode, bad.Error));
        Assert.Equal(2, unknown.ExitCode);
        Assert.StartsWith("cdp rules: 'unknown.json' is not identity rules JSON:", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_CreatedListedAndRevoked_SecretPrintedOnce()
    {
        using var cli = new CliHarness(new FixedConnector(_client, new CdpApiKeys(fixture.Grains)));
        var name = TestIds.New("tracker");

        var created = await cli.RunAsync("keys", "create", name, "--scopes", "ingest,profiles:read");
        var secret = created.Out.Trim();
        var id = ApiKeyFormat.TryGetId(secret) ?? "";
        var listed = await cli.RunAsync("keys", "list");
        var revoked = await cli.RunAsync("keys", "revoke", id);
        var unknown = await cli.RunAsync("keys", "revoke", "0000000000000000");
        var badScope = await cli.RunAsync("keys", "create", "x", "--scopes", "everything");

        Assert.Equal(0, created.ExitCode);
        Assert.StartsWith("cdp_", secret, StringComparison.Ordinal);
        Assert.Contains($"{id}  {name}  ingest,profiles:read\n", listed.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed.Out, StringComparison.Ordinal);
        Assert.Equal((0, 4), (revoked.ExitCode, unknown.ExitCode));
        var after = await cli.RunAsync("keys", "list");
        Assert.Contains($"{id}  {name}  ingest,profiles:read  revoked ", after.Out, StringComparison.Ordinal);
        Assert.Equal(2, badScope.ExitCode);
    }

    [Fact]
    public async Task Consent_LedgerAndPurposeCheck_PrintedForPeople()
    {
        var user = TestIds.New("consent");
        var at = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        var grant = new ConsentChange("email_marketing", ConsentStatus.Granted, PolicyVersion: "v2");
        await _client.SetConsentAsync(CustomerRef.User(user), [grant], new EventOptions { Timestamp = at, Source = "preferences" });

        var allowed = await _cli.RunAsync("consent", $"user_id:{user}", "--purpose", "Email Marketing");
        var denied = await _cli.RunAsync("consent", $"user_id:{user}", "--purpose", "advertising", "--channel", "web");
        var unknownPurpose = await _cli.RunAsync("consent", $"user_id:{user}", "--purpose", "telepathy");

        Assert.Equal(
            (0, "allowed\nemail_marketing  granted as of 2026-03-01 09:00:00Z, policy v2 [preferences]\nHistory (1)\n"
                + "  email_marketing  granted as of 2026-03-01 09:00:00Z, policy v2 [preferences]\n"),
            (allowed.ExitCode, allowed.Out));
        Assert.Equal((0, "not allowed"), (denied.ExitCode, denied.Out.Split('\n')[0]));
        Assert.Equal(2, unknownPurpose.ExitCode);
    }
}
