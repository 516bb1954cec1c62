using System.Globalization;
using Cdp.Grains.Hosting;

namespace Cdp.Grains.Domain;

/// <summary>
/// The deployment's consent purposes, and the reading of consent from events. Three forms are read, all from the
/// event's <c>context</c>:
/// <list type="bullet">
/// <item><c>consent.categoryPreferences</c>: category name to true or false, as Segment's consent manager sends it;</item>
/// <item><c>consentManagement.allowedConsentIds</c> / <c>deniedConsentIds</c>: lists of category ids, as RudderStack sends them;</item>
/// <item><c>consent.purposes</c>: a list of <c>{ purpose, status, channel?, legalBasis?, policyVersion?, expiresAt? }</c>,
/// Cdp's own form, with the full ledger fields.</item>
/// </list>
/// Category names match purposes ignoring case, with spaces, '-' and '.' read as '_' (<c>Email Marketing</c> is
/// <c>email_marketing</c>), or through configured aliases.
/// </summary>
public sealed class ConsentCatalog
{
    private const int MaxChangesPerEvent = 50;
    private const int MaxFieldLength = 256;

    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _channels = new(StringComparer.Ordinal);

    public ConsentCatalog(CdpConsentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (purpose, settings) in options.Purposes)
        {
            var name = Normalize(purpose);
            _names[name] = name;
            _channels[name] = new HashSet<string>(settings.Channels.Select(Normalize), StringComparer.Ordinal);
        }

        foreach (var (alias, purpose) in options.Aliases)
        {
            _names[Normalize(alias)] = Normalize(purpose);
        }

