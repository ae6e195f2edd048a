using System.Collections;
using System.Runtime.CompilerServices;

namespace Mesh.Proxy.Overload;

/// <summary>
/// GC settings in the environment that this runtime drops without a word. The image's proxy is compiled ahead of time,
/// and that runtime reads <c>DOTNET_GC*</c> values as bare hexadecimal digits: a value written with a <c>0x</c> prefix,
/// which the JIT runtime accepts, is ignored. A heap limit lost so leaves the overload manager with the node's memory
/// as its budget, so the proxy says so at start.
/// </summary>
internal static class IgnoredGcSettings
{
    /// <summary>Whether this process runs ahead-of-time compiled code (no JIT).</summary>
    public static bool CompiledAheadOfTime => !RuntimeFeature.IsDynamicCodeSupported;

    /// <summary>Each ignored setting, in name order; none when the runtime reads them all.</summary>
    public static IReadOnlyList<IgnoredGcSetting> In(IDictionary environment, bool compiledAheadOfTime)
    {
        var ignored = new List<IgnoredGcSetting>();
        if (!compiledAheadOfTime) return ignored;
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && entry.Value is string value && IsGcSetting(name)
                && value.Trim().StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                ignored.Add(new IgnoredGcSetting(name, value, value.Trim()[2..]));
            }
        }
        ignored.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return ignored;
    }

    /// <summary>The runtime's GC settings, by either of the prefixes it reads (COMPlus_ is the older one).</summary>
    private static bool IsGcSetting(string name) =>
        name.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase) || name.StartsWith("COMPlus_GC", StringComparison.OrdinalIgnoreCase);
}

/// <param name="Digits">The value as this runtime reads it: the same hexadecimal digits, without 0x.</param>
internal sealed record IgnoredGcSetting(string Name, string Value, string Digits);
