// The proxy's composition root: parse the command line, build the proxy, run until stopped; or `wait` for it to be ready;
// or install the pod's traffic capture (`iptables`, the istio-init container's job) and exit.
using Mesh.Proxy;
using Mesh.Proxy.Capture;
using Mesh.Proxy.Pod;

if (args.Length > 0 && args[0] == "wait")
{
    return await WaitCommand.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
}

if (args.Length > 0 && args[0] == "iptables")
{
    return await IptablesCommand.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, CancellationToken.None);
}

var options = ProxyCommandLine.TryParse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine($"Mesh.Proxy: {error}");
    Console.Error.WriteLine(ProxyCommandLine.Usage);
    return 2;
}

await using var app = ProxyApplication.Build(options, transport: null, TimeProvider.System, Random.Shared);
await app.RunAsync();
return 0;
