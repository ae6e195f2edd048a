using System.Globalization;

namespace Mesh.Harness;

/// <summary>A process's CPU time and resident memory, read from Linux's /proc as <c>ps</c> and <c>top</c> do.</summary>
internal static class ProcessStats
{
    /// <summary>The kernel's clock ticks per second for /proc/PID/stat (USER_HZ): 100 on every Linux this runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>User plus system CPU seconds the process has used so far; 0 once it has gone.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = ReadOrEmpty($"/proc/{pid}/stat");
        // "PID (comm) state ppid ...": comm may hold spaces, so fields count from the last ')'; utime and stime are
        // fields 14 and 15 of the whole line, the 12th and 13th after the comm.
        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length < 13 ? 0
            : (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>The process's resident set (VmRSS) in bytes; 0 once it has gone.</summary>
    public static long ResidentBytes(int pid)
    {
        foreach (var line in ReadOrEmpty($"/proc/{pid}/status").Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>The ids of the process's direct children (nginx's workers under its master).</summary>
    public static IReadOnlyList<int> Children(int pid)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var candidate))
            {
                continue;
            }

            var stat = ReadOrEmpty(Path.Combine(dir, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 1 && fields[1] == pid.ToString(CultureInfo.InvariantCulture))
            {
                children.Add(candidate);
            }
        }

        return children;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
