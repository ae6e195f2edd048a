using System.CommandLine;
using System.Diagnostics;
using k8s;
using Mesh.Meshctl.Cluster;

namespace Mesh.Meshctl.Commands;

/// <summary>`meshctl dashboard kiali|jaeger|grafana|prometheus`: a local port forwarded to the add-on's pod, its URL printed and opened, until Ctrl-C.</summary>
internal static class DashboardCommand
{
    /// <summary>Each add-on's Service in istio-system (deploy/addons), its port, and the UI's path.</summary>
    public static readonly IReadOnlyDictionary<string, (string Service, int Port, string Path)> Addons = new Dictionary<string, (string, int, string)>
    {
        ["kiali"] = ("kiali", 20001, "/kiali"),
        ["jaeger"] = ("tracing", 80, "/jaeger"),
        ["grafana"] = ("grafana", 3000, "/"),
        ["prometheus"] = ("prometheus", 9090, "/"),
    };

    public static Command Create()
    {
        var connection = new ClusterConnection();
        var addon = new Argument<string>("addon") { Description = "kiali, jaeger, grafana or prometheus" };
        addon.AcceptOnlyFromAmong([.. Addons.Keys]);
        var port = new Option<int>("--port") { Description = "The local port (0: any free port)", DefaultValueFactory = _ => 0 };
        var browser = new Option<bool>("--browser") { Description = "Open the URL in a browser (xdg-open)", DefaultValueFactory = _ => true };
        var ns = new Option<string>("--namespace", "-n") { Description = "The add-ons' namespace", DefaultValueFactory = _ => ClusterCheck.SystemNamespace };
        var command = new Command("dashboard", "Open an add-on's UI through a port-forward to its pod, until Ctrl-C") { addon, port, browser, ns };
        connection.AddTo(command);
        command.SetAction(async (result, cancellationToken) => await ClusterCommand.RunAsync("dashboard", connection, result, Console.Error,
            config => RunAsync(result.GetValue(addon)!, result.GetValue(ns)!, result.GetValue(port), result.GetValue(browser), config, Console.Out, Console.Error, cancellationToken)));
        return command;
    }

    /// <summary>Forwards until <paramref name="cancellationToken"/> is cancelled (Ctrl-C); 1 when the add-on's pod cannot be found.</summary>
    public static async Task<int> RunAsync(string addon, string ns, int localPort, bool openBrowser, KubernetesClientConfiguration config, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var (service, servicePort, path) = Addons[addon];
        using var api = new KubeApi(config);
        string pod;
        int podPort;
        try
        {
            (pod, podPort) = await new PodLocator(api).FindBehindServiceAsync(ns, service, servicePort, cancellationToken);
        }
        catch (ClusterException e)
        {
            errors.WriteLine($"meshctl dashboard {addon}: {e.Message} (is the demo profile installed? meshctl install --profile demo)");
            return 1;
        }

        var forwarder = new PortForwarder(api, ns, pod, podPort);
        var (local, serving) = forwarder.Listen(localPort, errors, cancellationToken);
        var url = $"http://{local}{path}";
        output.WriteLine($"{addon}: {url} (forwarding to pod {ns}/{pod} port {podPort}; Ctrl-C to stop)");
        if (openBrowser)
        {
            OpenBrowser(url, errors);
        }

        await serving;
        return 0;
    }

    private static void OpenBrowser(string url, TextWriter errors)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var opener = Path.Combine(directory, "xdg-open");
            if (File.Exists(opener))
            {
                try
                {
                    using var process = Process.Start(new ProcessStartInfo(opener, url) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true });
                }
                catch (System.ComponentModel.Win32Exception e)
                {
                    errors.WriteLine($"cannot open a browser: {e.Message}");
                }

                return;
            }
        }
    }
}
