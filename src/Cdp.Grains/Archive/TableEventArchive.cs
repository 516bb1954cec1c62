using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace Cdp.Grains.Archive;

/// <summary>
/// The archive in Azure Table storage. Partition: the customer id. Rows: <c>e{sequence:D19}</c> holds an
/// event's JSON; <c>m{digest}</c> marks its messageId, so that the two are written in one entity-group
/// transaction and a messageId can never be archived twice.
/// </summary>
public sealed class TableEventArchive(TableServiceClient service, string tableName) : IEventArchive
{
    // An entity-group transaction holds at most 100 operations; each event takes two.
    private const int EventsPerTransaction = 50;
    private const string DataColumn = "Data";
    private const string SequenceColumn = "Seq";
    private const int OperationsPerTransaction = 100;
    private static readonly string[] EventColumns = ["RowKey", DataColumn];
    private static readonly string[] KeyColumns = ["RowKey"];
    private static readonly string[] SweepColumns = ["PartitionKey", "RowKey", DataColumn];

    private readonly TableClient _table = service.GetTableClient(tableName);
    private Task? _created;

    public async Task<AppendResult> AppendAsync(
        string customerId, long lastSequence, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken)
    {
        CheckKey(customerId);
        await EnsureTableAsync(cancellationToken);

        var duplicates = new bool[events.Count];
        var last = lastSequence;
        long highestDuplicate = 0;
        for (var start = 0; start < events.Count; start += EventsPerTransaction)
        {
            var chunk = Enumerable.Range(start, Math.Min(EventsPerTransaction, events.Count - start)).ToList();
            (last, var chunkHighest) = await AppendChunkAsync(customerId, last, events, chunk, duplicates, cancellationToken);
            highestDuplicate = Math.Max(highestDuplicate, chunkHighest);
        }

        return new AppendResult(duplicates, last, highestDuplicate);
    }