        MaxHistory = options.MaxHistory;
    }

    /// <summary>The catalog of the default purposes.</summary>
    public static ConsentCatalog Default { get; } = new(new CdpConsentOptions());

    /// <summary>The purposes, by their catalog names.</summary>
    public IEnumerable<string> Purposes => _channels.Keys;

    /// <summary>How many consent decisions a profile's history keeps.</summary>
    public int MaxHistory { get; }

    /// <summary>The catalog name of a purpose or category, or null when the catalog does not know it.</summary>
    public string? PurposeOf(string name) => _names.GetValueOrDefault(Normalize(name));

    /// <summary>True when the purpose takes decisions for the channel (channels are declared per purpose).</summary>
    public bool HasChannel(string purpose, string channel) =>
        _channels.TryGetValue(purpose, out var channels) && channels.Contains(Normalize(channel));

    /// <summary>
    /// The consent decisions an event carries, in the catalog's names. Problems go to <paramref name="errors"/>
    /// with their field path (the event is then refused); without a list they are skipped.
    /// </summary>
    public List<ConsentChange> Read(CdpEvent evt, List<CdpValidationError>? errors = null, int? index = null)
    {
        var changes = new List<ConsentChange>();
        var context = evt.Context;
        if (context is null)
        {
            return changes;
        }

        if (context.TryGetValue("consent", out var consent) && consent.Kind == CdpValueKind.Object)
        {
            if (consent["categoryPreferences"] is { IsNull: false } preferences)
            {
                ReadPreferences(preferences, changes, errors, index);
            }

            if (consent["purposes"] is { IsNull: false } purposes)
            {
                ReadPurposes(purposes, changes, errors, index);
            }
        }
        else if (consent is not null && !consent.IsNull)
        {
            Fail(errors, "context.consent", CdpValidationRule.WrongType, "must be an object.", index);
        }

        if (context.TryGetValue("consentManagement", out var management) && !management.IsNull &&
            management.Kind != CdpValueKind.Object)
        {
            Fail(errors, "context.consentManagement", CdpValidationRule.WrongType, "must be an object.", index);
        }
        else if (management is { Kind: CdpValueKind.Object })
        {
            const string Path = "context.consentManagement.";
            ReadIds(management["allowedConsentIds"], Path + "allowedConsentIds", ConsentStatus.Granted, changes, errors, index);
            ReadIds(management["deniedConsentIds"], Path + "deniedConsentIds", ConsentStatus.Denied, changes, errors, index);
        }

        if (changes.Count > MaxChangesPerEvent)
        {
            Fail(errors, "context.consent", CdpValidationRule.TooMany, $"at most {MaxChangesPerEvent} consent decisions per event.", index);
        }

        // Two decisions for one purpose (and channel) in one event would be settled by the order they are read in.
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            var key = change.Channel is null ? change.Purpose : change.Purpose + "/" + change.Channel;
            if (!keys.Add(key))
            {
                Fail(errors, "context.consent", CdpValidationRule.Conflict,
                    $"the event decides '{key}' more than once; send one decision per purpose (and channel).", index);
                changes.RemoveAll(c => (c.Channel is null ? c.Purpose : c.Purpose + "/" + c.Channel) == key);
                break;
            }
        }

        return changes;
    }

    private void ReadPreferences(CdpValue preferences, List<ConsentChange> changes, List<CdpValidationError>? errors, int? index)
    {
        const string Path = "context.consent.categoryPreferences";
        if (preferences.Kind != CdpValueKind.Object)
        {
            Fail(errors, Path, CdpValidationRule.WrongType, "must be an object of category names to true or false.", index);
            return;
        }

        foreach (var (category, value) in preferences.AsObject())
        {
            var field = $"{Path}.{category}";
            if (Purpose(category, field, errors, index) is not { } purpose)
            {
                continue;
            }

            if (value.Kind != CdpValueKind.Boolean)
            {
                Fail(errors, field, CdpValidationRule.WrongType, "must be true (granted) or false (denied).", index);
                continue;
            }

            changes.Add(new ConsentChange(purpose, value.AsBoolean() ? ConsentStatus.Granted : ConsentStatus.Denied));
        }
    }

    private void ReadIds(
        CdpValue? ids, string path, ConsentStatus status, List<ConsentChange> changes, List<CdpValidationError>? errors, int? index)
    {
        if (ids is null || ids.IsNull)
        {
            return;
        }

        if (ids.Kind != CdpValueKind.Array)
        {
            Fail(errors, path, CdpValidationRule.WrongType, "must be a list of category ids.", index);
            return;
        }

        var items = ids.AsArray();
        for (var i = 0; i < items.Count; i++)
        {
            var field = $"{path}[{i}]";
            if (!items[i].TryGetString(out var id))
            {
                Fail(errors, field, CdpValidationRule.WrongType, "must be a category id (a string).", index);
            }
            else if (Purpose(id, field, errors, index) is { } purpose)
            {
                changes.Add(new ConsentChange(purpose, status));
            }
        }
    }

    private void ReadPurposes(CdpValue purposes, List<ConsentChange> changes, List<CdpValidationError>? errors, int? index)
    {
        const string Path = "context.consent.purposes";
        if (purposes.Kind != CdpValueKind.Array)
        {
            Fail(errors, Path, CdpValidationRule.WrongType, "must be a list of { purpose, status, ... } objects.", index);
            return;
        }

        var items = purposes.AsArray();
        for (var i = 0; i < items.Count; i++)
        {
            var field = $"{Path}[{i}]";
            if (items[i].Kind != CdpValueKind.Object)
            {
                Fail(errors, field, CdpValidationRule.WrongType, "must be an object { purpose, status, ... }.", index);
                continue;
            }

            var item = items[i];
            var problems = errors?.Count ?? 0;
            var purpose = Text(item, "purpose", field, required: true, errors, index) is { } name
                ? Purpose(name, field + ".purpose", errors, index)
                : null;
            var status = Status(item["status"], field + ".status", errors, index);
            var channel = Text(item, "channel", field, required: false, errors, index);
            var legalBasis = Text(item, "legalBasis", field, required: false, errors, index);
            var policyVersion = Text(item, "policyVersion", field, required: false, errors, index);
            var expiresAt = Date(item["expiresAt"], field + ".expiresAt", errors, index);
            if (purpose is not null && channel is not null && !HasChannel(purpose, channel))
            {
                Fail(errors, field + ".channel", CdpValidationRule.NotFound,
                    $"'{channel}' is not a channel of purpose '{purpose}'.", index);
                continue;
            }

            if (purpose is not null && status is { } known && (errors?.Count ?? 0) == problems)
            {
                var channelName = channel is null ? null : Normalize(channel);
                changes.Add(new ConsentChange(purpose, known, channelName, legalBasis, policyVersion, expiresAt));
            }
        }
    }

    private string? Purpose(string name, string field, List<CdpValidationError>? errors, int? index)
    {
        var purpose = PurposeOf(name);
        if (purpose is null)
        {
            var message = $"'{Shorten(name)}' is not a consent purpose of this deployment; the purposes are {string.Join(", ", Purposes)}.";
            Fail(errors, field, CdpValidationRule.NotFound, message, index);
        }

        return purpose;
    }

    private static ConsentStatus? Status(CdpValue? value, string field, List<CdpValidationError>? errors, int? index)
    {
        if (value is not null && value.TryGetString(out var text))
        {
            switch (text.ToLowerInvariant())
            {
                case "granted":
                    return ConsentStatus.Granted;
                case "denied":
                    return ConsentStatus.Denied;
                case "unknown":
                    return ConsentStatus.Unknown;
            }
        }

        Fail(errors, field, value is null || value.IsNull ? CdpValidationRule.Required : CdpValidationRule.InvalidFormat,
            "must be \"granted\", \"denied\" or \"unknown\".", index);
        return null;
    }

    private static string? Text(CdpValue item, string name, string field, bool required, List<CdpValidationError>? errors, int? index)
    {
        var value = item[name];
        if (value is null || value.IsNull)
        {
            if (required)
            {
                Fail(errors, $"{field}.{name}", CdpValidationRule.Required, "is required.", index);
            }

            return null;
        }

        if (!value.TryGetString(out var text) || text.Length == 0)
        {
            Fail(errors, $"{field}.{name}", CdpValidationRule.WrongType, "must be a non-empty string.", index);
            return null;
        }

        if (text.Length > MaxFieldLength)
        {
            Fail(errors, $"{field}.{name}", CdpValidationRule.TooLong, $"may be at most {MaxFieldLength} characters.", index);
            return null;
        }

        return text;
    }

    private static DateTimeOffset? Date(CdpValue? value, string field, List<CdpValidationError>? errors, int? index)
    {
        if (value is null || value.IsNull)
        {
            return null;
        }

        // ISO 8601 only: a date that starts yyyy-mm-dd, so that 03/01/2026 is not read as some locale's date.
        if (value.TryGetString(out var text) && text.Length >= 10 && char.IsAsciiDigit(text[0]) && text[4] == '-' && text[7] == '-' &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            return date;
        }

        Fail(errors, field, CdpValidationRule.InvalidDate, "must be an ISO 8601 date.", index);
        return null;
    }

    private static void Fail(List<CdpValidationError>? errors, string field, CdpValidationRule rule, string message, int? index) =>
        errors?.Add(new CdpValidationError(field, rule, message) { EventIndex = index });

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";

    /// <summary>A purpose, category or channel name as the catalog keys it: lower case, spaces, '-' and '.' as '_'.</summary>
    public static string Normalize(string name)
    {
        Span<char> buffer = name.Length <= 128 ? stackalloc char[name.Length] : new char[name.Length];
        var length = 0;
        foreach (var c in name.AsSpan().Trim())
        {
            buffer[length++] = c is ' ' or '-' or '.' ? '_' : char.ToLowerInvariant(c);
        }

        return new string(buffer[..length]);
    }
}

