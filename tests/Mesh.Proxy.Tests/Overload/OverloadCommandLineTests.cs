namespace Mesh.Proxy.Tests.Overload;

/// <summary>The heap budget on the proxy's command line.</summary>
public sealed class OverloadCommandLineTests
{
    private static readonly string[] Router = ["router", "--workload", "gw", "--namespace", "ns", "--discovery", "http://127.0.0.1:1", "--admin-port", "15000"];

    [Fact]
    public void TryParse_NoFlag_TheGcsLimit()
    {
        var options = ProxyCommandLine.TryParse(Router, out var error);

        Assert.True(options is not null, error);
        Assert.Null(options.Overload.MaxHeapBytes);
    }

    [Theory]
    [InlineData("200", 200L * 1024 * 1024)]
    [InlineData("0", 0L)]
    public void TryParse_MaxHeapMb_InBytes(string value, long bytes)
    {
        var options = ProxyCommandLine.TryParse([.. Router, "--max-heap-mb", value], out var error);

        Assert.True(options is not null, error);
        Assert.Equal(bytes, options.Overload.MaxHeapBytes);
    }

    [Theory]
    [InlineData("8")]
    [InlineData("-1")]
    [InlineData("lots")]
    [InlineData("2000000")]
    public void TryParse_BadMaxHeapMb_SaysWhatIsWrong(string value)
    {
        Assert.Null(ProxyCommandLine.TryParse([.. Router, "--max-heap-mb", value], out var error));
        Assert.Equal($"--max-heap-mb '{value}': expected a number of megabytes from 16 to 1048576 (0: no overload actions)", error);
    }
}
