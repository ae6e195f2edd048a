using System.Collections;
using Mesh.Proxy.Overload;

namespace Mesh.Proxy.Tests.Overload;

/// <summary>The ahead-of-time compiled runtime drops a GC setting written with 0x: the proxy names each one, and how to write it.</summary>
public sealed class IgnoredGcSettingsTests
{
    private static readonly Hashtable Environment = new()
    {
        ["DOTNET_GCHeapHardLimit"] = "0xC000000",
        ["DOTNET_gcConcurrent"] = "0",
        ["DOTNET_GCgen0size"] = "400000",
        ["COMPlus_GCHeapAffinitizeMask"] = " 0X3",
        ["HEAP"] = "0x10",
    };

    [Fact]
    public void In_CompiledAheadOfTime_EachGcSettingWithThePrefix()
    {
        var ignored = IgnoredGcSettings.In(Environment, compiledAheadOfTime: true);

        Assert.Equal(
            [new IgnoredGcSetting("COMPlus_GCHeapAffinitizeMask", " 0X3", "3"), new IgnoredGcSetting("DOTNET_GCHeapHardLimit", "0xC000000", "C000000")],
            ignored);
    }

    [Fact]
    public void In_JitRuntime_NoneIgnored()
    {
        Assert.Empty(IgnoredGcSettings.In(Environment, compiledAheadOfTime: false));
    }

    [Fact]
    public void CompiledAheadOfTime_TheTestsRunOnTheJit()
    {
        Assert.False(IgnoredGcSettings.CompiledAheadOfTime);
    }
}
