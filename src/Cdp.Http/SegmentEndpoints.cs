using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Cdp.Client;
using Cdp.Grains.Segments;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Http;

/// <summary>
/// Segments, triggers and computed traits over HTTP: the catalog (scope <see cref="ApiScopes.ManageSegments"/>), a
/// segment's members page by page (<see cref="ApiScopes.ReadProfiles"/>), and a live feed of entries, exits and firings
/// as Server-Sent Events (<see cref="ApiScopes.ReadProfiles"/>). Definitions use the JSON form of
/// <see cref="DefinitionJson"/>, whose text form (<c>"text"</c>) is accepted in place of the tree.
/// </summary>
internal static class SegmentEndpoints
{
    private const int FeedBuffer = 1_000;

    public static async Task<IResult> ListAsync(HttpContext context)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.ManageSegments);
        if (refusal is not null)
        {
            return refusal;
        }

        DefinitionKind? kind = null;
        var text = context.Request.Query["kind"].ToString();
        if (text.Length > 0)
        {
            if (!TryKind(text, out var parsed))
            {
                return JsonAnswer.Invalid([new CdpValidationError("kind", CdpValidationRule.InvalidFormat,
                    "must be segment, trigger or computed_trait.")]);
            }

            kind = parsed;
        }

        var definitions = await Client(context).ListDefinitionsAsync(kind);
        var items = string.Join(",", definitions.Select(DefinitionJson.Serialize));
        return Json(StatusCodes.Status200OK, "{\"definitions\":[" + items + "]}");
    }

    public static async Task<IResult> GetAsync(HttpContext context, string id)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.ManageSegments);
        if (refusal is not null)
        {
            return refusal;
        }

        var definition = await Client(context).GetDefinitionAsync(id);
        return definition is null
            ? JsonAnswer.NotFound($"No definition has the id '{Shorten(id)}'.")
            : Json(StatusCodes.Status200OK, DefinitionJson.Serialize(definition));
    }

    public static Task<IResult> CreateAsync(HttpContext context) => SaveAsync(context, null);

    public static Task<IResult> UpdateAsync(HttpContext context, string id) => SaveAsync(context, id);

    public static async Task<IResult> DeleteAsync(HttpContext context, string id)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.ManageSegments);
        if (refusal is not null)
        {
            return refusal;
        }

        try
        {
            return await Client(context).DeleteDefinitionAsync(id)
                ? JsonAnswer.Success()
                : JsonAnswer.NotFound($"No definition has the id '{Shorten(id)}'.");
        }
        catch (CdpValidationException ex)
        {
            return Refused(ex);
        }
    }

    public static async Task<IResult> MembersAsync(HttpContext context, string id)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.ReadProfiles);
        if (refusal is not null)
        {
            return refusal;
        }

        var cursor = context.Request.Query["cursor"].ToString();
        var limitText = context.Request.Query["limit"].ToString();
        var limit = 100;
        if (limitText.Length > 0 && (!int.TryParse(limitText, out limit) || limit is < 1 or > 1000))
        {
            return JsonAnswer.Invalid([
                new CdpValidationError("limit", CdpValidationRule.OutOfRange, "must be a whole number from 1 to 1000.")]);
        }

        try
        {
            var page = await Client(context).GetSegmentMembersAsync(id, cursor.Length == 0 ? null : cursor, limit);
            return new JsonAnswer(StatusCodes.Status200OK, w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("customerIds");
                foreach (var member in page.CustomerIds)
                {
                    w.WriteStringValue(member);
                }

                w.WriteEndArray();
                if (page.NextCursor is { } next)
                {
                    w.WriteString("next", next);
                }

                w.WriteEndObject();
            });
        }
        catch (CdpValidationException ex)
        {
            return Refused(ex);
        }
    }

    /// <summary>
    /// Server-Sent Events: one <c>event: entered|exited|fired</c> with the message as JSON <c>data</c> per change, from
    /// the moment of the request on, until the client disconnects. A reader too slow for <c>1,000</c> buffered messages
    /// is disconnected rather than buffered without bound.
    /// </summary>
    public static async Task FeedAsync(HttpContext context, string id)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.ReadProfiles);
        if (refusal is not null)
        {
            await refusal.ExecuteAsync(context);
            return;
        }

        var client = Client(context);
        var definition = await client.GetDefinitionAsync(id);
        if (definition is null || definition.Kind == DefinitionKind.ComputedTrait)
        {
            await JsonAnswer.NotFound($"No segment or trigger has the id '{Shorten(id)}'.").ExecuteAsync(context);
            return;
        }

        var messages = Channel.CreateBounded<SegmentMessage>(
            new BoundedChannelOptions(FeedBuffer) { FullMode = BoundedChannelFullMode.Wait });
        using var overflow = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        await using var subscription = await client.SubscribeAsync(id, definition.Kind, (message, _) =>
        {
            if (!messages.Writer.TryWrite(message))
            {
                overflow.Cancel();
            }

            return Task.CompletedTask;
        });

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.WriteAsync(": subscribed\n\n", overflow.Token);
        await response.Body.FlushAsync(overflow.Token);
        try
        {
            await foreach (var message in messages.Reader.ReadAllAsync(overflow.Token))
            {
                var change = message.Change.ToString().ToLowerInvariant();
                var data = JsonSerializer.Serialize(message, DefinitionJson.Options);
                await response.WriteAsync($"event: {change}\ndata: {data}\n\n", Encoding.UTF8, overflow.Token);
                await response.Body.FlushAsync(overflow.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The reader went away, or fell too far behind.
        }
    }

    private static async Task<IResult> SaveAsync(HttpContext context, string? id)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.ManageSegments);
        if (refusal is not null)
        {
            return refusal;
        }

        var (body, bodyRefusal) = await RequestBody.ReadAsync(context.Request, DefinitionJson.MaxBytes);
        if (bodyRefusal is not null)
        {
            return bodyRefusal;
        }

        try
        {
            var definition = DefinitionJson.Parse(body!);
            if (id is not null && definition.Id != id)
            {
                return JsonAnswer.Invalid([new CdpValidationError("id", CdpValidationRule.Conflict, "must equal the id in the path.")]);
            }

            var client = Client(context);
            var stored = id is null ? await client.CreateDefinitionAsync(definition) : await client.UpdateDefinitionAsync(definition);
            return Json(id is null ? StatusCodes.Status201Created : StatusCodes.Status200OK, DefinitionJson.Serialize(stored));
        }
        catch (CdpValidationException ex)
        {
            return Refused(ex);
        }
    }

    private static JsonAnswer Refused(CdpValidationException ex) => ex.Errors.Count == 1 ? ex.Errors[0].Rule switch
    {
        CdpValidationRule.NotFound => JsonAnswer.Error(StatusCodes.Status404NotFound, "not_found", ex.Errors[0].Message, ex.Errors),
        CdpValidationRule.Conflict => JsonAnswer.Error(StatusCodes.Status409Conflict, "conflict", ex.Errors[0].Message, ex.Errors),
        _ => JsonAnswer.Invalid(ex.Errors),
    } : JsonAnswer.Invalid(ex.Errors);

    private static IResult Json(int status, string json) => Results.Content(json, "application/json", Encoding.UTF8, status);

    // The cluster client where the host has one (a silo does), since subscribing to streams needs it.
    private static CdpClient Client(HttpContext context) =>
        new((IGrainFactory?)context.RequestServices.GetService<IClusterClient>()
            ?? context.RequestServices.GetRequiredService<IGrainFactory>());

    private static bool TryKind(string text, out DefinitionKind kind)
    {
        kind = text switch
        {
            "segment" => DefinitionKind.Segment,
            "trigger" => DefinitionKind.Trigger,
            "computed_trait" => DefinitionKind.ComputedTrait,
            _ => 0,
        };
        return kind != 0;
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
