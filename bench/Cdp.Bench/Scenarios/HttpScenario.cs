using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cdp.Bench.Load;
using Cdp.Bench.Reporting;
using Cdp.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cdp.Bench.Scenarios;

/// <summary>
/// HTTP batch ingestion: the Cdp HTTP API on Kestrel (loopback, a free port) in front of the bench silo, as the silo
/// host maps it, with a bootstrap key; a client posts <c>/v1/batch</c> bodies of 100 Segment-shaped calls.
/// </summary>
public static class HttpScenario
{
    private const string Key = "bench-bootstrap-key-with-every-scope";

    public static async Task RunAsync(IGrainFactory grains, EngineScenarios engine, SuiteSettings settings, RunReport report)
    {
        Console.WriteLine("  HTTP batch ingestion");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(grains);
        builder.Services.AddCdpHttp(new CdpHttpOptions { BootstrapKey = Key });
        await using var app = builder.Build();
        app.UseCdpHttpErrors();
        app.MapCdpHttp();
        await app.StartAsync();

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.HttpWorkers * 2 })
        {
            BaseAddress = new Uri(app.Urls.First()),
        };
        http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Key + ":")));

        var batch = await ClosedLoop.RunAsync(settings.HttpWorkers, settings.Shape, async n =>
        {
            using var content = new ByteArrayContent(Body(engine.Batch(n)));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(new Uri("/v1/batch", UriKind.Relative), content);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST /v1/batch answered {(int)response.StatusCode}: " +
                    await response.Content.ReadAsStringAsync());
            }
        }, unitsPerOperation: engine.Batch(0).Length);

        var m = Measurement.Of("http.batch", "HTTP POST /v1/batch, 100 calls", "memory", "http", "events/s", batch,
            "ingest.memory.hosted.batch");
        report.Measurements.Add(m);
        Console.WriteLine($"    {m.Title}: {batch.Median:N0} events/s ({batch.Min:N0} – {batch.Max:N0})");
        await app.StopAsync();
    }

    // The request body a tracking SDK sends: {"batch": [...], "sentAt": ...}, each call in CdpJson's Segment form.
    private static byte[] Body(CdpEvent[] events)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("batch");
            foreach (var evt in events)
            {
                CdpJson.WriteEvent(writer, evt);
            }

            writer.WriteEndArray();
            writer.WriteString("sentAt", DateTimeOffset.UtcNow);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }
}
