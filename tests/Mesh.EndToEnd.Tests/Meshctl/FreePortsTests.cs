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
    public void IsFree_PortInUse_IsFalse()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();

        Assert.False(FreePorts.IsFree(((IPEndPoint)listener.LocalEndPoint!).Port));
    }
}
