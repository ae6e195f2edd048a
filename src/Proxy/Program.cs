// The proxy's composition root: parse the command line, build the proxy, run until stopped.
using Mesh.Proxy;
using Mesh.Proxy.Discovery;

var options = ProxyCommandLine.TryParse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine($"Mesh.Proxy: {error}");
    Console.Error.WriteLine(ProxyCommandLine.Usage);
    return 2;
}

using var transport = new GrpcDiscoveryTransport(options.Discovery, options.Identity.CaRootFile);
await using var app = ProxyApplication.Build(options, transport, TimeProvider.System, Random.Shared);
await app.RunAsync();
return 0;
