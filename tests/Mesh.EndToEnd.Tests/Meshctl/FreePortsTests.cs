using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests.Meshctl;

public sealed class FreePortsTests
{
    [Fact]
    public void Take_Many_GivesDistinctBindablePorts()
    {
        var ports = FreePorts.Take(20);

        Assert.Equal(20, ports.Distinct().Count());
        Assert.All(ports, p => Assert.True(FreePorts.IsFree(p), $"port {p} is not free"));
    }

    [Fact]
    public void Take_Many_StaysBelowTheEphemeralRange()
    {
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0]);

        Assert.All(FreePorts.Take(20), p => Assert.InRange(p, 20_000, ephemeralLow - 1));
    }

    [Fact]
    public void Take_Again_NeverRepeatsAPortNotYetBound()
    {
        // A span of 40 and two takes of 20: nothing binds the first 20, so they all look free to the second take,
        // yet a program given them may be about to bind them.
        var ports = new PortSpan(24_000, 24_040);
        var first = ports.Take(20);
        var second = ports.Take(20);

        Assert.Empty(first.Intersect(second));
    }

    [Fact]
    public void Take_InTwoProcesses_NeverGivesBothOnePort()
    {
        // Two spans over one directory stand for two processes (flock's locks are per open file, so they exclude each
        // other within one process too). Slices of 20 and takes of 20: each takes a whole slice of its own, where two
        // pickers over the whole 40 would all but surely pick some of the same ports.
        using var directory = new TemporaryDirectory();
        var firstSpan = new PortSpan(new PortSlices(directory.Path, 24_000, 24_040, 2));
        var first = firstSpan.Take(20);
        var second = new PortSpan(new PortSlices(directory.Path, 24_000, 24_040, 2)).Take(20);

        Assert.Empty(first.Intersect(second));
        GC.KeepAlive(firstSpan);
    }

    [Fact]
    public async Task TryClaim_SliceLockedByAnotherProcess_SkipsItUntilThatProcessExits()
    {
        // util-linux's flock(1) holds the first slice's file as another program would; the slices' lock is the same
        // flock(2) lock, and the kernel drops it when its holder exits. -o: flock keeps the lock to itself, not
        // passing it to the shell it starts, so the lock goes when flock has exited.
        using var directory = new TemporaryDirectory();
        var start = new ProcessStartInfo("flock", ["-o", Path.Combine(directory.Path, "24000-24020.lock"), "-c", "echo held && exec sleep 60"])
        {
            RedirectStandardOutput = true,
        };
        var slices = new PortSlices(directory.Path, 24_000, 24_040, 2);
        using (var holder = Process.Start(start)!)
        {
            try
            {
                Assert.Equal("held", await holder.StandardOutput.ReadLineAsync());

                Assert.Equal((24_020, 24_040), slices.TryClaim());
            }
            finally
            {
                holder.Kill(entireProcessTree: true);
                await holder.WaitForExitAsync();
            }
        }

        Assert.Equal((24_000, 24_020), slices.TryClaim());
    }

    [Fact]
    public void Take_SlicesUsedUp_ClaimsAnotherThenReusesItsOwn()
    {
        using var directory = new TemporaryDirectory();
        var other = new PortSlices(directory.Path, 24_000, 24_060, 3);
        Assert.Equal((24_000, 24_020), other.TryClaim());
        var span = new PortSpan(new PortSlices(directory.Path, 24_000, 24_060, 3));

        var taken = span.Take(20).Concat(span.Take(20)).ToArray();
        var again = span.Take(20);

        Assert.Equal(Enumerable.Range(24_020, 40), taken.Order());
        Assert.All(again, port => Assert.InRange(port, 24_020, 24_059));
        GC.KeepAlive(other); // its slice's lock file is closed when it is collected
    }

    [Fact]
    public void Take_NoSliceToClaim_SharesTheWholeRange()
    {
        using var directory = new TemporaryDirectory();
        var other = new PortSlices(directory.Path, 24_000, 24_040, 1);
        Assert.NotNull(other.TryClaim());

        var ports = new PortSpan(new PortSlices(directory.Path, 24_000, 24_040, 1)).Take(10);

        Assert.All(ports, port => Assert.InRange(port, 24_000, 24_039));
        GC.KeepAlive(other);
    }

    [Fact]
    public void IsFree_PortInUse_IsFalse()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();

        Assert.False(FreePorts.IsFree(((IPEndPoint)listener.LocalEndPoint!).Port));
    }
}

/// <summary>A directory of its own for one test's lock files, removed after it.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mesh-ports-test-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
