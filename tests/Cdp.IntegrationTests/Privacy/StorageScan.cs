using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Cdp.IntegrationTests.Privacy;

/// <summary>
/// Searches every table, blob container and queue of a storage account for pieces of text, in the bytes as
/// stored: every property of every entity (keys included), binary properties as raw bytes (alone, and the
/// entity's binary properties joined in name order, since grain storage may split one state over several),
/// every blob's content and every queue's visible messages.
/// </summary>
public static class StorageScan
{
    /// <summary>Where each needle was found, as <c>needle @ place</c>; empty when none is stored anywhere.</summary>
    public static async Task<List<string>> FindAsync(string connectionString, IReadOnlyCollection<string> needles)
    {
        var patterns = needles.Select(n => (Text: n, Bytes: Encoding.UTF8.GetBytes(n))).ToList();
        var found = new List<string>();
        void Check(string place, ReadOnlySpan<byte> bytes)
        {
            foreach (var (text, pattern) in patterns)
            {
                if (bytes.IndexOf(pattern) >= 0)
                {
                    found.Add($"{text} @ {place}");
                }
            }
        }

        var tables = new TableServiceClient(connectionString);
        await foreach (var table in tables.QueryAsync())
        {
            await foreach (var entity in tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                var place = $"table {table.Name} ({entity.PartitionKey}, {entity.RowKey})";
                var joined = new List<byte>();
                foreach (var (name, value) in entity.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    switch (value)
                    {
                        case byte[] bytes:
                            Check($"{place}.{name}", bytes);
                            joined.AddRange(bytes);
                            break;
                        case BinaryData data:
                            Check($"{place}.{name}", data.ToArray());
                            joined.AddRange(data.ToArray());
                            break;
                        case null:
                            break;
                        default:
                            var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!;
                            Check($"{place}.{name}", Encoding.UTF8.GetBytes(text));
                            break;
                    }
                }

                Check($"{place} (binary properties joined)", joined.ToArray());
            }
        }

        var blobs = new BlobServiceClient(connectionString);
        await foreach (var container in blobs.GetBlobContainersAsync())
        {
            var client = blobs.GetBlobContainerClient(container.Name);
            await foreach (var blob in client.GetBlobsAsync())
            {
                var content = await client.GetBlobClient(blob.Name).DownloadContentAsync();
                Check($"blob {container.Name}/{blob.Name} (name)", Encoding.UTF8.GetBytes(blob.Name));
                Check($"blob {container.Name}/{blob.Name}", content.Value.Content.ToArray());
            }
        }

        var queues = new QueueServiceClient(connectionString);
        await foreach (var queue in queues.GetQueuesAsync())
        {
            var messages = await queues.GetQueueClient(queue.Name).PeekMessagesAsync(maxMessages: 32);
            foreach (var message in messages.Value)
            {
                Check($"queue {queue.Name} message {message.MessageId}", message.Body.ToArray());
            }
        }

        return found;
    }

    /// <summary>How many tables, containers and queues the account has, so a test can show the scan covered something.</summary>
    public static async Task<(int Tables, int Entities)> CountAsync(string connectionString)
    {
        var tables = new TableServiceClient(connectionString);
        int count = 0, entities = 0;
        await foreach (var table in tables.QueryAsync())
        {
            count++;
            await foreach (var _ in tables.GetTableClient(table.Name).QueryAsync<TableEntity>(select: ["PartitionKey"]))
            {
                entities++;
            }
        }

        return (count, entities);
    }
}
