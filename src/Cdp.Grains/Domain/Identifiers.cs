namespace Cdp.Grains.Domain;

/// <summary>Which identifiers an event carries, normalized, in the order the identity rules route them.</summary>
public static class Identifiers
{
    /// <summary>
    /// The normalized, distinct identifiers of an event, highest priority first: <c>userId</c>,
    /// <c>anonymousId</c>, the <c>identifiers</c> list, and the <c>email</c> trait of an identify call.
    /// The previousId of an alias call is resolved by the caller, since its type depends on what is known.
    /// Values the rules block are left out.
    /// </summary>
    public static ExternalId[] Extract(CdpEvent evt, IdentityRuleSet? rules = null)
    {
        rules ??= IdentityRuleSet.Default;
        var list = new List<ExternalId>(4);
        if (evt.UserId is { } userId)
        {
            Add(list, new ExternalId(IdentifierTypes.UserId, userId));
        }

        if (evt.AnonymousId is { } anonymousId)
        {
            Add(list, new ExternalId(IdentifierTypes.AnonymousId, anonymousId));
        }

        foreach (var id in evt.Identifiers ?? [])
        {
            Add(list, id.Normalize());
        }

        if (EventValidator.EmailTrait(evt) is { } email)
        {
            Add(list, new ExternalId(IdentifierTypes.Email, email).Normalize());
        }

        list.RemoveAll(rules.IsBlocked);
        var array = list.ToArray();
        rules.Sort(array);
        return array;
    }

    private static void Add(List<ExternalId> list, ExternalId id)
    {
        if (!list.Contains(id))
        {
            list.Add(id);
        }
    }
}
