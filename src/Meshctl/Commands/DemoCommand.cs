using System.CommandLine;
using System.Runtime.InteropServices;
using Mesh.Meshctl.Local;

namespace Mesh.Meshctl.Commands;

/// <summary>`meshctl demo`: runs the local mesh, says what to try, and stops everything on Ctrl-C.</summary>
internal static class DemoCommand
{
    private const int PreferredGatewayPort = 8080;

    public static Command Create()
    {
        var workDir = new Option<DirectoryInfo?>("--work-dir")
        {
            Description = "Where the demo writes its config folder (default: .mesh/demo in the repository)",
        };
        var gatewayPort = new Option<int>("--gateway-port")
        {
            Description = $"The gateway's port (default {PreferredGatewayPort}, or a free one if that is taken; 0 = any free port)",
            DefaultValueFactory = _ => PreferredGatewayPort,
        };
        var otlpEndpoint = new Option<Uri?>("--otlp-endpoint")
        {
            CustomParser = UriParsing.One,
            Description = "Export every proxy's spans over OTLP to this collector, e.g. http://127.0.0.1:4317 (Jaeger all-in-one)",
        };
        var otlpProtocol = new Option<string>("--otlp-protocol")
        {
            Description = "OTLP transport: grpc (port 4317) or http/protobuf (port 4318)",
            DefaultValueFactory = _ => "grpc",
        };
        otlpProtocol.AcceptOnlyFromAmong("grpc", "http/protobuf");
        var traceSampling = new Option<double>("--trace-sampling")
        {
            Description = "Percentage of new traces sampled (Istio's default is 1; the demo samples all)",
            DefaultValueFactory = _ => 100,
        };
        var accessLog = new Option<string>("--access-log")
        {
            Description = "Every proxy's access log to its output: off, text (Envoy's default format) or json",
            DefaultValueFactory = _ => "off",
        };
        accessLog.AcceptOnlyFromAmong("off", "text", "json");
        var meshConfig = new Option<FileInfo?>("--mesh-config")
        {
            Description = "An Istio MeshConfig YAML file the control plane reads and watches: outboundTrafficPolicy.mode, and the "
                + "extensionProviders a Telemetry's tracing names (e.g. an opentelemetry provider at 127.0.0.1:4317)",
        };
        var command = new Command("demo", "Run a whole mesh on 127.0.0.1: control plane, ingress gateway, and a sample app of three workloads behind sidecars")
        {
            workDir,
            gatewayPort,
            otlpEndpoint,
            otlpProtocol,
            traceSampling,
            accessLog,
            meshConfig,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(result.GetValue(workDir), result.GetValue(gatewayPort), result.GetValue(meshConfig), new DemoTelemetry(
                result.GetValue(otlpEndpoint), result.GetValue(otlpProtocol)!, result.GetValue(traceSampling), result.GetValue(accessLog)!), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo? workDir, int gatewayPort, FileInfo? meshConfig, DemoTelemetry telemetry, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopGracefully);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopGracefully);
        var stopping = stop.Token;
        var root = RepositoryLayout.Find().Root;
        // The programs' start-up chatter goes to their log files; once the mesh is up, their lines stream here.
        var started = false;
        var options = new LocalMeshOptions
        {
            WorkDir = workDir?.FullName ?? Path.Combine(root, ".mesh", "demo"),
            GatewayPort = gatewayPort != 0 && FreePorts.IsFree(gatewayPort) ? gatewayPort : 0,
            MeshConfigFile = meshConfig?.FullName,
            OtlpEndpoint = telemetry.OtlpEndpoint,
            OtlpProtocol = telemetry.OtlpProtocol,
            TraceSamplingPercent = telemetry.TraceSamplingPercent,
            AccessLog = telemetry.AccessLog,
            OnProgress = static step => Console.WriteLine($"  ok  {step}"),
            OnOutputLine = (name, line) =>
            {
                if (Volatile.Read(ref started))
                {
                    Console.WriteLine($"[{name}] {line}");
                }
            },
        };

        // Two demos sharing a config folder would rewrite each other's ports and routing.
        Directory.CreateDirectory(options.WorkDir);
        using var workDirLock = TryLock(Path.Combine(options.WorkDir, "demo.lock"));
        if (workDirLock is null)
        {
            Console.Error.WriteLine($"meshctl demo: another demo is running from {options.WorkDir}; stop it, or pass --work-dir to run a second one");
            return 1;
        }

        Console.WriteLine("Starting the local mesh: control plane, ingress gateway, frontend v1, backend v1 and v2, each behind a sidecar...");
        LocalMesh mesh;
        try
        {
            mesh = await LocalMesh.StartAsync(options, stopping);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or IOException)
        {
            // One clear failure: which program, why, and where its whole output is; never a stack trace.
            Console.Error.WriteLine($"meshctl demo: the mesh did not start: {ex.Message.Split('\n')[0].TrimEnd()}");
            Console.Error.WriteLine($"meshctl demo: every program's output is in {Path.Combine(options.WorkDir, "logs")}");
            return 1;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return 0;
        }

        await using var _ = mesh;
        PrintWhatToTry(mesh);
        Volatile.Write(ref started, true);
        try
        {
            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine("Stopping the mesh...");
        }

        return 0;

        void StopGracefully(PosixSignalContext signal)
        {
            // Keep running until every program of the mesh has stopped; then return normally.
            signal.Cancel = true;
            stop.Cancel();
        }
    }

