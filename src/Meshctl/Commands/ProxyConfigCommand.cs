using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Mesh.Meshctl.Cluster;

namespace Mesh.Meshctl.Commands;

/// <summary>
/// `meshctl proxy-config cluster|listener|route|endpoint|secret|all POD[.NAMESPACE]`: what a proxy is serving, read
/// from its admin port (15000) through a port-forward, or from `--admin URL` for a local proxy.
/// </summary>
internal static class ProxyConfigCommand
{
    public const int AdminPort = 15000;
    public static readonly string[] Types = ["cluster", "listener", "route", "endpoint", "secret", "all"];

    public static Command Create()
    {
        var connection = new ClusterConnection();
        var type = new Argument<string>("type") { Description = "cluster, listener, route, endpoint, secret or all" };
        type.AcceptOnlyFromAmong(Types);
        var pod = new Argument<string?>("pod") { Description = "POD[.NAMESPACE] (not with --admin)", Arity = ArgumentArity.ZeroOrOne };
        var ns = new Option<string>("--namespace", "-n") { Description = "The pod's namespace", DefaultValueFactory = _ => "default" };
        var admin = new Option<Uri?>("--admin") { CustomParser = UriParsing.One, Description = "A proxy's admin address (its --admin-port), instead of a pod" };
        var output = new Option<string>("--output", "-o") { Description = "short (tables) or json (the admin endpoint's own JSON)", DefaultValueFactory = _ => "short" };
        output.AcceptOnlyFromAmong("short", "json");
        var command = new Command("proxy-config", "Show a proxy's clusters, listeners, routes, endpoints or certificates, as istioctl proxy-config does")
        {
            type, pod, ns, admin, output,
        };
        connection.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var json = result.GetValue(output) == "json";
            if (result.GetValue(admin) is { } url)
            {
                using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
                return await RunAsync(http, result.GetValue(type)!, json, Console.Out, Console.Error, cancellationToken);
            }

            if (result.GetValue(pod) is not { } target)
            {
                Console.Error.WriteLine("meshctl proxy-config: name a pod (POD[.NAMESPACE]) or give --admin URL");
                return 1;
            }

            var dot = target.IndexOf('.');
            var (podName, podNamespace) = dot < 0 ? (target, result.GetValue(ns)!) : (target[..dot], target[(dot + 1)..]);
            return await ClusterCommand.RunAsync("proxy-config", connection, result, Console.Error, async config =>
            {
                using var api = new KubeApi(config);
                using var http = new PortForwarder(api, podNamespace, podName, AdminPort).CreateHttpClient(TimeSpan.FromSeconds(10));
                return await RunAsync(http, result.GetValue(type)!, json, Console.Out, Console.Error, cancellationToken);
            });
        });
        return command;
    }

    /// <summary>Reads the admin endpoints through <paramref name="admin"/> (its BaseAddress is the proxy's admin) and prints the tables or JSON.</summary>
    public static async Task<int> RunAsync(HttpClient admin, string type, bool json, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        try
        {
            if (type == "secret")
            {
                var certs = JsonNode.Parse(await admin.GetStringAsync("certs", cancellationToken))!;
                output.Write(json ? certs.ToJsonString(Indented) + "\n" : ProxyConfigTables.Secrets(certs, DateTimeOffset.UtcNow));
                return 0;
            }

            var dump = JsonNode.Parse(await admin.GetStringAsync("config_dump", cancellationToken))!;
            if (type == "all")
            {
                output.Write(json ? dump.ToJsonString(Indented) + "\n"
                    : string.Join("\n", new[] { "cluster", "listener", "route", "endpoint" }.Select(t => ProxyConfigTables.Render(t, dump))));
                return 0;
            }

            output.Write(json ? ProxyConfigTables.Resources(dump, type).ToJsonString(Indented) + "\n" : ProxyConfigTables.Render(type, dump));
            return 0;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or JsonException or k8s.Autorest.HttpOperationException or System.Net.WebSockets.WebSocketException)
        {
            errors.WriteLine($"meshctl proxy-config: cannot read the proxy's admin endpoint at {admin.BaseAddress}: {ErrorText.Of(e)}");
            return 1;
        }
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
