// The cdp command-line tool. See CdpTool.Usage, or run: cdp --help
using Cdp.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops the command cleanly (batches in flight finish or are abandoned); a second one kills.
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};

return await CdpTool.RunAsync(args, CliConsole.System(), new OrleansConnector(), TimeProvider.System, cancellation.Token);