    private static FileStream? TryLock(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void PrintWhatToTry(LocalMesh mesh)
    {
        var gateway = mesh.GatewayUrl.ToString().TrimEnd('/');
        var lines = new List<string>
        {
            "",
            $"Gateway:        {gateway}",
            $"Config folder:  {mesh.ConfigDir}",
            "                (edit backend-routing.yaml there: routing changes within a second, no restart)",
            $"Control plane:  {mesh.ControlPlaneUrl}debug/syncz   (what each proxy was sent and ACKed)",
            $"                {mesh.ControlPlaneUrl}debug/configz (the config loaded, and rejected files)",
            $"                {mesh.ControlPlaneUrl}metrics       (istiod's pilot_* and citadel_* metrics)",
            "Proxies (admin: /config_dump, /ready, /certs):",
        };
        foreach (var (name, admin) in mesh.Proxies)
        {
            lines.Add($"  {name,-24} {admin}");
        }

        lines.Add("Metrics (Prometheus text, Istio's standard set and mesh_route_*):");
        foreach (var (name, metrics) in mesh.MetricsEndpoints)
        {
            lines.Add($"  {name,-24} {metrics}");
        }

        var prometheusConfig = Path.Combine(Path.GetDirectoryName(mesh.PrometheusTargetsFile)!, PrometheusTargets.ConfigFileName);
        lines.Add($"  Prometheus (every proxy and the control plane): prometheus --config.file={prometheusConfig} --storage.tsdb.path=/tmp/mesh-prometheus");

        lines.Add("Programs (stop one with kill PID, e.g. the control plane to see the proxies keep their config):");
        foreach (var (name, pid) in mesh.Programs)
        {
            lines.Add($"  {name,-24} {pid}");
        }

        lines.AddRange(
        [
            "",
            "Try:",
            $"  curl -s {gateway}/                              # frontend -> backend v1 (80%) or v2 (20%)",
            $"  curl -s -H 'end-user: jason' {gateway}/         # always backend v2",
            $"  for i in $(seq 50); do curl -s {gateway}/ | grep -m1 -o 'backend-v[12]'; done | sort | uniq -c",
            $"  dotnet {Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(AppContext.BaseDirectory, "meshctl.dll"))} proxy-status --control-plane {mesh.ControlPlaneUrl}",
            "",
            $"Logs:           {mesh.LogDir}  (from here on, the programs' log lines also appear below)",
            "Press Ctrl-C to stop.",
            "",
        ]);
        Console.WriteLine(string.Join(Environment.NewLine, lines));
    }
}
