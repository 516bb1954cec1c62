namespace Cdp.Bench.Scenarios;

/// <summary>The events the scenarios send: shaped like what a web tracker and a CRM send, a few hundred bytes each.</summary>
public static class Events
{
    private static readonly string[] TrackNames =
        ["Product Viewed", "Product Added", "Order Completed", "Email Opened", "Ad Clicked",
         "Checkout Started", "Coupon Applied", "Product Reviewed", "Ticket Created", "Subscription Started"];

    private static readonly Dictionary<string, CdpValue> Context = new(StringComparer.Ordinal)
    {
        ["ip"] = "203.0.113.7",
        ["userAgent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
        ["locale"] = "en-GB",
        ["page"] = CdpValue.Object(new(StringComparer.Ordinal)
        {
            ["path"] = "/products/42",
            ["url"] = "https://shop.example.com/products/42",
            ["referrer"] = "https://www.example.org/",
        }),
    };

    // Every purpose of the default consent catalog, and the channels of the two purposes that have them: 10 entries.
    private static readonly ConsentDecision[] TypicalConsent =
    [
        new("analytics", null, "granted"), new("personalization", null, "granted"), new("email_marketing", null, "granted"),
        new("sms_marketing", null, "denied"), new("advertising", null, "denied"), new("data_sharing", null, "denied"),
        new("personalization", "web", "granted"), new("personalization", "email", "denied"),
        new("advertising", "web", "granted"), new("advertising", "social", "denied"),
    ];

    /// <summary>A typical track call for a customer known by user id.</summary>
    public static CdpEvent Track(string userId, long n, DateTimeOffset? at = null) => new()
    {
        Type = EventType.Track,
        MessageId = Guid.CreateVersion7().ToString(),
        UserId = userId,
        Event = TrackNames[n % TrackNames.Length],
        Timestamp = at ?? DateTimeOffset.UtcNow,
        Source = "web",
        Properties = new(StringComparer.Ordinal)
        {
            ["product_id"] = "sku-" + (n % 500),
            ["category"] = "garden",
            ["price"] = 19.99,
            ["revenue"] = 19.99,
            ["currency"] = "EUR",
        },
        Context = Context,
    };

    /// <summary>A track call that names the customer by several identifiers (user id, anonymous id, email, device id).</summary>
    public static CdpEvent TrackWithIdentifiers(string key, long n) => Track("u-" + key, n) with
    {
        AnonymousId = "a-" + key,
        Identifiers = [new ExternalId(IdentifierTypes.Email, key + "@example.com"), new ExternalId(IdentifierTypes.DeviceId, "d-" + key)],
    };

    /// <summary>An identify call with the given traits and identifiers besides the user id.</summary>
    public static CdpEvent Identify(string userId, Dictionary<string, CdpValue> traits, ExternalId[]? identifiers = null,
        string? anonymousId = null, DateTimeOffset? at = null) => new()
    {
        Type = EventType.Identify,
        MessageId = Guid.CreateVersion7().ToString(),
        UserId = userId,
        AnonymousId = anonymousId,
        Identifiers = identifiers,
        Timestamp = at ?? DateTimeOffset.UtcNow,
        Source = "crm",
        Traits = traits,
        Context = Context,
    };

    /// <summary>
    /// The common context plus consent decisions in Cdp's own form (<c>context.consent.purposes</c>), as
    /// <c>SetConsentAsync</c> sends them.
    /// </summary>
    public static Dictionary<string, CdpValue> ContextWithConsent(IEnumerable<ConsentDecision> decisions)
    {
        var purposes = decisions.Select(d =>
        {
            var fields = new Dictionary<string, CdpValue>(StringComparer.Ordinal)
            {
                ["purpose"] = d.Purpose,
                ["status"] = d.Status,
                ["legalBasis"] = "consent",
                ["policyVersion"] = "v3",
            };
            if (d.Channel is { } channel)
            {
                fields["channel"] = channel;
            }

            return CdpValue.Object(fields);
        });
        return new(Context, StringComparer.Ordinal)
        {
            ["consent"] = CdpValue.Object(new(StringComparer.Ordinal) { ["purposes"] = CdpValue.Array([.. purposes]) }),
        };
    }

    /// <summary>
    /// The events that give one customer the typical profile: an identify call with 20 traits,
    /// 5 identifiers (user id, anonymous id, email, device id, CRM id) and 10 consent decisions, then 100 track calls.
    /// </summary>
    public static CdpEvent[] TypicalCustomer(string key, DateTimeOffset start)
    {
        var traits = new Dictionary<string, CdpValue>(StringComparer.Ordinal)
        {
            ["email"] = key + "@example.com",
            ["first_name"] = "Ada",
            ["last_name"] = "Lovelace-" + key,
            ["phone"] = "+44 20 7946 0958",
            ["plan"] = "pro",
            ["company"] = "Analytical Engines Ltd",
            ["title"] = "Head of Computation",
            ["city"] = "London",
            ["country"] = "GB",
            ["postal_code"] = "SW1A 1AA",
            ["birthday"] = "1815-12-10",
            ["gender"] = "female",
            ["language"] = "en",
            ["timezone"] = "Europe/London",
            ["ltv"] = 1234.5,
            ["loyalty_tier"] = "gold",
            ["nps"] = 9,
            ["newsletter"] = true,
            ["orders"] = 17,
            ["signup_source"] = "referral",
        };
        var events = new CdpEvent[101];
        events[0] = Identify(
            "u-" + key, traits,
            [new ExternalId(IdentifierTypes.DeviceId, "d-" + key), new ExternalId(IdentifierTypes.CrmId, "crm-" + key)],
            anonymousId: "a-" + key, at: start) with { Context = ContextWithConsent(TypicalConsent) };
        for (var i = 1; i < events.Length; i++)
        {
            events[i] = Track("u-" + key, i, start.AddSeconds(i));
        }

        return events;
    }
}

/// <summary>One consent decision an event carries: a purpose, optionally one of its channels, and a status.</summary>
public sealed record ConsentDecision(string Purpose, string? Channel, string Status);
