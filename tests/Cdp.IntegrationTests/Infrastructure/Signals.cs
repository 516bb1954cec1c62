using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Cdp.IntegrationTests.Infrastructure;

/// <summary>Sends Ctrl+C (SIGINT) to a child process, as a person at the terminal would.</summary>
internal static class Signals
{
    private const int SigInt = 2;

    /// <summary>True when the signal was sent; false where it cannot be (Windows), and the caller must kill instead.</summary>
    public static bool Interrupt(Process process) => !OperatingSystem.IsWindows() && NativeMethods.Kill(process.Id, SigInt) == 0;

    private static class NativeMethods
    {
        // kill(2) from libc; .NET has no managed way to send a chosen signal to another process.
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}
