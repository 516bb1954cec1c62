using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cdp.Bench.Reporting;

/// <summary>Writes a run as JSON (for tools and comparisons over time) and as Markdown tables (for people).</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<(string JsonPath, string MarkdownPath)> WriteAsync(RunReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        var stamp = report.Environment.StartedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var jsonPath = Path.Combine(folder, $"cdp-bench-{stamp}.json");
        var markdownPath = Path.Combine(folder, $"cdp-bench-{stamp}.md");
        await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, Json));
        await File.WriteAllTextAsync(markdownPath, Markdown(report));
        File.Copy(jsonPath, Path.Combine(folder, "latest.json"), overwrite: true);
        File.Copy(markdownPath, Path.Combine(folder, "latest.md"), overwrite: true);
        return (jsonPath, markdownPath);
    }

    public static string Markdown(RunReport report)
    {
        var e = report.Environment;
        var md = new StringBuilder();
        md.AppendLine(Inv($"Run of {e.StartedAt:yyyy-MM-dd HH:mm} UTC, `{e.Mode}` mode, {report.DurationSeconds:0} s; "))
          .AppendLine(Inv($"commit `{e.Commit}`;"))
          .AppendLine(Inv($"{e.Runtime}, {e.Os}; {e.GcMode}; {e.CpuCount} × {e.CpuModel}."))
          .AppendLine();

        if (report.Measurements.Count > 0)
        {
            md.AppendLine("| scenario | storage | client | median | min – max | unit | baseline | ratio |")
              .AppendLine("|---|---|---|---:|---:|---|---|---:|");
            foreach (var m in report.Measurements)
            {
                var baseline = BaselineTitle(report, m.Baseline);
                md.AppendLine(Row(m.Title, m.Storage, m.Client, Number(m.Value), Spread(m), m.Unit, baseline, Ratio(m.Ratio)));
            }

            md.AppendLine();
            var details = report.Measurements.Where(m => m.Details.Count > 0).ToList();
            if (details.Count > 0)
            {
                md.AppendLine("| scenario | further figures |").AppendLine("|---|---|");
                foreach (var m in details)
                {
                    md.AppendLine(Inv($"| {m.Title} | {string.Join("; ", m.Details.Select(d => $"{d.Key} {Number(d.Value)}"))} |"));
                }

                md.AppendLine();
            }
        }

        if (report.Latencies.Count > 0)
        {
            md.AppendLine("| open loop | client | load | sent/s | p50 ms | p99 ms | p99.9 ms | max ms | dropped | lost | failed |" +
                " GC pause % | p99 ÷ baseline p99 |")
              .AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var l in report.Latencies)
            {
                var r = l.Result;
                var load = Inv($"{l.LoadShare:P0} of {l.OfMaximum}");
                md.AppendLine(Row(
                    l.Title, l.Client, load, Number(r.AchievedRate), Inv($"{r.P50:0.00}"), Inv($"{r.P99:0.00}"), Inv($"{r.P999:0.00}"),
                    Inv($"{r.Max:0.0}"), Inv($"{r.Dropped}"), Inv($"{r.Lost}"), Inv($"{r.Failed}"),
                    r.Gc is { } gc ? Inv($"{gc.PauseShare * 100:0.0}") : "—", Ratio(l.P99Ratio)));
            }

            md.AppendLine();
        }

        if (report.Targets.Count > 0)
        {
            md.AppendLine("| target (reported, never asserted) | measured | ratio | met |").AppendLine("|---|---|---:|---|");
            foreach (var t in report.Targets)
            {
                var met = t.Met switch { true => "yes", false => "no", null => "—" };
                md.AppendLine(Inv($"| {t.Goal} | {t.Measured} | {Ratio(t.Ratio)} | {met} |"));
            }

            md.AppendLine();
        }

        if (report.Micro.Count > 0)
        {
            md.AppendLine("| micro-benchmark | mean | median | error | allocated |").AppendLine("|---|---:|---:|---:|---:|");
            foreach (var b in report.Micro)
            {
                var allocated = b.AllocatedBytes is { } bytes ? Inv($"{bytes:N0} B") : "—";
                md.AppendLine(Row(b.Benchmark, Nanos(b.MeanNanoseconds), Nanos(b.MedianNanoseconds), Nanos(b.ErrorNanoseconds), allocated));
            }

            md.AppendLine();
        }

        foreach (var line in report.NotYetMeasurable)
        {
            md.AppendLine(Inv($"- Not measurable yet: {line}"));
        }

        foreach (var line in report.Skipped)
        {
            md.AppendLine(Inv($"- Skipped in this run: {line}"));
        }

        return md.ToString();
    }

    private static string BaselineTitle(RunReport report, string? id) =>
        id is null ? "—" : report.Find(id)?.Title ?? id;

    private static string Spread(Measurement m) =>
        m.Min is { } min && m.Max is { } max ? $"{Number(min)} – {Number(max)}" : "—";

    private static string Ratio(double? ratio) => ratio is { } r ? Inv($"{r:0.00}×") : "—";

    private static string Number(double value) => value switch
    {
        double.NaN => "—",
        >= 100 => Inv($"{value:N0}"),
        >= 10 => Inv($"{value:0.0}"),
        _ => Inv($"{value:0.00}"),
    };

    private static string Nanos(double ns) => ns switch
    {
        double.NaN => "—",
        >= 1_000_000 => Inv($"{ns / 1_000_000:0.00} ms"),
        >= 1_000 => Inv($"{ns / 1_000:0.00} µs"),
        _ => Inv($"{ns:0.0} ns"),
    };

    private static string Row(params string[] cells) => "| " + string.Join(" | ", cells) + " |";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
