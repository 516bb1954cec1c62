using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Cdp.Bench.Reporting;

namespace Cdp.Bench.Micro;

/// <summary>Runs the BenchmarkDotNet suite and copies its figures into the run's report.</summary>
public static class MicroRunner
{
    public static void Run(bool quick, RunReport report, string artifacts)
    {
        Console.WriteLine("  micro-benchmarks (BenchmarkDotNet)");

        // In-process: BenchmarkDotNet's usual out-of-process toolchain generates and builds a project inside this
        // repository, where Directory.Build.props turns on warnings as errors and the analyzers for generated code.
        var job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance);
        job = quick
            // Fixed invocation counts skip the pilot and overhead stages: a smoke check, not a precise figure.
            ? job.WithWarmupCount(1).WithIterationCount(3).WithInvocationCount(1024).WithUnrollFactor(16)
                .WithEvaluateOverhead(false).WithId("quick")
            // Bounded: on shared cores BenchmarkDotNet's adaptive stop otherwise runs up to 100 iterations per benchmark.
            : job.WithWarmupCount(5).WithIterationCount(15).WithId("full");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(quick ? NullLogger.Instance : ConsoleLogger.Default)
            .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile);

        var summary = BenchmarkRunner.Run<HotPathBenchmarks>(config);
        foreach (var r in summary.Reports)
        {
            var stats = r.ResultStatistics;
            var allocated = r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase);
            report.Micro.Add(new MicroResult(
                r.BenchmarkCase.Descriptor.WorkloadMethod.Name,
                stats?.Mean ?? double.NaN, stats?.Median ?? double.NaN, stats?.ConfidenceInterval.Margin ?? double.NaN,
                allocated));
            Console.WriteLine($"    {r.BenchmarkCase.Descriptor.WorkloadMethod.Name}: {stats?.Mean:N0} ns, {allocated:N0} B");
        }
    }
}
