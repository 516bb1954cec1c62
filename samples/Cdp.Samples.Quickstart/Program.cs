// Sends a few events for one customer to a running Cdp silo and prints the profile they produce.
// Start the silo first (see the README), then: dotnet run --project samples/Cdp.Samples.Quickstart
using Cdp;
using Cdp.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddCdpClient(builder.Configuration.GetSection(CdpClientOptions.SectionName));
using var host = builder.Build();
await host.StartAsync();

var cdp = host.Services.GetRequiredService<ICdpClient>();
var userId = "quickstart-" + Guid.NewGuid().ToString("N")[..8];
var ada = CustomerRef.User(userId).And(IdentifierTypes.CrmId, "crm-" + userId);

await cdp.PageAsync(CustomerRef.Anonymous("anon-" + userId), "Pricing");
await cdp.AliasAsync(userId, "anon-" + userId);
await cdp.IdentifyAsync(ada, new()
{
    ["email"] = $"{userId}@example.com",
    ["first_name"] = "Ada",
    ["job_title"] = "Engineer",
    ["plan"] = "pro",
});
await cdp.TrackAsync(ada, "Email Opened", new() { ["campaign"] = "welcome" });
await cdp.TrackAsync(ada, "Order Completed", new() { ["order_id"] = "o-1", ["revenue"] = 42.50 });
await cdp.TrackAsync(ada, "Order Completed", new() { ["order_id"] = "o-2", ["revenue"] = 17.25 });
await cdp.TrackAsync(ada, "NPS Survey Submitted", new() { ["score"] = 9 });

var profile = await cdp.GetProfileAsync(new ExternalId(IdentifierTypes.Email, $"{userId}@example.com"))
    ?? throw new InvalidOperationException("The profile was not found.");

Console.WriteLine($"Customer {profile.CustomerId}: {profile.EventCount} events, first seen {profile.FirstSeen:u}");
Console.WriteLine("Identifiers: " + string.Join(", ", profile.Identifiers.Select(i => $"{i.Type}:{i.Value}")));
foreach (var section in Enum.GetValues<ProfileSection>())
{
    Console.WriteLine($"{section}:");
    foreach (var (name, trait) in profile.TraitsIn(section))
    {
        Console.WriteLine($"  trait {name} = {trait.Value} (from {trait.Source ?? "?"} at {trait.EventTime:u})");
    }

    foreach (var aggregate in profile.EventsIn(section))
    {
        Console.WriteLine($"  {aggregate.Name}: {aggregate.Count}x, revenue {aggregate.Sum}, last {aggregate.LastTime:u}");
    }
}

await foreach (var archived in cdp.ReadAllEventsAsync(new ExternalId(IdentifierTypes.UserId, userId)))
{
    var evt = archived.Event;
    Console.WriteLine($"#{archived.Sequence} {evt.Type} {evt.Event ?? evt.Name} ({evt.MessageId})");
}

await host.StopAsync();
