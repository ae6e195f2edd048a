using System.Runtime.InteropServices;

namespace Mesh.EndToEnd.Tests;

/// <summary>Reads and lowers another process's open-file limit (prlimit(2), Linux), and counts its open descriptors.</summary>
internal static class DescriptorLimit
{
    private const int RlimitNoFile = 7;

    public static int OpenDescriptors(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    /// <summary>Sets the soft limit only: the process may raise it again up to its unchanged hard limit.</summary>
    public static void SetSoftLimit(int pid, int limit)
    {
        if (prlimit(pid, RlimitNoFile, IntPtr.Zero, out var current) != 0)
        {
            throw new InvalidOperationException($"prlimit({pid}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        var lowered = new RLimit { Current = (ulong)limit, Maximum = current.Maximum };
        if (prlimit(pid, RlimitNoFile, ref lowered, out _) != 0)
        {
            throw new InvalidOperationException($"prlimit({pid}, {limit}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int prlimit(int pid, int resource, IntPtr newLimit, out RLimit oldLimit);

    [DllImport("libc", SetLastError = true)]
    private static extern int prlimit(int pid, int resource, ref RLimit newLimit, out RLimit oldLimit);
}
