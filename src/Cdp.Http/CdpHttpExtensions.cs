using Cdp.Grains.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Cdp.Http;

public static class CdpHttpExtensions
{
    private const string TrackingCorsPolicy = "cdp-tracking";

    /// <summary>
    /// Registers the HTTP API's services (key checks, the ingestion limiter, the OpenAPI document). Needs an
    /// <see cref="IGrainFactory"/> (a silo's, or an Orleans client's) in the container. Calling it again changes nothing.
    /// </summary>
    public static IServiceCollection AddCdpHttp(this IServiceCollection services, CdpHttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        if (services.Any(s => s.ServiceType == typeof(ApiKeyAuthenticator)))
        {
            return services;
        }

        services.AddOptions<CdpHttpOptions>().Configure(o => SettingsCopy.Into(options, o));
        services.AddCors(cors => cors.AddPolicy(TrackingCorsPolicy, policy =>
        {
            // Keys travel in the Authorization header, never in cookies, so no credentials mode is needed.
            _ = options.AllowedOrigins is ["*"] ? policy.AllowAnyOrigin() : policy.WithOrigins([.. options.AllowedOrigins]);
            policy.WithMethods("POST").WithHeaders("Authorization", "Content-Type", "Content-Encoding")
                .WithExposedHeaders("Retry-After").SetPreflightMaxAge(TimeSpan.FromHours(1));
        }));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<IngestLimiter>();
        services.AddSingleton<KeyRateLimiter>();
        services.AddSingleton<IngestTarget>();
        services.AddOpenApi(o =>
        {
            // The document describes this API only, not other endpoints of the same host (the dashboard).
            o.ShouldInclude = description => description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Cdp HTTP API";
                document.Info.Description =
                    "Segment- and RudderStack-compatible tracking, profile reads and API keys. Authenticate with an API "
                    + "key: as the Basic user name with an empty password (as tracking SDKs send their write key), or as a "
                    + "Bearer token. Errors are JSON: {\"success\": false, \"error\": {\"code\", \"message\"}, \"errors\": "
                    + "[{\"field\", \"rule\", \"message\"}]}.";
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>
    /// The API's middleware: JSON error answers (<see cref="UseCdpHttpErrors"/>) and CORS for the tracking endpoints
    /// when <see cref="CdpHttpOptions.AllowedOrigins"/> names any. Call it before the endpoints are mapped.
    /// </summary>
    public static IApplicationBuilder UseCdpHttp(this IApplicationBuilder app) => app.UseCdpHttpErrors().UseCors();

    /// <summary>
    /// Gives answers that would otherwise have no body (unknown route 404, wrong method 405) the API's JSON error
    /// form. Call it before the endpoints are mapped.
    /// </summary>
    public static IApplicationBuilder UseCdpHttpErrors(this IApplicationBuilder app) =>
        app.UseStatusCodePages(async statusContext =>
        {
            var context = statusContext.HttpContext;
            var (code, message) = context.Response.StatusCode switch
            {
                StatusCodes.Status404NotFound => ("not_found", "No endpoint has this path."),
                StatusCodes.Status405MethodNotAllowed => ("method_not_allowed", "This path does not take this method."),
                _ => ("error", "The request failed."),
            };
            await JsonAnswer.Error(context.Response.StatusCode, code, message).ExecuteAsync(context);
        });

    /// <summary>
    /// Maps the API under <c>/v1</c> and the OpenAPI document at <c>/openapi/v1.json</c>. Returns the group of
    /// endpoints, so a host can narrow them further (for example to one port with <c>RequireHost</c>).
    /// </summary>
    public static IEndpointConventionBuilder MapCdpHttp(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var browsers = endpoints.ServiceProvider.GetRequiredService<IOptions<CdpHttpOptions>>().Value.AllowedOrigins.Count > 0;
        var api = endpoints.MapGroup("");
        api.MapOpenApi();

        var v1 = api.MapGroup("/v1");
        foreach (var type in Enum.GetValues<EventType>())
        {
            Tracking(browsers, v1.MapPost("/" + type.ToWireName(), Handler(context => IngestEndpoints.CallAsync(context, type))))
                .WithName("Post" + type)
                .WithSummary($"One {type.ToWireName()} call (scope ingest); 200 once it is durable.")
                .WithJsonBody<TrackingCall>()
                .Produces<SuccessShape>()
                .Produces<ErrorShape>(StatusCodes.Status400BadRequest);
        }

        Tracking(browsers, v1.MapPost("/batch", Handler(IngestEndpoints.BatchAsync)))
            .WithName("PostBatch")
            .WithSummary("Many calls (scope ingest): valid ones are applied, rejected ones listed by messageId.")
            .WithJsonBody<BatchCall>()
            .Produces<BatchResultShape>()
            .Produces<BatchResultShape>(StatusCodes.Status400BadRequest);

        v1.MapGet("/profiles/{id}", Handler<string>(ProfileEndpoints.ProfileAsync))
            .WithName("GetProfile").WithTags("Profiles")
            .WithSummary("The profile of the customer with identifier type:value (scope profiles:read; "
                + "personal data masked without personal:read).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces<ErrorShape>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorShape>(StatusCodes.Status404NotFound);

        v1.MapGet("/profiles/{id}/events", Handler<string>(ProfileEndpoints.EventsAsync))
            .WithName("GetProfileEvents").WithTags("Profiles")
            .WithSummary("Archived events, oldest first, page by page: ?after=<next of the previous page>&limit=1..1000 "
                + "(scopes profiles:read and personal:read).")
            .Produces<EventPageShape>()
            .Produces<ErrorShape>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorShape>(StatusCodes.Status404NotFound);

        v1.MapGet("/profiles/{id}/explain", Handler<string>(IdentityEndpoints.ExplainAsync))
            .WithName("ExplainIdentifier").WithTags("Identity")
            .WithSummary("Why the identifier belongs to its customer: its first event, then each merge "
                + "(scopes profiles:read and personal:read).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces<ErrorShape>(StatusCodes.Status404NotFound);
        v1.MapGet("/profiles/{id}/journal", Handler<string>(IdentityEndpoints.JournalAsync))
            .WithName("GetIdentityJournal").WithTags("Identity")
            .WithSummary("The identity journal: merges, refused merges, demoted identifiers, unmerges (scope profiles:read; "
                + "identifier values masked without personal:read).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces<ErrorShape>(StatusCodes.Status404NotFound);
        v1.MapPost("/profiles/{id}/unmerge", Handler<string>(IdentityEndpoints.UnmergeAsync))
            .WithName("Unmerge").WithTags("Identity")
            .WithSummary("Undoes the merge named by {\"entryId\"} (scope admin); answers the unmerge's journal entry.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces<ErrorShape>(StatusCodes.Status404NotFound)
            .Produces<ErrorShape>(StatusCodes.Status409Conflict);
        v1.MapGet("/profiles/{id}/consent", Handler<string>(ConsentEndpoints.GetAsync))
            .WithName("GetConsent").WithTags("Consent")
            .WithSummary("The consent ledger: decisions in force and history (scope profiles:read); with ?purpose=&channel= "
                + "also whether data may leave for that purpose now.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces<ErrorShape>(StatusCodes.Status404NotFound);
        v1.MapPut("/profiles/{id}/consent", Handler<string>(ConsentEndpoints.SetAsync))
            .WithName("SetConsent").WithTags("Consent")
            .WithSummary("Records consent decisions, body {\"purposes\": [{\"purpose\", \"status\", \"channel\"?, \"legalBasis\"?, "
                + "\"policyVersion\"?, \"expiresAt\"?}]} (scope ingest); an Idempotency-Key header makes retries safe.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces<ErrorShape>(StatusCodes.Status400BadRequest);
        v1.MapGet("/segments", Handler(SegmentEndpoints.ListAsync))
            .WithName("ListDefinitions").WithTags("Segments")
            .WithSummary("Segments, triggers and computed traits (?kind=segment|trigger|computed_trait; scope segments:manage).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json");
        v1.MapPost("/segments", Handler(SegmentEndpoints.CreateAsync))
            .WithName("CreateDefinition").WithTags("Segments")
            .WithSummary("Creates a definition from its JSON form (tree or \"text\"); 400 names the path or column "
                + "(scope segments:manage).")
            .Produces(StatusCodes.Status201Created, contentType: "application/json")
            .Produces<ErrorShape>(StatusCodes.Status400BadRequest);
        v1.MapGet("/segments/{id}", Handler<string>(SegmentEndpoints.GetAsync))
            .WithName("GetDefinition").WithTags("Segments")
            .WithSummary("One definition (scope segments:manage).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces<ErrorShape>(StatusCodes.Status404NotFound);
        v1.MapPut("/segments/{id}", Handler<string>(SegmentEndpoints.UpdateAsync))
            .WithName("UpdateDefinition").WithTags("Segments")
            .WithSummary("Replaces a definition; \"version\" must be the one read, else 409 (scope segments:manage).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces<ErrorShape>(StatusCodes.Status409Conflict);
        v1.MapDelete("/segments/{id}", Handler<string>(SegmentEndpoints.DeleteAsync))
            .WithName("DeleteDefinition").WithTags("Segments")
            .WithSummary("Removes a definition (scope segments:manage).")
            .Produces<SuccessShape>()
            .Produces<ErrorShape>(StatusCodes.Status404NotFound);
        v1.MapGet("/segments/{id}/members", Handler<string>(SegmentEndpoints.MembersAsync))
            .WithName("GetSegmentMembers").WithTags("Segments")
            .WithSummary("A segment's member customer ids, page by page: ?cursor=<next>&limit=1..1000 (scope profiles:read).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json");
        v1.MapGet("/segments/{id}/feed", SegmentEndpoints.FeedAsync)
            .WithName("SegmentFeed").WithTags("Segments")
            .WithSummary("Entries, exits and firings from now on, as Server-Sent Events (scope profiles:read).")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        v1.MapGet("/identity/rules", Handler(IdentityEndpoints.GetRulesAsync))
            .WithName("GetIdentityRules").WithTags("Identity")
            .WithSummary("The identity rules in force (scope admin).")
            .Produces<IdentityRules>();
        v1.MapPut("/identity/rules", Handler(IdentityEndpoints.SetRulesAsync))
            .WithName("SetIdentityRules").WithTags("Identity")
            .WithSummary("Replaces the identity rules; answers them as stored, with their new version (scope admin).")
            .WithJsonBody<IdentityRules>()
            .Produces<IdentityRules>()
            .Produces<ErrorShape>(StatusCodes.Status400BadRequest);

        v1.MapGet("/privacy/export/{id}", Handler<string>(PrivacyEndpoints.ExportAsync))
            .WithName("ExportCustomer").WithTags("Privacy")
            .WithSummary("Everything held about the customer with identifier type:value, as one JSON document: the whole "
                + "profile and every archived event (scope privacy).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces<ErrorShape>(StatusCodes.Status404NotFound);
        v1.MapPost("/privacy/erasures", Handler(PrivacyEndpoints.EraseAsync))
            .WithName("EraseCustomer").WithTags("Privacy")
            .WithSummary("Erases the customer of {\"identifier\": \"type:value\"} (scope privacy); answers the request's result, "
                + "status Completed or NothingFound.")
            .WithJsonBody<ErasureRequestShape>()
            .Produces<ErasureResultShape>()
            .Produces<ErrorShape>(StatusCodes.Status400BadRequest);
        v1.MapGet("/privacy/requests/{id}", Handler<string>(PrivacyEndpoints.RequestAsync))
            .WithName("GetPrivacyRequest").WithTags("Privacy")
            .WithSummary("The state of an erasure request (scope privacy).")
            .Produces<ErasureResultShape>()
            .Produces<ErrorShape>(StatusCodes.Status404NotFound);
        v1.MapGet("/privacy/audit", Handler(PrivacyEndpoints.AuditAsync))
            .WithName("GetPrivacyAudit").WithTags("Privacy")
            .WithSummary("The privacy audit log, oldest first; identifiers appear only as salted hashes (scope privacy).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json");

        v1.MapPost("/keys", Handler(KeyEndpoints.CreateAsync))
            .WithName("CreateKey").WithTags("API keys")
            .WithSummary("Creates a key (scope admin); the answer holds its secret, shown once.")
            .WithJsonBody<KeyRequestShape>()
            .Produces<KeyShape>(StatusCodes.Status201Created)
            .Produces<ErrorShape>(StatusCodes.Status400BadRequest);
        v1.MapGet("/keys", Handler(KeyEndpoints.ListAsync))
            .WithName("ListKeys").WithTags("API keys")
            .WithSummary("Every key, revoked ones included (scope admin).")
            .Produces<KeyListShape>();
        v1.MapDelete("/keys/{id}", Handler<string>(KeyEndpoints.RevokeAsync))
            .WithName("RevokeKey").WithTags("API keys")
            .WithSummary("Revokes a key (scope admin).")
            .Produces<SuccessShape>()
            .Produces<ErrorShape>(StatusCodes.Status404NotFound);

        return api;
    }

    // Typed as Func rather than lambdas, so that MapPost binds them as route handlers (whose IResult is
    // written) and not as bare RequestDelegates.
    private static Func<HttpContext, Task<IResult>> Handler(Func<HttpContext, Task<IResult>> handler) => handler;

    private static Func<HttpContext, T, Task<IResult>> Handler<T>(Func<HttpContext, T, Task<IResult>> handler) => handler;

    // Describes the JSON body in the OpenAPI document without Accepts metadata, which would make routing refuse
    // other content types with 415: the RudderStack SDK sends gzip-compressed JSON with no JSON content type.
    private static RouteHandlerBuilder WithJsonBody<T>(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        });

    private static RouteHandlerBuilder Tracking(bool browsers, RouteHandlerBuilder endpoint)
    {
        endpoint
            .WithTags("Tracking")
            .Produces<ErrorShape>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorShape>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ErrorShape>(StatusCodes.Status429TooManyRequests);
        return browsers ? endpoint.RequireCors(TrackingCorsPolicy) : endpoint;
    }
}
