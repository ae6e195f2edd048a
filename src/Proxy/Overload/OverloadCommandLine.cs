// The overload manager's heap budget on the proxy's command line.
using System.Globalization;

namespace Mesh.Proxy.Overload;

internal static class OverloadCommandLine
{
    public const string Usage = """
        overload (both modes; docs/operations.md "Memory"):
          [--max-heap-mb MB (default: the GC's heap limit, in a container 75% of its memory limit; 0: no overload actions)]
        """;

    public static readonly string[] Flags = ["--max-heap-mb"];

    /// <summary>Adds the heap budget to <paramref name="options"/>, or returns null with <paramref name="error"/>.</summary>
    public static ProxyOptions? TryApply(ProxyOptions? options, IReadOnlyDictionary<string, string> values, out string error)
    {
        error = string.Empty;
        if (options is null || !values.TryGetValue("--max-heap-mb", out var text))
        {
            return options;
        }

        // A heap under 16 MB cannot hold the proxy itself; past a terabyte is a typo.
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var megabytes) || megabytes is > 0 and < 16 or > 1_048_576)
        {
            error = $"--max-heap-mb '{text}': expected a number of megabytes from 16 to 1048576 (0: no overload actions)";
            return null;
        }

        return options with { Overload = new OverloadOptions { MaxHeapBytes = megabytes * 1024 * 1024 } };
    }
}