    public async Task<IReadOnlyList<(long Sequence, byte[] Json)>> ReadAsync(
        string customerId, long afterSequence, int max, CancellationToken cancellationToken)
    {
        CheckKey(customerId);
        await EnsureTableAsync(cancellationToken);

        var from = EventKey(afterSequence);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {customerId} and RowKey gt {from} and RowKey lt {"f"}");
        var result = new List<(long, byte[])>(Math.Min(max, 1000));
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, Math.Min(max, 1000), EventColumns, cancellationToken))
        {
            result.Add((ParseEventKey(entity.RowKey), entity.GetBinary(DataColumn)!));
            if (result.Count == max)
            {
                break;
            }
        }

        return result;
    }

    public async Task<(long Sequence, byte[] Json)?> FindAsync(string customerId, string messageId, CancellationToken cancellationToken)
    {
        CheckKey(customerId);
        await EnsureTableAsync(cancellationToken);
        var marker = await _table.GetEntityIfExistsAsync<TableEntity>(
            customerId, MarkerKey(messageId), [SequenceColumn], cancellationToken);
        if (!marker.HasValue || marker.Value!.GetInt64(SequenceColumn) is not { } sequence)
        {
            return null;
        }

        var row = await _table.GetEntityIfExistsAsync<TableEntity>(customerId, EventKey(sequence), EventColumns, cancellationToken);
        return row.HasValue ? (sequence, row.Value!.GetBinary(DataColumn)!) : null;
    }

    public async Task ReplaceAsync(string customerId, long sequence, byte[] json, CancellationToken cancellationToken)
    {
        CheckKey(customerId);
        await EnsureTableAsync(cancellationToken);
        var row = new TableEntity(customerId, EventKey(sequence)) { [DataColumn] = json };
        await _table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task DeleteAsync(
        string customerId, IReadOnlyList<(long Sequence, string MessageId)> events, CancellationToken cancellationToken)
    {
        CheckKey(customerId);
        await EnsureTableAsync(cancellationToken);
        foreach (var chunk in events.Chunk(EventsPerTransaction))
        {
            var actions = new List<TableTransactionAction>(chunk.Length * 2);
            foreach (var (sequence, messageId) in chunk)
            {
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(customerId, EventKey(sequence)), ETag.All));
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(customerId, MarkerKey(messageId)), ETag.All));
            }

            await SubmitDeletesAsync(actions, cancellationToken);
        }
    }

    public async Task<long> DeleteAllAsync(string customerId, CancellationToken cancellationToken)
    {
        CheckKey(customerId);
        await EnsureTableAsync(cancellationToken);
        var keys = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {customerId}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, 1000, KeyColumns, cancellationToken))
        {
            keys.Add(entity.RowKey);
        }

        // One transaction after another: Azurite serves them one at a time, and side by side they only contend.
        foreach (var chunk in keys.Chunk(OperationsPerTransaction))
        {
            var actions = chunk.Select(key =>
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(customerId, key), ETag.All)).ToList();
            await SubmitDeletesAsync(actions, cancellationToken);
        }

        return keys.Count(k => k[0] == 'e');
    }

    public async Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);

        // The entity's Timestamp is when the row was written: no customer index is needed to find old events.
        var filter = TableClient.CreateQueryFilter($"Timestamp lt {cutoff} and RowKey gt {"e"} and RowKey lt {"f"}");
        var old = new Dictionary<string, List<(long, string)>>(StringComparer.Ordinal);
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, 1000, SweepColumns, cancellationToken))
        {
            var messageId = CdpJson.DeserializeEvent(entity.GetBinary(DataColumn)).MessageId!;
            if (!old.TryGetValue(entity.PartitionKey, out var events))
            {
                old[entity.PartitionKey] = events = [];
            }

            events.Add((ParseEventKey(entity.RowKey), messageId));
        }

        foreach (var (customerId, events) in old)
        {
            await DeleteAsync(customerId, events, cancellationToken);
        }

        return old.Values.Sum(e => (long)e.Count);
    }

    private async Task SubmitDeletesAsync(List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            await _table.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 404)
        {
            // Part of the chunk went in an earlier attempt: delete one by one, skipping what is gone.
            foreach (var action in actions)
            {
                await _table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, cancellationToken);
            }
        }
    }

    private async Task<(long Last, long HighestDuplicate)> AppendChunkAsync(
        string customerId, long last, IReadOnlyList<PendingEvent> events, List<int> chunk, bool[] duplicates,
        CancellationToken cancellationToken)
    {
        long highestDuplicate = 0;
        while (chunk.Count > 0)
        {
            var actions = new List<TableTransactionAction>(chunk.Count * 2);
            var sequence = last;
            foreach (var index in chunk)
            {
                sequence++;
                var marker = new TableEntity(customerId, MarkerKey(events[index].MessageId)) { [SequenceColumn] = sequence };
                var row = new TableEntity(customerId, EventKey(sequence)) { [DataColumn] = events[index].Json };
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, marker));
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, row));
            }

            try
            {
                await _table.SubmitTransactionAsync(actions, cancellationToken);
                return (sequence, highestDuplicate);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                // Either a messageId is archived already (a retry that this activation does not remember),
                // or another writer took our sequence numbers. Markers tell the two apart.
                var archived = await FindArchivedAsync(customerId, events, chunk, cancellationToken);
                if (archived.Count == 0)
                {
                    throw new ArchiveConcurrencyException(customerId, last);
                }

                foreach (var (index, archivedAt) in archived)
                {
                    duplicates[index] = true;
                    highestDuplicate = Math.Max(highestDuplicate, archivedAt);
                }

                chunk.RemoveAll(archived.ContainsKey);
            }
        }

        return (last, highestDuplicate);
    }

    // The events of the chunk whose messageId is archived already, with the sequence that holds each.
    private async Task<Dictionary<int, long>> FindArchivedAsync(
        string customerId, IReadOnlyList<PendingEvent> events, List<int> chunk, CancellationToken cancellationToken)
    {
        var lookups = chunk.Select(async index =>
        {
            var found = await _table.GetEntityIfExistsAsync<TableEntity>(
                customerId, MarkerKey(events[index].MessageId), [SequenceColumn], cancellationToken);
            return (index, found.HasValue ? found.Value!.GetInt64(SequenceColumn) ?? 0 : (long?)null);
        });

        var archived = new Dictionary<int, long>();
        foreach (var (index, sequence) in await Task.WhenAll(lookups))
        {
            if (sequence is { } archivedAt)
            {
                archived[index] = archivedAt;
            }
        }

        // Two events of one chunk with the same messageId: the first is new, the later ones are duplicates.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var index in chunk)
        {
            if (!seen.Add(events[index].MessageId))
            {
                archived.TryAdd(index, 0);
            }
        }

        return archived;
    }

    private Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        var created = _created;
        if (created is { IsCompletedSuccessfully: true })
        {
            return Task.CompletedTask;
        }

        // A failed attempt is forgotten, so the next call tries again once storage is back.
        if (created is null || created.IsFaulted || created.IsCanceled)
        {
            _created = created = _table.CreateIfNotExistsAsync(cancellationToken);
        }

        return created;
    }

    internal static string EventKey(long sequence) => "e" + sequence.ToString("D19", CultureInfo.InvariantCulture);

    private static long ParseEventKey(string rowKey) => long.Parse(rowKey.AsSpan(1), CultureInfo.InvariantCulture);

    // A digest keeps keys short and free of characters that table keys forbid, whatever the messageId holds.
    internal static string MarkerKey(string messageId)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(messageId), digest);
        return "m" + Convert.ToHexStringLower(digest[..16]);
    }

    private static void CheckKey(string customerId)
    {
        if (customerId.Length is 0 or > 255 || customerId.AsSpan().IndexOfAny("/\\#?") >= 0 || customerId.Any(char.IsControl))
        {
            throw new ArgumentException($"'{customerId}' cannot be a partition key of the event archive.", nameof(customerId));
        }
    }
}
