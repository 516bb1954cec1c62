using Azure.Data.Tables;
using Cdp.Grains.Admission;
using Cdp.Grains.Archive;
using Cdp.Grains.Consent;
using Cdp.Grains.Domain;
using Cdp.Grains.Identity;
using Cdp.Grains.Ingest;
using Cdp.Grains.Privacy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Serialization;
using Orleans.Storage;

namespace Cdp.Grains.Hosting;

/// <summary>Names of the storage providers Cdp registers.</summary>
public static class CdpStorageNames
{
    /// <summary>Grain storage for customer profiles and identities.</summary>
    public const string Profiles = "profiles";
}

public static class CdpSiloBuilderExtensions
{
    /// <summary>
    /// Adds Cdp's grains to a silo: grain storage <c>profiles</c> and the event archive on the configured
    /// provider, the profile options, and the admission limit on ingest calls. Settings come from the <c>Cdp</c>
    /// configuration section, then <paramref name="configure"/>; they are validated when the silo starts, every
    /// bad setting listed.
    /// </summary>
    public static ISiloBuilder AddCdp(
        this ISiloBuilder builder, IConfiguration? configuration = null, Action<CdpSiloOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Provider wiring depends on the settings, so they are read here once; the options system validates them.
        var settings = new CdpSiloOptions();
        configuration?.GetSection(CdpStorageOptions.SectionName).Bind(settings.Storage);
        configuration?.GetSection(CdpProfileOptions.SectionName).Bind(settings.Profile);
        configuration?.GetSection(CdpIdentityOptions.SectionName).Bind(settings.Identity);
        configuration?.GetSection(CdpConsentOptions.SectionName).Bind(settings.Consent);
        configuration?.GetSection(CdpStreamOptions.SectionName).Bind(settings.Streams);
        configuration?.GetSection(CdpIngestOptions.SectionName).Bind(settings.Ingest);
        configuration?.GetSection(CdpPrivacyOptions.SectionName).Bind(settings.Privacy);
        configure?.Invoke(settings);

        var services = builder.Services;
        if (services.Any(s => s.ServiceType == typeof(CdpMarker)))
        {
            return builder;
        }

        services.AddSingleton<CdpMarker>();
        services.AddOptions<CdpStorageOptions>().Configure(o => SettingsCopy.Into(settings.Storage, o)).ValidateOnStart();
        services.AddOptions<CdpProfileOptions>().Configure(o => SettingsCopy.Into(settings.Profile, o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CdpStorageOptions>, CdpStorageOptionsValidator>();
        services.AddOptions<CdpIdentityOptions>().Configure(o => SettingsCopy.Into(settings.Identity, o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CdpProfileOptions>, CdpProfileOptionsValidator>();
        services.AddSingleton<IValidateOptions<CdpIdentityOptions>, CdpIdentityOptionsValidator>();
        services.AddOptions<CdpConsentOptions>().Configure(o => SettingsCopy.Into(settings.Consent, o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CdpConsentOptions>, CdpConsentOptionsValidator>();
        services.AddSingleton(sp => new ConsentCatalog(sp.GetRequiredService<IOptions<CdpConsentOptions>>().Value));
        services.AddSingleton<ConsentEnforcer>();
        services.AddOptions<CdpIngestOptions>().Configure(o => SettingsCopy.Into(settings.Ingest, o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CdpIngestOptions>, CdpIngestOptionsValidator>();
        services.AddSingleton<IdentityRulesCache>();
        services.AddSingleton<ApplyCoalescer>();
        services.AddSingleton<RouteCache>();

        // Known customers call neither their identity grains nor the suppression grains of their identifiers, which are
        // checked once when an identifier is new: both idle out sooner than other grains.
        services.Configure<GrainCollectionOptions>(o =>
        {
            o.ClassSpecificCollectionAge[typeof(IdentityGrain).FullName!] = settings.Identity.IdleAfter;
            o.ClassSpecificCollectionAge[typeof(SuppressionGrain).FullName!] = settings.Identity.IdleAfter;
        });
        AddPrivacy(builder, settings);

        // One stream provider for erasure notices and segment messages, its subscriptions in the storage AddPrivacy chose.
        builder.AddCdpStreams(settings.Streams, settings.Storage.ConnectionString);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IngestAdmission>();
        builder.AddIncomingGrainCallFilter<IngestAdmissionFilter>();
        services.AddSingleton(sp => new SectionMap(sp.GetRequiredService<IOptions<CdpProfileOptions>>().Value.Sections));
        services.AddSingleton(sp => new ProfileBuilder(
            sp.GetRequiredService<SectionMap>(),
            sp.GetRequiredService<IOptions<CdpProfileOptions>>().Value.RecentEventWindow,
            sp.GetRequiredService<ConsentCatalog>()));
        services.AddOptions<CdpSegmentOptions>().Configure(o => configuration?.GetSection(CdpSegmentOptions.SectionName).Bind(o))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CdpSegmentOptions>, CdpSegmentOptionsValidator>();
        services.AddSingleton<Segments.DefinitionCache>();
        services.AddSingleton<Segments.SegmentRuntime>();

        if (settings.Storage.Provider == CdpStorageProvider.AzureTable && !string.IsNullOrWhiteSpace(settings.Storage.ConnectionString))
        {
            var tables = new TableServiceClient(settings.Storage.ConnectionString);
            builder.AddAzureTableGrainStorage(CdpStorageNames.Profiles, (OptionsBuilder<AzureTableStorageOptions> o) =>
                o.Configure<Serializer>((table, serializer) =>
                {
                    table.TableServiceClient = tables;
                    table.TableName = settings.Storage.StateTable;

                    // Cleared state is deleted, not kept as an empty row: identity grain keys hold identifiers.
                    table.DeleteStateOnClear = true;

                    // Orleans' own version-tolerant binary format: the state types already carry its ids,
                    // and it is smaller and faster than the JSON default.
                    table.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                }));
            services.AddSingleton<IEventArchive>(new TableEventArchive(tables, settings.Storage.ArchiveTable));
            builder.UseAzureTableReminderService(o =>
            {
                o.TableServiceClient = tables;
                o.TableName = settings.Storage.ReminderTable;
            });
        }
        else
        {
            // The same binary format as the table storage: the default JSON cannot round-trip every state type (the
            // segment catalog's condition tree), which shows when a grain is collected and activated again.
            builder.AddMemoryGrainStorage(CdpStorageNames.Profiles, (OptionsBuilder<MemoryGrainStorageOptions> o) =>
                o.Configure<Serializer>((memory, serializer) =>
                    memory.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
            services.AddSingleton<IEventArchive, MemoryEventArchive>();
            builder.UseInMemoryReminderService();
        }

        return builder;
    }

    // Privacy requests: their options, the salted hasher, the erasure notice stream and the retention sweep.
    private static void AddPrivacy(ISiloBuilder builder, CdpSiloOptions settings)
    {
        var services = builder.Services;
        services.AddOptions<CdpPrivacyOptions>().Configure(o => SettingsCopy.Into(settings.Privacy, o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CdpPrivacyOptions>, CdpPrivacyOptionsValidator>();
        services.AddSingleton<IdentifierHasher>();
        services.AddSingleton<SuppressionCheck>();
        if (settings.Storage.Provider == CdpStorageProvider.AzureTable && !string.IsNullOrWhiteSpace(settings.Storage.ConnectionString))
        {
            var tables = new TableServiceClient(settings.Storage.ConnectionString);
            const string pubSub = ProviderConstants.DEFAULT_PUBSUB_PROVIDER_NAME;
            builder.AddAzureTableGrainStorage(pubSub, (OptionsBuilder<AzureTableStorageOptions> o) =>
                o.Configure(table =>
                {
                    table.TableServiceClient = tables;
                    table.TableName = settings.Storage.StateTable;
                    table.DeleteStateOnClear = true;
                }));
        }
        else
        {
            builder.AddMemoryGrainStorage(ProviderConstants.DEFAULT_PUBSUB_PROVIDER_NAME);
        }

        if (settings.Privacy.RetentionDays > 0)
        {
            builder.AddStartupTask((sp, _) => sp.GetRequiredService<IGrainFactory>().GetGrain<IRetentionGrain>(0).StartAsync());
        }
    }

    private sealed class CdpMarker;
}

/// <summary>All of Cdp's silo settings, as <see cref="CdpSiloBuilderExtensions.AddCdp"/> takes them.</summary>
public sealed class CdpSiloOptions
{
    public CdpStorageOptions Storage { get; } = new();

    public CdpProfileOptions Profile { get; } = new();

    public CdpIdentityOptions Identity { get; } = new();

    public CdpConsentOptions Consent { get; } = new();

    public CdpStreamOptions Streams { get; } = new();

    public CdpIngestOptions Ingest { get; } = new();

    public CdpPrivacyOptions Privacy { get; } = new();
}
