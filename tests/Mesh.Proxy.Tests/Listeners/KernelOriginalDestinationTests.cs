using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Mesh.Proxy.Listeners;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>
/// SO_ORIGINAL_DST from the kernel itself: in a network namespace of its own (root, `ip`, `iptables`), an iptables
/// REDIRECT rule sends a connection meant for 10.9.8.7:9080 to a listener on 15001, whose accepted socket must say
/// where the client meant to go. Skipped where the machine cannot do it; under CI=true that is a failure.
/// </summary>
public sealed class KernelOriginalDestinationTests
{
    private const int CloneNewNet = 0x40000000;

    [SkippableFact]
    public async Task Find_ConnectionRedirectedByIptables_ReadsTheOriginalDestination_DirectClientToldApart()
    {
        SkipUnlessNamespacesAndIptables();
        var name = $"mesh-odst-{Environment.ProcessId}";
        Run("ip", "netns", "add", name);
        try
        {
            RunIn(name, "ip", "link", "set", "lo", "up");
            // A route to the destination, as a pod has one; iptables rewrites the connection before it goes anywhere.
            RunIn(name, "ip", "addr", "add", "10.9.8.1/24", "dev", "lo");
            RunIn(name, "iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "10.9.8.7", "--dport", "9080", "-j", "REDIRECT", "--to-ports", "15001");

            var (listener, redirected, direct) = CreateSocketsIn(name);
            using (listener)
            using (redirected)
            using (direct)
            {
                await redirected.ConnectAsync(IPEndPoint.Parse("10.9.8.7:9080"));
                using var accepted = await listener.AcceptAsync();
                Assert.Equal(IPEndPoint.Parse("10.9.8.7:9080"), new SocketOriginalDestinations().Find(Connection(accepted)));

                await direct.ConnectAsync(IPEndPoint.Parse("127.0.0.1:15001"));
                using var acceptedDirect = await listener.AcceptAsync();
                // No NAT entry (null), or the tracked destination, which is the listener's own socket: a direct client either way.
                var found = new SocketOriginalDestinations().Find(Connection(acceptedDirect));
                Assert.True(found is null || found.Equals(acceptedDirect.LocalEndPoint), $"a direct client's original destination was {found}");
            }
        }
        finally
        {
            Run("ip", "netns", "del", name);
        }
    }

    /// <summary>The sockets, created on a thread that entered the namespace: a socket stays in the namespace it was made in.</summary>
    private static (Socket Listener, Socket Redirected, Socket Direct) CreateSocketsIn(string name)
    {
        (Socket, Socket, Socket)? sockets = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{name}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
                }

                var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Any, 15001));
                listener.Listen();
                sockets = (listener, new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp),
                    new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        return sockets ?? throw new InvalidOperationException("could not create sockets in the namespace", failure);
    }

    private static DefaultConnectionContext Connection(Socket accepted)
    {
        var connection = new DefaultConnectionContext { LocalEndPoint = accepted.LocalEndPoint, RemoteEndPoint = accepted.RemoteEndPoint };
        connection.Features.Set<IConnectionSocketFeature>(new SocketFeature(accepted));
        return connection;
    }

    private static void SkipUnlessNamespacesAndIptables()
    {
        var missing = !OperatingSystem.IsLinux() ? "Linux"
            : Environment.UserName != "root" ? "root"
            : FindOnPath("ip") is null ? "the ip command"
            : FindOnPath("iptables") is null ? "the iptables command"
            : null;
        if (missing is not null && Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail($"SO_ORIGINAL_DST through a real iptables REDIRECT needs {missing}; CI must have it.");
        }

        Skip.If(missing is not null, $"SO_ORIGINAL_DST through a real iptables REDIRECT needs {missing}.");
    }

    private static string? FindOnPath(string command)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':'))
        {
            var path = Path.Combine(directory, command);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    private static void RunIn(string name, params string[] command) => Run(["ip", "netns", "exec", name, .. command]);

    private static void Run(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in command[1..])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', command)} exited with {process.ExitCode}: {error}");
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);

    private sealed class SocketFeature(Socket socket) : IConnectionSocketFeature
    {
        public Socket Socket { get; } = socket;
    }
}
