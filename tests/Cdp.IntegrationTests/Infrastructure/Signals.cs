using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Cdp.IntegrationTests.Infrastructure;

/// <summary>Sends a POSIX signal to a child process: SIGINT as Ctrl+C at a terminal, SIGTERM as a service manager.</summary>
internal static class Signals
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    /// <summary>True when the signal was sent; false where it cannot be (Windows), and the caller must kill instead.</summary>
    public static bool Interrupt(Process process) => Send(process, SigInt);

    /// <summary>
    /// SIGTERM. Tests stop .NET hosts with it rather than SIGINT: a process started in the background
    /// without job control inherits SIGINT as ignored, and .NET keeps it so, while SIGTERM always arrives.
    /// The generic host shuts down the same way for both.
    /// </summary>
    public static bool Terminate(Process process) => Send(process, SigTerm);

    private static bool Send(Process process, int signal) => !OperatingSystem.IsWindows() && NativeMethods.Kill(process.Id, signal) == 0;

    private static class NativeMethods
    {
        // kill(2) from libc; .NET has no managed way to send a chosen signal to another process.
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}
