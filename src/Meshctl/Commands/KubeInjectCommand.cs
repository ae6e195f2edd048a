using System.CommandLine;
using Mesh.Injection;

namespace Mesh.Meshctl.Commands;

/// <summary>
/// `meshctl kube-inject`: istioctl kube-inject's offline injection. Kubernetes YAML in (a file or stdin), the same YAML
/// out with each workload's pod injected exactly as the control plane's webhook would inject it (the same library).
/// </summary>
internal static class KubeInjectCommand
{
    public static Command Create()
    {
        var file = new Option<string>("--filename", "-f")
        {
            Description = "The Kubernetes YAML to inject, '-' for standard input",
            Required = true,
        };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the injected YAML (default: standard output)" };
        var defaults = new InjectionSettings();
        var native = new Option<bool>("--native-sidecars")
        {
            Description = "The proxy as a Kubernetes native sidecar (an init container with restartPolicy: Always, Kubernetes 1.29+); "
                + "a pod's sidecar.istio.io/nativeSidecar annotation overrides it",
            DefaultValueFactory = _ => defaults.NativeSidecars,
        };
        var hold = new Option<bool>("--hold-application-until-proxy-starts")
        {
            Description = "Start a classic sidecar first and hold the application until it is ready",
        };
        var image = new Option<string>("--proxy-image") { Description = "The proxy's image", DefaultValueFactory = _ => defaults.ProxyImage };
        var discovery = new Option<string>("--discovery-address")
        {
            Description = "The control plane's discovery and CA address",
            DefaultValueFactory = _ => defaults.DiscoveryAddress,
        };
        var cluster = new Option<string>("--cluster-id") { Description = "ISTIO_META_CLUSTER_ID", DefaultValueFactory = _ => defaults.ClusterId };
        var trustDomain = new Option<string>("--trust-domain") { Description = "The mesh's trust domain", DefaultValueFactory = _ => defaults.TrustDomain };
        var meshId = new Option<string?>("--mesh-id") { Description = "ISTIO_META_MESH_ID (default: the trust domain)" };
        var revision = new Option<string>("--revision") { Description = "The control plane revision (istio.io/rev)", DefaultValueFactory = _ => defaults.Revision };
        var command = new Command("kube-inject",
            "Inject the sidecar into Kubernetes YAML offline, as the control plane's webhook would: Pods, Deployments, StatefulSets, "
            + "DaemonSets, ReplicaSets, ReplicationControllers, Jobs and CronJobs; other documents pass through unchanged")
        {
            file, output, native, hold, image, discovery, cluster, trustDomain, meshId, revision,
        };
        command.SetAction(result =>
        {
            var settings = defaults with
            {
                NativeSidecars = result.GetValue(native),
                HoldApplicationUntilProxyStarts = result.GetValue(hold),
                ProxyImage = result.GetValue(image)!,
                DiscoveryAddress = result.GetValue(discovery)!,
                ClusterId = result.GetValue(cluster)!,
                TrustDomain = result.GetValue(trustDomain)!,
                MeshId = result.GetValue(meshId),
                Revision = result.GetValue(revision)!,
            };
            return Run(result.GetValue(file)!, result.GetValue(output), settings, Console.In, Console.Out, Console.Error);
        });
        return command;
    }

    /// <summary>Exit 0 with the injected YAML written; 1 with the reason on standard error (nothing is written then).</summary>
    internal static int Run(string input, string? outputPath, InjectionSettings settings, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        string yaml;
        try
        {
            yaml = input == "-" ? stdin.ReadToEnd() : File.ReadAllText(input);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {input}: {e.Message}");
            return 1;
        }

        var warnings = new List<string>();
        string injected;
        try
        {
            injected = ResourceInjector.Inject(yaml, new SidecarInjector(settings), warnings);
        }
        catch (InjectionException e)
        {
            stderr.WriteLine($"error: {(input == "-" ? "<stdin>" : input)}: {e.Message}");
            return 1;
        }

        // istioctl prints its "Skipping injection" lines the same way: on standard error, the YAML stays clean.
        foreach (var warning in warnings)
        {
            stderr.WriteLine($"warning: {warning}");
        }

        if (outputPath is null)
        {
            stdout.Write(injected);
            return 0;
        }

        try
        {
            File.WriteAllText(outputPath, injected);
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {outputPath}: {e.Message}");
            return 1;
        }
    }
}