/// <summary>How a merge settles two customers' consent: where their decisions in force disagree, the most restrictive stays.</summary>
public static class ConsentMerge
{
    /// <summary>Denied is the most restrictive, then unknown, then granted.</summary>
    public static ConsentStatus MostRestrictive(ConsentStatus a, ConsentStatus b) =>
        a == ConsentStatus.Denied || b == ConsentStatus.Denied ? ConsentStatus.Denied
        : a == ConsentStatus.Unknown || b == ConsentStatus.Unknown ? ConsentStatus.Unknown
        : ConsentStatus.Granted;

    /// <summary>The decisions (same purpose and channel) on which the two sides disagree, with the status to keep.</summary>
    public static List<(ConsentRecord Survivor, ConsentRecord Absorbed, ConsentStatus Kept)> Disagreements(
        IEnumerable<ConsentRecord> survivor, IEnumerable<ConsentRecord> absorbed)
    {
        var mine = survivor.ToDictionary(r => r.Key, StringComparer.Ordinal);
        var found = new List<(ConsentRecord, ConsentRecord, ConsentStatus)>();
        foreach (var theirs in absorbed.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (mine.TryGetValue(theirs.Key, out var ours) && ours.Status != theirs.Status)
            {
                found.Add((ours, theirs, MostRestrictive(ours.Status, theirs.Status)));
            }
        }

        return found;
    }
}
