using BenchmarkDotNet.Attributes;
using Cdp.Bench.Scenarios;
using Cdp.Grains.Domain;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Cdp.Bench.Micro;

/// <summary>The hot domain code of one event's way through the silo, each step alone, with its allocations.</summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private readonly ProfileBuilder _builder = FloorScenario.NewBuilder();
    private readonly IdentityRuleSet _rules = new(IdentityRules.Defaults());
    private Serializer _serializer = null!;
    private CdpEvent _event = null!;
    private CdpEvent _routed = null!;
    private CdpEvent _identify = null!;
    private byte[] _json = [];
    private CustomerProfile _profile = null!;
    private byte[] _profileBytes = [];
    private ExternalId _email;
    private long _sequence;

    [GlobalSetup]
    public void Setup()
    {
        _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        _event = Events.Track("u-42", 7);
        _routed = _event with { ReceivedAt = DateTimeOffset.UtcNow, Identifiers = Identifiers.Extract(_event, _rules) };
        var typical = Events.TypicalCustomer("micro", DateTimeOffset.UtcNow.AddDays(-1));
        _identify = typical[0];
        _json = CdpJson.Serialize(_routed);
        _email = new ExternalId(IdentifierTypes.Email, "  Ada.Lovelace@Example.COM ");

        // A profile of the typical size: 20 traits, 5 identifiers, 10 consent entries, 100 recent events.
        _profile = new CustomerProfile { CustomerId = "c0193" };
        foreach (var evt in typical)
        {
            var routed = evt with { ReceivedAt = DateTimeOffset.UtcNow, Identifiers = Identifiers.Extract(evt, _rules) };
            _builder.Apply(_profile, routed, ++_sequence);
        }

        _profileBytes = _serializer.SerializeToArray(_profile);
    }

    /// <summary>One track event applied to a typical profile (the recent window is full, so the oldest entry goes).</summary>
    [Benchmark]
    public void ProfileBuilderApply() => _builder.Apply(_profile, _routed, ++_sequence);

    /// <summary>An identify call with user id, anonymous id, email trait and two listed identifiers, under the default rules.</summary>
    [Benchmark]
    public ExternalId[] IdentifiersExtract() => Identifiers.Extract(_identify, _rules);

    [Benchmark]
    public string IdentityKeysOf() => IdentityKeys.Of(_email);

    [Benchmark]
    public byte[] CdpJsonSerialize() => CdpJson.Serialize(_routed);

    [Benchmark]
    public CdpEvent CdpJsonDeserialize() => CdpJson.DeserializeEvent(_json);

    /// <summary>The snapshot format of a typical profile (Orleans' binary serializer).</summary>
    [Benchmark]
    public byte[] OrleansSerializeProfile() => _serializer.SerializeToArray(_profile);

    [Benchmark]
    public CustomerProfile OrleansDeserializeProfile() => _serializer.Deserialize<CustomerProfile>(_profileBytes)!;

    /// <summary>Sizes reported beside the timings: the typical event's JSON and the typical profile's snapshot.</summary>
    public static (int EventJson, int ProfileSnapshot) Sizes()
    {
        var b = new HotPathBenchmarks();
        b.Setup();
        return (b._json.Length, b._profileBytes.Length);
    }
}
