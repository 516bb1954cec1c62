namespace Cdp.Grains.Domain;

/// <summary>Which identifiers an event carries, normalized, and in which order they route it.</summary>
public static class Identifiers
{
    /// <summary>
    /// Routing priority, lowest first: user ids, then emails, then every other type, then anonymous ids,
    /// which are the weakest evidence of who someone is.
    /// </summary>
    public static int Priority(string type) => type switch
    {
        IdentifierTypes.UserId => 0,
        IdentifierTypes.Email => 1,
        IdentifierTypes.AnonymousId => 3,
        _ => 2,
    };

    /// <summary>
    /// The normalized, distinct identifiers of an event, highest priority first: <c>userId</c>,
    /// <c>anonymousId</c>, the <c>identifiers</c> list, and the <c>email</c> trait of an identify call.
    /// The previousId of an alias call is resolved by the caller, since its type depends on what is known.
    /// </summary>
    public static ExternalId[] Extract(CdpEvent evt)
    {
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

        var array = list.ToArray();
        Sort(array);
        return array;
    }

    public static void Sort(ExternalId[] ids)
    {
        // Insertion sort: stable, allocation-free, and the lists are a handful long.
        for (var i = 1; i < ids.Length; i++)
        {
            var current = ids[i];
            var j = i - 1;
            while (j >= 0 && Priority(ids[j].Type) > Priority(current.Type))
            {
                ids[j + 1] = ids[j];
                j--;
            }

            ids[j + 1] = current;
        }
    }

    private static void Add(List<ExternalId> list, ExternalId id)
    {
        if (!list.Contains(id))
        {
            list.Add(id);
        }
    }
}
