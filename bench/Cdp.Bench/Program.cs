using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using Cdp.Bench;
using Cdp.Bench.Hosting;
using Cdp.Bench.Micro;
using Cdp.Bench.Reporting;
using Cdp.Bench.Scenarios;
using Cdp.IntegrationTests.Infrastructure;

const string Usage = """
    Cdp benchmarks: every scenario beside a baseline from the same process and run, reported as a ratio.

    dotnet run -c Release --project bench/Cdp.Bench -- [--quick] [load | micro] [--no-azurite] [--out FOLDER]

      --quick       short blocks and small scales: about a minute on 2 cores, for a smoke check
      load          only the load generator's scenarios;  micro  only the BenchmarkDotNet micro-benchmarks
      --no-azurite  skip durable ingest (needs Node.js 20 for Azurite)
      --out FOLDER  where the JSON and Markdown go (default: BenchmarkDotNet.Artifacts/cdp-bench at the repository root)
    """;

var quick = args.Contains("--quick");
var settings = (quick ? SuiteSettings.Quick : SuiteSettings.Full) with
{
    SkipAzurite = args.Contains("--no-azurite"),
    SkipMicro = args.Contains("load"),
    SkipLoad = args.Contains("micro"),
};
if (args.Contains("--help") || args.Contains("-h") || args.Any(a => a.StartsWith('-') && a is not ("--quick" or "--no-azurite" or "--out")))
{
    Console.WriteLine(Usage);
    return args.Contains("--help") || args.Contains("-h") ? 0 : 2;
}

var root = AzuriteInstall.FindRepositoryRoot();
var outIndex = Array.IndexOf(args, "--out");
var output = outIndex >= 0 && outIndex + 1 < args.Length
    ? Path.GetFullPath(args[outIndex + 1])
    : Path.Combine(root, "BenchmarkDotNet.Artifacts", "cdp-bench");

var report = new RunReport { Environment = Describe(root, settings.Mode) };
var clock = Stopwatch.StartNew();
Console.WriteLine($"Cdp bench, {settings.Mode}: {report.Environment.Runtime}, {report.Environment.GcMode}, " +
    $"{report.Environment.CpuCount} × {report.Environment.CpuModel}, commit {report.Environment.Commit}");

if (!settings.SkipLoad)
{
    FloorScenario.Run(settings, report);

    await RunEngineAsync(settings, report);

    // A silo of its own: the engine silo's memory storage held every event ingested above (gigabytes in the full
    // run), and collecting that heap would be measured as stream latency. Its definition stays in this silo only.
    GC.Collect();
    await using (var cluster = await BenchCluster.StartAsync())
    {
        await new SubscriberScenario(cluster, settings, report).RunAsync();
    }

    Console.WriteLine($"  ({clock.Elapsed.TotalSeconds:0} s)");

    var azuriteStopping = Task.CompletedTask;
    if (settings.SkipAzurite)
    {
        report.Skipped.Add("durable ingest on Azurite (--no-azurite)");
    }
    else
    {
        azuriteStopping = await DurableScenario.RunAsync(settings, report);
    }

    Console.WriteLine($"  ({clock.Elapsed.TotalSeconds:0} s)");
    await ResidentScenario.RunAsync(settings, report);
    await azuriteStopping;
    Console.WriteLine($"  ({clock.Elapsed.TotalSeconds:0} s)");
}

if (!settings.SkipMicro)
{
    MicroRunner.Run(quick, report, Path.Combine(output, "micro"));
    var (eventJson, profileSnapshot) = HotPathBenchmarks.Sizes();
    report.Measurements.Add(new Measurement
    {
        Id = "sizes", Title = "Typical event JSON / typical profile snapshot", Storage = "—", Client = "—",
        Unit = "bytes", Value = eventJson, Details = { ["profile snapshot bytes"] = profileSnapshot },
    });
}

report.DurationSeconds = clock.Elapsed.TotalSeconds;
report.ComputeRatios();
Targets.Evaluate(report);
var (jsonPath, markdownPath) = await ReportWriter.WriteAsync(report, output);
Console.WriteLine();
Console.WriteLine(ReportWriter.Markdown(report));
Console.WriteLine($"Written: {jsonPath}");
Console.WriteLine($"         {markdownPath}");
return 0;

// In a method of its own, so that nothing of the engine silo stays reachable from this method's locals once it returns.
static async Task RunEngineAsync(SuiteSettings settings, RunReport report)
{
    await using var cluster = await BenchCluster.StartAsync();
    var engine = new EngineScenarios(cluster, settings, report);
    await engine.RunAsync();
    await HttpScenario.RunAsync(cluster.Hosted, engine, settings, report);
}

static RunEnvironment Describe(string root, string mode)
{
    var gc = GCSettings.IsServerGC ? "server GC" : "workstation GC";
    gc += GCSettings.LatencyMode == GCLatencyMode.Interactive ? " (concurrent)" : $" ({GCSettings.LatencyMode})";
    return new RunEnvironment(
        Commit(root), RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription, gc,
        Environment.ProcessorCount, CpuModel(), mode, DateTimeOffset.UtcNow);
}

static string Commit(string root)
{
    try
    {
        var head = Git(root, "rev-parse --short=12 HEAD").Trim();
        return Git(root, "status --porcelain --untracked-files=no").Trim().Length > 0 ? head + " (with local changes)" : head;
    }
    catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
    {
        return "unknown (git not available)";
    }
}

static string Git(string root, string arguments)
{
    using var git = Process.Start(new ProcessStartInfo("git", arguments)
    {
        WorkingDirectory = root,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    })!;
    var text = git.StandardOutput.ReadToEnd();
    git.WaitForExit();
    return git.ExitCode == 0 ? text : throw new InvalidOperationException("git " + arguments + " failed");
}

static string CpuModel()
{
    const string cpuinfo = "/proc/cpuinfo";
    if (File.Exists(cpuinfo))
    {
        var line = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        if (line is not null)
        {
            return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
    }

    return RuntimeInformation.ProcessArchitecture.ToString().ToLower(CultureInfo.InvariantCulture);
}
