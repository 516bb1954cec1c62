using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Http;

/// <summary>
/// Keeps the official server-side tracking SDKs, at pinned versions, under <c>.tools/tracking-sdks</c>: installed
/// with npm on first use, under a lock file, the way <see cref="AzuriteInstall"/> keeps Azurite.
/// </summary>
internal static class TrackingSdkInstall
{
    public const string SegmentVersion = "3.1.0";
    public const string RudderStackVersion = "3.0.13";

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The <c>node_modules</c> folder that holds both SDKs.</summary>
    public static async Task<string> EnsureInstalledAsync(string repositoryRoot, CancellationToken cancellationToken)
    {
        try
        {
            await AzuriteInstall.EnsureNodeAsync(cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(
                "The tracking SDK test runs @segment/analytics-node and @rudderstack/rudder-sdk-node, which need " +
                $"Node.js 20 or newer with npm on PATH. Install Node.js, then rerun. ({ex.Message})", ex);
        }

        var folder = Path.Combine(repositoryRoot, ".tools", "tracking-sdks");
        var modules = Path.Combine(folder, "node_modules");
        await using var installLock = await AzuriteInstall.AcquireLockAsync(
            Path.Combine(repositoryRoot, ".tools", "tracking-sdks.lock"), cancellationToken);

        // The version file is written last, so a half-finished install is never taken for a complete one.
        var marker = Path.Combine(folder, "installed.txt");
        var wanted = $"@segment/analytics-node@{SegmentVersion} @rudderstack/rudder-sdk-node@{RudderStackVersion}";
        if (File.Exists(marker) && await File.ReadAllTextAsync(marker, cancellationToken) == wanted)
        {
            return modules;
        }

        Directory.CreateDirectory(folder);
        var install = await AzuriteInstall.RunAsync(
            AzuriteInstall.NpmFileName,
            ["install", "--no-audit", "--no-fund", "--prefix", folder, .. wanted.Split(' ')],
            InstallTimeout,
            cancellationToken);
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'npm install {wanted}' into '{folder}' failed with exit code {install.ExitCode}:{Environment.NewLine}{install.Output}");
        }

        await File.WriteAllTextAsync(marker, wanted, cancellationToken);
        return modules;
    }
}
