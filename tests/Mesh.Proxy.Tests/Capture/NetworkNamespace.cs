using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Mesh.Proxy.Tests.Capture;

/// <summary>
/// A network namespace of the test's own (<c>ip netns add mesh-test-…</c>, removed on dispose) standing in for a pod:
/// loopback up and a veth pair with the pod address 10.99.0.1/24, so 10.99.0.0/24 is routed out of the "pod".
/// Needs root and <c>ip</c>: without them the test skips, naming what is missing, and fails under CI=true.
/// </summary>
internal sealed partial class NetworkNamespace : IDisposable
{
    public const string PodAddress = "10.99.0.1";

    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static void SkipUnlessPossible(params string[] programs)
    {
        string? missing = !Environment.IsPrivilegedProcess ? "root" : null;
        foreach (var program in (string[])["ip", .. programs])
        {
            missing ??= IsOnPath(program) ? null : program;
        }

        if (missing is null)
        {
            return;
        }

        var message = $"capture tests need root, ip and iptables in a network namespace: {missing} is missing";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message + "; CI=true requires it.");
        }

        Skip.If(true, message);
    }

    public static async Task<NetworkNamespace> CreateAsync()
    {
        var space = new NetworkNamespace($"mesh-test-{Guid.NewGuid().ToString("N")[..10]}");
        try
        {
            await RunCheckedAsync("ip", "netns", "add", space.Name);
            await RunCheckedAsync("ip", "-n", space.Name, "link", "set", "lo", "up");
            await RunCheckedAsync("ip", "-n", space.Name, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1");
            await RunCheckedAsync("ip", "-n", space.Name, "addr", "add", PodAddress + "/24", "dev", "veth0");
            await RunCheckedAsync("ip", "-n", space.Name, "link", "set", "veth0", "up");
            await RunCheckedAsync("ip", "-n", space.Name, "link", "set", "veth1", "up");
            return space;
        }
        catch
        {
            space.Dispose();
            throw;
        }
    }

    /// <summary>Runs a program inside the namespace.</summary>
    public Task<(int Code, string Output, string Errors)> ExecAsync(params string[] args) => RunAsync("ip", ["netns", "exec", Name, .. args]);

    /// <summary>Runs <c>Mesh.Proxy iptables</c> (the built executable) inside the namespace.</summary>
    public Task<(int Code, string Output, string Errors)> CaptureAsync(params string[] args) =>
        ExecAsync(["dotnet", Path.Combine(AppContext.BaseDirectory, "Mesh.Proxy.dll"), "iptables", .. args]);

    /// <summary>What <c>&lt;iptables&gt;-save</c> prints in the namespace, without comments and packet counters.</summary>
    public async Task<string> SaveAsync(string binary)
    {
        var (code, output, errors) = await ExecAsync(binary + "-save");
        Assert.True(code == 0, $"{binary}-save failed: {errors}");
        var lines = output.Split('\n').Where(line => !line.StartsWith('#') && line.Length > 0)
            .Select(line => CountersPattern().Replace(line, "[0:0]"));
        return string.Join('\n', lines);
    }

    /// <summary>A TCP listener whose socket lives in the namespace (opened on a thread that entered it: a netns is per thread).</summary>
    public Socket Listen(int port)
    {
        Socket? listener = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{Name}");
                if (SetNetworkNamespace((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
                }

                listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Any, port));
                listener.Listen();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        return listener ?? throw new InvalidOperationException("no listener in the namespace", failure);
    }

    public void Dispose() => RunAsync("ip", ["netns", "del", Name]).GetAwaiter().GetResult();

    private const int CloneNewNet = 0x40000000;

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNetworkNamespace(int fd, int type);

    [System.Text.RegularExpressions.GeneratedRegex(@"\[\d+:\d+\]")]
    private static partial System.Text.RegularExpressions.Regex CountersPattern();

    private static async Task RunCheckedAsync(string file, params string[] args)
    {
        var (code, _, errors) = await RunAsync(file, args);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} failed: {errors}");
    }

    private static async Task<(int Code, string Output, string Errors)> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await errors);
    }

    private static bool IsOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(folder => File.Exists(Path.Combine(folder, name)));
}
